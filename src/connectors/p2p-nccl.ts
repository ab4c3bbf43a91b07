import { Size } from 'cdk8s';
import type { KvConnectorCommonOptions } from '../kv-connector-options';
import { Capability, requireCapability } from '../private/compat';
import { ConnectorImpl, ConnectorRendering, RouterEndpoint, Transport } from '../private/connector-context';
import { invalid, requireInteger, show } from '../private/errors';
import { PortPeer } from '../private/pod-contribution';
import { MAX_PORT } from '../private/ports';
import { seedRole, strictRoles } from '../private/role-rules';
import { bytesOf } from '../private/size';
import type { TierSpec } from '../private/tier-spec';
import { KvRole, TierRole } from '../roles';

/**
 * How P2pNccl moves KV (`send_type`, docs/design/p2p_nccl_connector.md).
 */
export enum P2pNcclSendType {
  /** Prefill sends synchronously. */
  PUT = 'PUT',
  /** Prefill sends from a background thread (vLLM's default). */
  PUT_ASYNC = 'PUT_ASYNC',
  /** Decode pulls after prefill finished. */
  GET = 'GET',
}

/**
 * Options for `KvConnector.p2pNccl()`.
 *
 * @see https://docs.vllm.ai/en/v0.22.0/design/p2p_nccl_connector.html
 */
export interface P2pNcclConnectorOptions extends KvConnectorCommonOptions {
  /**
   * `send_type`.
   *
   * @default P2pNcclSendType.PUT_ASYNC
   * @see https://docs.vllm.ai/en/v0.22.0/design/p2p_nccl_connector.html
   */
  readonly sendType?: P2pNcclSendType;

  /**
   * `nccl_num_channels` (sets NCCL_MAX_NCHANNELS; one NCCL group uses ~100 MB at 16, ~52 MB at 8).
   *
   * @default 8
   * @see https://docs.vllm.ai/en/v0.22.0/design/p2p_nccl_connector.html
   */
  readonly ncclNumChannels?: number;

  /**
   * `kv_port`: base ZMQ port; worker `i` of a pod listens on `kvPort + i`.
   *
   * @default 14579 (KVTransferConfig.kv_port default)
   * @see https://docs.vllm.ai/en/v0.22.0/design/p2p_nccl_connector.html
   */
  readonly kvPort?: number;

  /**
   * `kv_buffer_size` on prefill.
   *
   * @default - 10 bytes (1e1), the documented practice for a PUT_ASYNC prefill
   * @see https://docs.vllm.ai/en/v0.22.0/design/p2p_nccl_connector.html
   */
  readonly prefillKvBufferSize?: Size;

  /**
   * `kv_buffer_size` on decode: GPU memory that receives KV (5-10% of GPU memory is the documented practice).
   *
   * @default Size.gibibytes(8) (the documented 8e9 example)
   * @see https://docs.vllm.ai/en/v0.22.0/design/p2p_nccl_connector.html
   */
  readonly decodeKvBufferSize?: Size;

  /**
   * `mem_pool_size_gb`: pinned host memory pool per worker. The pod's memory request and limit grow
   * by this amount per GPU.
   *
   * @default Size.gibibytes(32) (vLLM's default)
   * @see https://docs.vllm.ai/en/v0.22.0/design/p2p_nccl_connector.html
   */
  readonly memPoolSize?: Size;

  /**
   * Schedule every prefill and decode pod of this service onto one node (required pod affinity on
   * `kubernetes.io/hostname`), which is what the seed calls P2pNccl: same-node GPU transfer.
   * Set false to allow NCCL across nodes.
   *
   * NCCL still treats two pods as two hosts: its host hash is the hostname plus the boot id unless `NCCL_HOSTID` is
   * set (NVIDIA/nccl src/misc/utils.cc getHostHashOnce), and its SHM and P2P transports need equal hashes, so the KV
   * moves over NCCL's network transport on the node. The library sets no `NCCL_HOSTID`: it would make NCCL try
   * SHM and CUDA IPC between containers that see different GPUs and network namespaces, which is not verified here.
   *
   * @default true
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
   */
  readonly sameNode?: boolean;
}

const DEFAULT_KV_PORT = 14579; // vllm/config/kv_transfer.py: kv_port default
const DEFAULT_CHANNELS = 8; // p2p_nccl_engine.py: get_from_extra_config("nccl_num_channels", "8")
const DEFAULT_POOL_GIB = 32; // p2p_nccl_engine.py: get_from_extra_config("mem_pool_size_gb", 32)

/**
 * vLLM's P2pNcclConnector (removed by PR #44854; releases in compat.ts). Each engine's rank 0 registers with the proxy
 * over ZMQ (`proxy_ip`:`proxy_port`, msgpack every 3 s) announcing `<ip>:<http_port>`, where ip comes from
 * `VLLM_HOST_IP`; `http_port` must equal `--port` (p2p_nccl_engine.py, docs/design/p2p_nccl_connector.md).
 */
export class P2pNcclConnectorImpl implements ConnectorImpl {
  public readonly displayName = 'P2pNcclConnector';
  private readonly options: P2pNcclConnectorOptions;
  private readonly kvPort: number;

  public constructor(options: P2pNcclConnectorOptions) {
    const where = 'KvConnector.p2pNccl';
    this.options = options ?? {};
    const o = this.options;
    if (o.sendType !== undefined && !Object.values(P2pNcclSendType).includes(o.sendType)) {
      throw invalid(where, 'sendType', o.sendType, `must be one of ${show(Object.values(P2pNcclSendType))}`);
    }
    requireInteger(where, 'ncclNumChannels', o.ncclNumChannels, 1);
    if ((o.ncclNumChannels ?? 0) > 32) throw invalid(where, 'ncclNumChannels', o.ncclNumChannels, 'must be <= 32 (NCCL_MAX_NCHANNELS)');
    this.kvPort = o.kvPort ?? DEFAULT_KV_PORT;
    requireInteger(where, 'kvPort', this.kvPort, 1);
    if (this.kvPort > MAX_PORT - 64) throw invalid(where, 'kvPort', this.kvPort, `must leave room for one port per GPU below ${MAX_PORT}`);
    if (o.memPoolSize !== undefined && bytesOf(o.memPoolSize) < 1024 ** 3) {
      throw invalid(where, 'memPoolSize', `${bytesOf(o.memPoolSize)} bytes`, 'must be at least 1 GiB (mem_pool_size_gb is in GiB)');
    }
  }

  public transport(): Transport {
    return Transport.P2P_NCCL;
  }

  public defaultKvRole(tier: TierRole): KvRole {
    return seedRole(tier);
  }

  public allowedKvRoles(tier: TierRole): KvRole[] {
    return strictRoles(tier);
  }

  public needsRouterAddress(): boolean {
    return true;
  }

  public render(spec: TierSpec, router?: RouterEndpoint): ConnectorRendering {
    const o = this.options;
    const buffer = spec.tier === TierRole.PREFILL
      ? (o.prefillKvBufferSize ? bytesOf(o.prefillKvBufferSize) : 10)
      : (o.decodeKvBufferSize ? bytesOf(o.decodeKvBufferSize) : 8e9);
    // NCCL P2P/SHM between processes of different pods needs a shared IPC namespace; production-stack sets
    // hostIPC when PD is on (helm/templates/deployment-vllm-multi.yaml).
    const sameNode = o.sameNode ?? true;
    return {
      connectorName: 'P2pNcclConnector',
      topLevelFields: { kv_buffer_size: buffer, kv_port: this.kvPort },
      extraConfig: {
        proxy_ip: router?.serviceName ?? '',
        proxy_port: router?.connectorPort !== undefined ? String(router.connectorPort) : '',
        http_port: String(spec.port),
        send_type: o.sendType ?? P2pNcclSendType.PUT_ASYNC,
        // The engine assigns it to os.environ["NCCL_MAX_NCHANNELS"], so it must be a string.
        nccl_num_channels: String(o.ncclNumChannels ?? DEFAULT_CHANNELS),
        mem_pool_size_gb: this.poolGib(),
      },
      pod: {
        // vllm.utils.get_ip() honours VLLM_HOST_IP; the engine announces this address to the proxy.
        env: [{ name: 'VLLM_HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
        // Engines of the other tier dial each worker's ZMQ port.
        ports: Array.from({ length: spec.gpusPerPod }, (_, rank) => ({
          name: `p2p-kv-${rank}`,
          containerPort: this.kvPort + rank,
          peers: [spec.tier === TierRole.PREFILL ? PortPeer.DECODE : PortPeer.PREFILL],
        })),
        // After the ZMQ handshake the engines build an NCCL communicator per peer (ncclGetUniqueId, sent over
        // ZMQ; p2p_nccl_engine.py). NCCL's bootstrap root and every rank listen on a port the OS picks
        // (NVIDIA/nccl src/bootstrap.cc bootstrapGetUniqueId -> bootstrapCreateRoot, ncclSocketListen on the
        // interface address with port 0, unless NCCL_COMM_ID pins it), so the other tier may dial any TCP port.
        peersOnAnyPort: [spec.tier === TierRole.PREFILL ? PortPeer.DECODE : PortPeer.PREFILL],
        hostIpc: true,
        affinity: sameNode ? {
          podAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [{
              labelSelector: { matchLabels: spec.instanceLabels },
              topologyKey: 'kubernetes.io/hostname',
            }],
          },
        } : undefined,
        extraMemoryBytes: this.poolGib() * 1024 ** 3 * spec.gpusPerPod,
      },
    };
  }

  public validateTier(ctx: TierSpec): void {
    requireCapability(ctx.version, Capability.P2P_NCCL_CONNECTOR, ctx.where, 'kvConnector', this.displayName,
      'vLLM removed it in PR #44854; use KvConnector.nixl() instead');
  }

  private poolGib(): number {
    return this.options.memPoolSize ? Math.floor(bytesOf(this.options.memPoolSize) / 1024 ** 3) : DEFAULT_POOL_GIB;
  }
}
