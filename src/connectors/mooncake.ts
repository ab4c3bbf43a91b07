import type { KvConnectorCommonOptions } from '../kv-connector-options';
import { requirePort } from '../private/boundary';
import { Capability, has, range, requireCapability } from '../private/compat';
import { ConnectorImpl, ConnectorRendering, PairSpec, Transport } from '../private/connector-context';
import { invalid, requireInteger, show } from '../private/errors';
import { PortPeer } from '../private/pod-contribution';
import { seedRole, strictRoles } from '../private/role-rules';
import type { TierSpec } from '../private/tier-spec';
import { KvRole, TierRole } from '../roles';

/**
 * `mooncake_protocol` (docs/features/mooncake_connector_usage.md).
 */
export enum MooncakeProtocol {
  /** RDMA (the default). */
  RDMA = 'rdma',
  /** TCP, for testing without RDMA NICs. */
  TCP = 'tcp',
}

/**
 * Options for `KvConnector.mooncake()`.
 *
 * @see https://docs.vllm.ai/en/latest/features/mooncake_connector_usage.html
 */
export interface MooncakeConnectorOptions extends KvConnectorCommonOptions {
  /**
   * Transfer protocol.
   *
   * @default MooncakeProtocol.RDMA
   * @see https://docs.vllm.ai/en/latest/features/mooncake_connector_usage.html
   */
  readonly protocol?: MooncakeProtocol;

  /**
   * RDMA devices Mooncake may use (`device_name`, comma-joined), e.g. `['mlx5_0', 'mlx5_1']`.
   *
   * @default - the tier interconnect's `netDevices` (device names; a `:1` port suffix dropped), else all devices
   * @see https://docs.vllm.ai/en/latest/features/mooncake_connector_usage.html
   */
  readonly deviceNames?: string[];

  /**
   * Transfer threads per prefill worker (`num_workers`).
   *
   * @default - vLLM's default (10)
   * @see https://docs.vllm.ai/en/latest/features/mooncake_connector_usage.html
   */
  readonly numWorkers?: number;

  /**
   * Port of the bootstrap HTTP server that global rank 0 of each prefill pod runs
   * (`VLLM_MOONCAKE_BOOTSTRAP_PORT`).
   *
   * @default 8998
   * @see https://docs.vllm.ai/en/latest/features/mooncake_connector_usage.html
   */
  readonly bootstrapPort?: number;
}

// vllm/envs.py: VLLM_MOONCAKE_BOOTSTRAP_PORT, default 8998, needed on prefill only.
const BOOTSTRAP_PORT_ENV = 'VLLM_MOONCAKE_BOOTSTRAP_PORT';
const DEFAULT_BOOTSTRAP_PORT = 8998;
const BOOTSTRAP_PORT_NAME = 'mooncake-boot';
/**
 * vllm-router's pod discovery reads a prefill pod's Mooncake bootstrap port from this annotation
 * (src/service_discovery.rs); the library's own router renderers read the typed endpoint instead.
 */
const BOOTSTRAP_PORT_ANNOTATION = 'vllm.ai/bootstrap-port';

/**
 * vLLM's MooncakeConnector: Mooncake Transfer Engine P2P. Prefill `kv_producer`, decode `kv_consumer`;
 * the same TP on both tiers before vLLM 0.19.0, TP sizes dividing one another from 0.19.0 (PR #36869). The image must contain the Mooncake
 * transfer engine (`mooncake-transfer-engine`), which the official vllm-openai image may lack.
 */
export class MooncakeConnectorImpl implements ConnectorImpl {
  public readonly displayName = 'MooncakeConnector';
  private readonly options: MooncakeConnectorOptions;
  private readonly bootstrapPort: number;

  public constructor(options: MooncakeConnectorOptions) {
    const where = 'KvConnector.mooncake';
    this.options = options ?? {};
    const protocol = this.options.protocol ?? MooncakeProtocol.RDMA;
    if (!Object.values(MooncakeProtocol).includes(protocol)) {
      throw invalid(where, 'protocol', protocol, `must be one of ${show(Object.values(MooncakeProtocol))}`);
    }
    for (const d of this.options.deviceNames ?? []) {
      if (!/^[A-Za-z0-9_.:-]+$/.test(d)) {
        throw invalid(where, 'deviceNames', d, "must be RDMA device names such as 'mlx5_0'");
      }
    }
    requireInteger(where, 'numWorkers', this.options.numWorkers, 1);
    this.bootstrapPort = this.options.bootstrapPort ?? DEFAULT_BOOTSTRAP_PORT;
    requirePort(where, 'bootstrapPort', this.bootstrapPort);
  }

  public transport(): Transport {
    return Transport.MOONCAKE;
  }

  public defaultKvRole(tier: TierRole): KvRole {
    return seedRole(tier);
  }

  public allowedKvRoles(tier: TierRole): KvRole[] {
    return strictRoles(tier);
  }

  public render(spec: TierSpec): ConnectorRendering {
    const extra: Record<string, unknown> = { mooncake_protocol: this.options.protocol ?? MooncakeProtocol.RDMA };
    const devices = this.options.deviceNames?.length ? this.options.deviceNames : interconnectDevices(spec);
    if (devices.length) extra.device_name = devices.join(',');
    if (this.options.numWorkers !== undefined) extra.num_workers = this.options.numWorkers;
    const rendering = { connectorName: 'MooncakeConnector', extraConfig: extra };
    // Besides the bootstrap port, both tiers listen on ports the OS picks (vllm mooncake_connector.py at
    // 5c51233): prefill's ZMQ side channel (`sock.bind_to_random_port`), which decode dials after the bootstrap
    // query, and decode's Mooncake TransferEngine RPC port (`engine.get_rpc_port()` after the P2PHANDSHAKE
    // initialize), which prefill's sender writes to (`remote_session = remote_hostname:remote_port`).
    const peersOnAnyPort = [spec.tier === TierRole.PREFILL ? PortPeer.DECODE : PortPeer.PREFILL];
    if (spec.tier !== TierRole.PREFILL) return { ...rendering, pod: { peersOnAnyPort } };
    return {
      ...rendering,
      pod: {
        peersOnAnyPort,
        env: [{ name: BOOTSTRAP_PORT_ENV, value: String(this.bootstrapPort) }],
        // vllm-router queries http://<prefill>:<bootstrap port>/query at startup, through the prefill Service;
        // decode's Mooncake engine dials it too.
        ports: [{
          name: BOOTSTRAP_PORT_NAME, containerPort: this.bootstrapPort, peers: [PortPeer.ROUTER, PortPeer.DECODE], exposeOnService: true,
        }],
        annotations: { [BOOTSTRAP_PORT_ANNOTATION]: String(this.bootstrapPort) },
      },
      endpoints: { bootstrapPort: this.bootstrapPort },
    };
  }

  public validateTier(ctx: TierSpec): void {
    requireCapability(ctx.version, Capability.MOONCAKE_CONNECTOR, ctx.where, 'kvConnector', this.displayName);
    // Mooncake's RDMA transport opens reliable-connection queue pairs (`attr.qp_type = IBV_QPT_RC` in
    // mooncake-transfer-engine/src/transport/rdma_transport/rdma_endpoint.cpp @ ba183fc7): InfiniBand or RoCE
    // verbs devices, which the pod only gets with an RDMA interconnect; EFA offers no RC queue pairs (SRD/UD only,
    // libfabric man/fi_efa.7.md).
    const kind = ctx.interconnect.kind;
    if ((this.options.protocol ?? MooncakeProtocol.RDMA) === MooncakeProtocol.RDMA && kind !== 'infiniband' && kind !== 'roce') {
      throw invalid(ctx.where, 'interconnect', kind,
        'must be Interconnect.infiniband() or Interconnect.roce() with MooncakeProtocol.RDMA (Mooncake opens RC queue pairs ' +
        'on the pod\'s RDMA devices); declare the fabric or use MooncakeProtocol.TCP');
    }
  }

  public validatePair(pair: PairSpec): void {
    const p = pair.prefill.tensorParallelSize;
    const d = pair.decode.tensorParallelSize;
    if (p === d) return;
    // Before 0.19.0 mooncake_connector.py raises "Mooncake: Heterogeneous TP is not supported yet." (compat.ts
    // MOONCAKE_HETERO_TP); from 0.19.0 `_get_tp_ratio` asserts that the two sizes divide one another.
    if (!has(pair.decode.version, Capability.MOONCAKE_HETERO_TP)) {
      throw invalid(pair.where, 'decode.tensorParallelSize', d,
        `must equal prefill's tensorParallelSize (${p}) with MooncakeConnector on vLLM ${pair.decode.version}; ` +
        `unequal TP needs ${range(Capability.MOONCAKE_HETERO_TP)} (vllm-project/vllm PR #36869)`);
    }
    if (Math.max(p, d) % Math.min(p, d) !== 0) {
      throw invalid(pair.where, 'decode.tensorParallelSize', d,
        `and prefill's tensorParallelSize (${p}) must divide one another with MooncakeConnector ` +
        '(_get_tp_ratio in mooncake_connector.py asserts it)');
    }
  }
}

/**
 * The interconnect's pinned RDMA devices as Mooncake device names: the devices are declared once, on the
 * interconnect, for UCX, NCCL and Mooncake alike. Mooncake's `device_name` lists HCAs, not ports, so only port 1
 * (what a bare name means for UCX, `netDevices`) folds into a bare name; another port is refused rather than dropped.
 */
function interconnectDevices(spec: TierSpec): string[] {
  return spec.interconnect.netDevices.map(d => {
    const [device, port] = d.split(':');
    if (port !== undefined && port !== '1') {
      throw invalid(spec.where, 'interconnect.netDevices', d,
        `names port ${port}, but Mooncake's device_name takes devices, not ports: set KvConnector.mooncake({ deviceNames }) explicitly`);
    }
    return device;
  });
}
