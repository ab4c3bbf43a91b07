import { Size } from 'cdk8s';
import type { KvConnectorCommonOptions } from '../kv-connector-options';
import { KvBufferDevice, NixlBackend } from './nixl';
import { requirePort } from '../private/boundary';
import { Capability, requireCapability } from '../private/compat';
import { ConnectorImpl, ConnectorRendering, RouterEndpoint, Transport } from '../private/connector-context';
import { invalid, requireInteger } from '../private/errors';
import { isDns1123Subdomain } from '../private/k8s-syntax';
import { PortPeer } from '../private/pod-contribution';
import { requireRankPorts } from '../private/ports';
import { seedRole, strictRoles } from '../private/role-rules';
import { bytesOf } from '../private/size';
import type { TierSpec } from '../private/tier-spec';
import { KvRole, TierRole } from '../roles';

/**
 * Options for `KvConnector.lmcache()`.
 *
 * @see https://docs.lmcache.ai/api_reference/configurations.html
 */
export interface LmcacheConnectorOptions extends KvConnectorCommonOptions {
  /**
   * `PYTHONHASHSEED` on both tiers: LMCache chunk keys are Python hashes, so prefill and decode must
   * hash alike. A fixed seed disables hash randomisation in the vLLM process (the LMCache example warns).
   *
   * @default 0
   * @see https://github.com/vllm-project/vllm/blob/main/examples/disaggregated/lmcache/disagg_prefill_lmcache_v1/disagg_vllm_launcher.sh
   */
  readonly pythonHashSeed?: number;

  /**
   * `pd_buffer_size` on prefill (the sender).
   *
   * @default Size.gibibytes(1) (the LMCache example's 1073741824)
   * @see https://docs.lmcache.ai/api_reference/configurations.html
   */
  readonly prefillBufferSize?: Size;

  /**
   * `pd_buffer_size` on decode (the receiver).
   *
   * @default Size.gibibytes(2) (the LMCache example's 2147483648)
   * @see https://docs.lmcache.ai/api_reference/configurations.html
   */
  readonly decodeBufferSize?: Size;

  /**
   * `pd_buffer_device`.
   *
   * @default KvBufferDevice.CUDA
   * @see https://docs.lmcache.ai/api_reference/configurations.html
   */
  readonly bufferDevice?: KvBufferDevice;

  /**
   * `nixl_backends`.
   *
   * @default [NixlBackend.UCX]
   * @see https://docs.lmcache.ai/api_reference/configurations.html
   */
  readonly nixlBackends?: NixlBackend[];

  /**
   * `pd_peer_init_port` base on decode: TP rank `i` listens on `peerInitPort + i`.
   *
   * @default 7300
   * @see https://docs.lmcache.ai/api_reference/configurations.html
   */
  readonly peerInitPort?: number;

  /**
   * `pd_peer_alloc_port` base on decode: TP rank `i` listens on `peerAllocPort + i`.
   *
   * @default 7400
   * @see https://docs.lmcache.ai/api_reference/configurations.html
   */
  readonly peerAllocPort?: number;

  /**
   * Host of an LMCache PD proxy you run yourself (`pd_proxy_host` on prefill), e.g. LMCache's example
   * disaggregated proxy. No released router implements LMCache PD, so a `PdRouter` refuses this connector;
   * with `proxyHost` and `proxyPort` the tiers are complete on their own (PrefillTier / DecodeTier without a
   * PdRouter) and your proxy routes them.
   *
   * @default - none: the tiers need a router's address, and no released router implements LMCache PD
   * @see https://docs.lmcache.ai/disaggregated_prefill/nixl/index.html
   */
  readonly proxyHost?: string;

  /**
   * Port on `proxyHost` where prefill notifies the proxy that a transfer is done (`pd_proxy_port`). Required
   * with `proxyHost`: the port is the proxy's own setting.
   *
   * @default - none; required with proxyHost
   * @see https://docs.lmcache.ai/api_reference/configurations.html
   */
  readonly proxyPort?: number;
}

/** Container port name prefixes of decode's LMCache NIXL init and alloc listeners (one per TP rank). */
const INIT_PORT_PREFIX = 'lmc-init-';
const ALLOC_PORT_PREFIX = 'lmc-alloc-';
const CONFIG_DIR = '/etc/lmcache';
const CONFIG_FILE = 'lmcache-config.yaml';
const VOLUME = 'lmcache-config';

/**
 * vLLM's LMCacheConnectorV1 doing PD through LMCache's NIXL channel. Prefill is the LMCache `sender`
 * and notifies the proxy on `pd_proxy_host:pd_proxy_port` when a transfer is done; decode is the
 * `receiver` and listens on `pd_peer_init_port` / `pd_peer_alloc_port` (lists indexed by TP rank).
 * Keys: LMCache docs/source/api_reference/configurations.rst and the vLLM example configs
 * (examples/others/lmcache/disagg_prefill_lmcache_v1/configs/lmcache-*-config.yaml).
 */
export class LmcacheConnectorImpl implements ConnectorImpl {
  public readonly displayName = 'LMCacheConnectorV1';
  private readonly options: LmcacheConnectorOptions;
  private readonly initPort: number;
  private readonly allocPort: number;

  public constructor(options: LmcacheConnectorOptions) {
    const where = 'KvConnector.lmcache';
    this.options = options ?? {};
    const o = this.options;
    requireInteger(where, 'pythonHashSeed', o.pythonHashSeed, 0);
    // PYTHONHASHSEED accepts 0..4294967295 (https://docs.python.org/3/using/cmdline.html#envvar-PYTHONHASHSEED).
    if ((o.pythonHashSeed ?? 0) > 4294967295) throw invalid(where, 'pythonHashSeed', o.pythonHashSeed, 'must be <= 4294967295');
    if (o.bufferDevice !== undefined && !Object.values(KvBufferDevice).includes(o.bufferDevice)) {
      throw invalid(where, 'bufferDevice', o.bufferDevice, `must be one of ${Object.values(KvBufferDevice).join(', ')}`);
    }
    if (o.nixlBackends !== undefined && o.nixlBackends.length === 0) {
      throw invalid(where, 'nixlBackends', [], 'must list at least one NIXL backend');
    }
    if ((o.proxyHost === undefined) !== (o.proxyPort === undefined)) {
      const [prop, value] = o.proxyHost === undefined ? ['proxyPort', o.proxyPort] : ['proxyHost', o.proxyHost];
      throw invalid(where, prop, value, 'must be given together with ' + (prop === 'proxyHost' ? 'proxyPort' : 'proxyHost') + ': both name your own LMCache PD proxy');
    }
    if (o.proxyHost !== undefined && !isDns1123Subdomain(o.proxyHost)) {
      throw invalid(where, 'proxyHost', o.proxyHost, 'must be a DNS name or IPv4 address, e.g. lmcache-proxy.llm.svc');
    }
    if (o.proxyPort !== undefined) requirePort(where, 'proxyPort', o.proxyPort);
    this.initPort = o.peerInitPort ?? 7300;
    this.allocPort = o.peerAllocPort ?? 7400;
    requirePort(where, 'peerInitPort', this.initPort);
    requirePort(where, 'peerAllocPort', this.allocPort);
    // Each TP rank takes initPort + i and allocPort + i; 64 exceeds the GPUs of any one node, so the two ranges
    // never overlap whatever the tier's TP (the tier also rejects colliding container ports).
    if (Math.abs(this.initPort - this.allocPort) < 64) {
      throw invalid(where, 'peerAllocPort', this.allocPort, `must be at least 64 away from peerInitPort (${this.initPort}): each TP rank takes one port of each`);
    }
  }

  public transport(): Transport {
    return Transport.LMCACHE;
  }

  public defaultKvRole(tier: TierRole): KvRole {
    return seedRole(tier);
  }

  public allowedKvRoles(tier: TierRole): KvRole[] {
    return strictRoles(tier);
  }

  public needsRouterAddress(): boolean {
    // Prefill's config carries the proxy's address: a PdRouter's, or the user's own proxy.
    return this.options.proxyHost === undefined;
  }

  public render(spec: TierSpec, router?: RouterEndpoint): ConnectorRendering {
    const ranks = Array.from({ length: spec.tensorParallelSize }, (_, i) => i);
    const decode = spec.tier === TierRole.DECODE;
    const initPorts = ranks.map(i => this.initPort + i);
    const allocPorts = ranks.map(i => this.allocPort + i);
    return {
      connectorName: 'LMCacheConnectorV1',
      // disagg_vllm_launcher.sh: discard_partial_chunks false, lmcache_rpc_port producer1 / consumer1.
      extraConfig: {
        discard_partial_chunks: false,
        lmcache_rpc_port: spec.tier === TierRole.PREFILL ? 'producer1' : 'consumer1',
      },
      pod: {
        env: [
          { name: 'LMCACHE_CONFIG_FILE', value: `${CONFIG_DIR}/${CONFIG_FILE}` },
          // Read by no code of the lmcache 0.5.4 wheel (nor by vLLM); LMCache's older lmcache_get_config
          // (lmcache/integration/vllm/utils.py) chose its v1 config by it, and the earliest releases only when it is
          // exactly 'True'. Kept so the connector works with those releases too; inert otherwise.
          { name: 'LMCACHE_USE_EXPERIMENTAL', value: 'True' },
          { name: 'PYTHONHASHSEED', value: String(this.options.pythonHashSeed ?? 0) },
        ],
        // Prefill's LMCache sender dials decode's receiver ports.
        ports: decode ? [
          ...ranks.map(i => ({ name: `${INIT_PORT_PREFIX}${i}`, containerPort: initPorts[i], peers: [PortPeer.PREFILL] })),
          ...ranks.map(i => ({ name: `${ALLOC_PORT_PREFIX}${i}`, containerPort: allocPorts[i], peers: [PortPeer.PREFILL] })),
        ] : [],
      },
      configFiles: [{
        path: ['LmcacheConfig'],
        volumeName: VOLUME,
        mountPath: CONFIG_DIR,
        fileName: CONFIG_FILE,
        content: this.config(spec, router),
      }],
      // The seed's limitation: LMCache PD is not compatible with chunked prefill.
      engineDefaults: { enableChunkedPrefill: false },
      endpoints: decode ? { peerInitPorts: initPorts, peerAllocPorts: allocPorts } : {},
    };
  }

  public validateTier(ctx: TierSpec): void {
    requireCapability(ctx.version, Capability.LMCACHE_CONNECTOR_V1, ctx.where, 'kvConnector', this.displayName);
    // LMCache's peer ports are lists indexed by TP rank (configurations.rst); how data-parallel engines in one
    // pod would share them is not documented, so only one engine per pod is rendered.
    if (ctx.dataParallelSize !== 1) {
      throw invalid(ctx.where, 'dataParallelSize', ctx.dataParallelSize,
        'must be 1 with LMCacheConnectorV1: its PD peer ports are per TP rank of one engine');
    }
    // Decode's TP ranks take base + rank; the last one must still be a port.
    for (const [prop, base] of [['peerInitPort', this.initPort], ['peerAllocPort', this.allocPort]] as const) {
      if (ctx.tier === TierRole.DECODE) requireRankPorts(ctx.where, prop, base, 'tensorParallelSize', ctx.tensorParallelSize);
    }
    if (ctx.enableChunkedPrefill === true) {
      throw invalid(ctx.where, 'enableChunkedPrefill', true,
        'must be false or unset with LMCacheConnectorV1: LMCache PD is not compatible with chunked prefill');
    }
  }

  /** The LMCache YAML for one tier. */
  private config(ctx: TierSpec, router: RouterEndpoint | undefined): Record<string, unknown> {
    const o = this.options;
    const device = o.bufferDevice ?? KvBufferDevice.CUDA;
    const gib = (s: Size | undefined, d: number) => (s ? bytesOf(s) : d * 1024 ** 3);
    const common = {
      local_cpu: false,
      max_local_cpu_size: 0,
      max_local_disk_size: 0,
      enable_pd: true,
      // LMCache's validate() requires it for PD and otherwise warns and sets it itself (lmcache 0.5.4
      // lmcache/v1/config.py `_validate_config`: "PD ... requires save_unfull_chunk=True"); found by conformance/run.
      save_unfull_chunk: true,
      transfer_channel: 'nixl',
      nixl_backends: (o.nixlBackends ?? [NixlBackend.UCX]).map(b => b.name),
    };
    if (ctx.tier === TierRole.PREFILL) {
      return {
        ...common,
        pd_role: 'sender',
        pd_proxy_host: o.proxyHost ?? router?.serviceName ?? '',
        pd_proxy_port: o.proxyPort ?? router?.connectorPort ?? 0,
        pd_buffer_size: gib(o.prefillBufferSize, 1),
        pd_buffer_device: device,
      };
    }
    const ranks = Array.from({ length: ctx.tensorParallelSize }, (_, i) => i);
    return {
      ...common,
      pd_role: 'receiver',
      // Decode binds here; the proxy tells prefill the decode pod's IP per request (disagg_spec.receiver_host).
      pd_peer_host: '0.0.0.0',
      pd_peer_init_port: ranks.map(i => this.initPort + i),
      pd_peer_alloc_port: ranks.map(i => this.allocPort + i),
      pd_buffer_size: gib(o.decodeBufferSize, 2),
      pd_buffer_device: device,
    };
  }
}
