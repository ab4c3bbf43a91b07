import { Duration } from 'cdk8s';
import type { KvConnectorCommonOptions } from '../kv-connector-options';
import { AttentionKind } from '../model';
import type { PortRange } from '../port-range';
import { requirePort } from '../private/boundary';
import { Capability, has, requireCapability } from '../private/compat';
import { ConnectorImpl, ConnectorRendering, PairSpec, Transport } from '../private/connector-context';
import { invalid, requireInteger, show, wholeSeconds } from '../private/errors';
import { PodContribution, PortPeer } from '../private/pod-contribution';
import { requireRankPorts } from '../private/ports';
import { lenientRoles, seedRole } from '../private/role-rules';
import type { TierSpec } from '../private/tier-spec';
import { KvRole, TierRole } from '../roles';

/**
 * A NIXL transfer backend (plugin), rendered into `kv_connector_extra_config.backends`.
 *
 * @see https://github.com/ai-dynamo/nixl/blob/main/docs/BackendGuide.md
 * @see https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html
 */
export class NixlBackend {
  /** UCX (the vLLM default, `["UCX"]` in nixl/base_scheduler.py). RDMA over InfiniBand/RoCE, or TCP. */
  public static readonly UCX = new NixlBackend('UCX');
  /** GPUDirect Storage. */
  public static readonly GDS = new NixlBackend('GDS');
  /** GPUDirect Storage, multi-threaded. */
  public static readonly GDS_MT = new NixlBackend('GDS_MT');
  /** libfabric, e.g. AWS EFA (llm-d's AWS overlay passes `{"backends":["LIBFABRIC"]}`). */
  public static readonly LIBFABRIC = new NixlBackend('LIBFABRIC');
  /** POSIX file I/O. */
  public static readonly POSIX = new NixlBackend('POSIX');

  /** Another NIXL plugin by its exact name. */
  public static of(name: string): NixlBackend {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
      throw invalid('NixlBackend', 'name', name, "must be a NIXL plugin name in upper case, e.g. 'UCX' or 'LIBFABRIC'");
    }
    return new NixlBackend(name);
  }

  /** The plugin name. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }
}

/**
 * `KVTransferConfig.kv_buffer_device` for NIXL on CUDA (`_NIXL_SUPPORTED_DEVICE` in
 * vllm/distributed/kv_transfer/kv_connector/v1/nixl/utils.py allows `cuda` and `cpu`).
 */
export enum KvBufferDevice {
  /** KV is registered and transferred from GPU memory (GPUDirect RDMA). */
  CUDA = 'cuda',
  /** KV is staged through a host buffer (`use_host_buffer`), for fabrics without GPUDirect. */
  CPU = 'cpu',
}

/**
 * Who initiates the NIXL transfer.
 */
export enum NixlTransferMode {
  /** Decode reads prefill's blocks with RDMA READ (`NixlConnector` / `NixlPullConnector`). */
  PULL = 'pull',
  /** Prefill writes into blocks decode registered (`NixlPushConnector`, newer vLLM only); needs a push-aware proxy. */
  PUSH = 'push',
}

/**
 * Options for `KvConnector.nixl()`.
 */
export interface NixlConnectorOptions extends KvConnectorCommonOptions {
  /**
   * Pull (decode reads) or push (prefill writes).
   *
   * @default NixlTransferMode.PULL
   * @see https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html
   */
  readonly transferMode?: NixlTransferMode;

  /**
   * `kv_recompute_threshold`: the fewest remote tokens worth pulling; shorter prefixes are recomputed on decode.
   * (`bidirectional_kv_xfer` and `decoder_kv_blocks_ttl` are not offered: they need a stateful multi-turn proxy
   * that no RouterStrategy deploys; `enable_cross_layers_blocks` needs specific attention backends.)
   *
   * @default - vLLM's default (0 without bidirectional transfer)
   * @see https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html
   */
  readonly kvRecomputeThreshold?: number;

  /**
   * `enforce_handshake_compat`: refuse peers whose compatibility hash (vLLM version, model, dtype,
   * attention backend) differs. Turning it off is at your own risk.
   *
   * @default - vLLM's default (true)
   * @see https://docs.vllm.ai/en/latest/features/nixl_connector_compatibility.html
   */
  readonly enforceHandshakeCompat?: boolean;

  /**
   * NIXL backends, in order.
   *
   * @default [NixlBackend.UCX]
   * @see https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html
   */
  readonly backends?: NixlBackend[];

  /**
   * Where KV is staged for transfer.
   *
   * @default KvBufferDevice.CUDA
   * @see https://docs.vllm.ai/en/latest/api/vllm/config/kv_transfer/
   */
  readonly kvBufferDevice?: KvBufferDevice;

  /**
   * Base port of the NIXL side channel (ZMQ handshake). Data-parallel rank `i` listens on
   * `sideChannelPort + i` (nixl/base_scheduler.py), so each rank gets its own container port.
   *
   * @default 5600 (`VLLM_NIXL_SIDE_CHANNEL_PORT` default in vllm/envs.py)
   * @see https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html
   */
  readonly sideChannelPort?: number;

  /**
   * How long prefill holds finished KV blocks for decode to read (`kv_lease_duration`, vLLM >= 0.22.0).
   *
   * @default - vLLM's default (30 seconds)
   * @see https://github.com/llm-d/llm-d/blob/main/docs/operations/disaggregation/vllm.md
   */
  readonly kvLeaseDuration?: Duration;

  /**
   * The TCP ports UCX's listeners pick from (`UCX_TCP_PORT_RANGE`), so that the NetworkPolicies between prefill
   * and decode open this range instead of every TCP port.
   *
   * Each vLLM worker (one per GPU of a pod) opens about five UCX listeners (one per UCP worker of its NIXL agent) on
   * the pod IP, each drawing a random port of the range and drawing again while the one it drew is taken. So the range
   * must be disjoint from the pod's ports and hold at least 16 ports per GPU of a pod. `NixlBackend.UCX` must be the
   * only backend that moves KV between pods (LIBFABRIC's ports are not pinned). The cluster's network plugin must
   * implement NetworkPolicy `endPort` (Kubernetes 1.25+): one that ignores it admits only the range's first port.
   *
   * @default - the kernel picks each listener's port, so the tiers' NetworkPolicies admit each other on every TCP port
   * @see https://github.com/openucx/ucx/blob/master/src/uct/tcp/tcp_iface.c
   */
  readonly ucxTcpPortRange?: PortRange;
}

// NIXL's storage plugins: they read and write files, block devices or object stores, and move no KV between the
// pods (ai-dynamo/nixl src/plugins/{cuda_gds,gds_mt,posix,obj,hf3fs,azure_blob,gusli,infinia} and their README.md @
// 8770b655; OBJ is S3, AZURE_BLOB Azure Blob Storage, HF3FS DeepSeek's 3FS, GUSLI a block-device client, INFINIA DDN's
// object store).
const STORAGE_BACKENDS = ['GDS', 'GDS_MT', 'POSIX', 'OBJ', 'HF3FS', 'AZURE_BLOB', 'GUSLI', 'INFINIA'];
// vllm/envs.py: VLLM_NIXL_SIDE_CHANNEL_HOST (default "localhost") is both the bind address and the
// address prefill advertises to decode as `remote_host`, so it must be the pod IP (llm-d uses status.podIP).
const SIDE_CHANNEL_HOST_ENV = 'VLLM_NIXL_SIDE_CHANNEL_HOST';
// vllm/envs.py: VLLM_NIXL_SIDE_CHANNEL_PORT, default 5600; listen port = base + data_parallel_index.
const SIDE_CHANNEL_PORT_ENV = 'VLLM_NIXL_SIDE_CHANNEL_PORT';
const DEFAULT_SIDE_CHANNEL_PORT = 5600;
// vllm/envs.py: VLLM_SSM_CONV_STATE_LAYOUT ("SD" | "DS", unset means SD); NIXL's Mamba transfer needs DS.
const SSM_CONV_STATE_LAYOUT_ENV = 'VLLM_SSM_CONV_STATE_LAYOUT';
// openucx/ucx src/uct/tcp/tcp_iface.c @ 9466d104a317c8ffddd9734e72055d8bbda021b3: the TCP transport's "PORT_RANGE"
// (config prefix "TCP_", tcp.h), "first-last" (ucs_config_sscanf_range_spec in src/ucs/config/parser.c). Present
// since UCX v1.10.0 (bada4226fb); since v1.14.0 (7fd951546d) it is no longer clipped to the kernel's
// ip_local_port_range. NIXL's first release already needs newer: 0.1.0 "was tested with UCX version 1.18.0"
// (ai-dynamo/nixl README.md @ 0.1.0), so no vLLM image this library renders has a UCX without it.
const UCX_TCP_PORT_RANGE_ENV = 'UCX_TCP_PORT_RANGE';
// uct_tcp_iface_server_init draws a random port of the range and retries while it is taken, with no bound and with
// the "in use" errors logged at debug level only: a range with no free port hangs the worker until its startup probe
// gives up. Each vLLM worker (one per GPU) runs one NIXL agent; with UCX as its only backend vLLM passes
// nixl_agent_config(num_threads=4) (`num_threads` in kv_connector_extra_config, default 4: nixl/worker.py in 0.22.0,
// nixl/base_worker.py in 0.32.0), which NIXL's UCX plugin turns into 4 dedicated UCP workers and 1 shared one
// (ucx_backend.cpp nixlUcxThreadPoolEngine, nixlUcxEngine's num_workers @ 8770b655). Each UCP worker listens once per
// active interface (uct_tcp_query_devices), bound to that interface's address, so interfaces do not compete: about 5
// listeners per GPU on the pod IP. 16 per GPU leaves room for them and for the kernel's own use of the range (source
// ports of outgoing connections), and keeps the draws short.
const UCX_PORTS_PER_GPU = 16;

/**
 * vLLM's NixlConnector.
 * @see https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html
 */
export class NixlConnectorImpl implements ConnectorImpl {
  public readonly displayName: string;
  private readonly options: NixlConnectorOptions;
  private readonly mode: NixlTransferMode;
  private readonly backends: NixlBackend[];
  private readonly kvBufferDevice: KvBufferDevice;
  private readonly sideChannelPort: number;
  private readonly kvLeaseDuration?: Duration;
  private readonly ucxTcpPortRange?: PortRange;

  public constructor(options: NixlConnectorOptions) {
    const where = 'KvConnector.nixl';
    this.options = options;
    this.mode = options.transferMode ?? NixlTransferMode.PULL;
    if (!Object.values(NixlTransferMode).includes(this.mode)) {
      throw invalid(where, 'transferMode', this.mode, `must be one of ${show(Object.values(NixlTransferMode))}`);
    }
    this.displayName = this.mode === NixlTransferMode.PUSH ? 'NixlPushConnector' : 'NixlConnector';
    const backends = options.backends ?? [NixlBackend.UCX];
    if (backends.length === 0) {
      throw invalid(where, 'backends', [], 'must list at least one NIXL backend, e.g. [NixlBackend.UCX]');
    }
    const names = backends.map(b => b.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
      throw invalid(where, 'backends', names, `lists '${dup}' twice`);
    }
    const device = options.kvBufferDevice ?? KvBufferDevice.CUDA;
    if (!Object.values(KvBufferDevice).includes(device)) {
      throw invalid(where, 'kvBufferDevice', device, `must be one of ${show(Object.values(KvBufferDevice))}`);
    }
    requireInteger(where, 'kvRecomputeThreshold', options.kvRecomputeThreshold, 0);
    const port = options.sideChannelPort ?? DEFAULT_SIDE_CHANNEL_PORT;
    requirePort(where, 'sideChannelPort', port);
    if (options.kvLeaseDuration !== undefined) {
      // kv_lease_duration is an integer number of seconds (nixl/base_scheduler.py).
      wholeSeconds(where, 'kvLeaseDuration', options.kvLeaseDuration, 1);
    }
    const range = options.ucxTcpPortRange;
    if (range !== undefined) {
      const shown = `${range.first}-${range.last}`;
      if (range.first > range.last) {
        throw invalid(where, 'ucxTcpPortRange', shown, "must have 'first' <= 'last'");
      }
      const network = names.filter(n => !STORAGE_BACKENDS.includes(n));
      if (!network.includes(NixlBackend.UCX.name)) {
        throw invalid(where, 'ucxTcpPortRange', shown,
          `pins the ports of UCX's TCP transport, so it needs NixlBackend.UCX in 'backends' (backends are ${show(names)})`);
      }
      if (network.length > 1) {
        throw invalid(where, 'ucxTcpPortRange', shown,
          `pins the ports of UCX, which must then be the only backend that moves KV between pods (backends are ${show(names)}); ` +
          'other backends pick their own ports, so remove ucxTcpPortRange or the other backends');
      }
    }
    this.ucxTcpPortRange = range;
    this.backends = backends;
    this.kvBufferDevice = device;
    this.sideChannelPort = port;
    this.kvLeaseDuration = options.kvLeaseDuration;
  }

  public transport(): Transport {
    return this.mode === NixlTransferMode.PUSH ? Transport.NIXL_PUSH : Transport.NIXL_PULL;
  }

  public defaultKvRole(tier: TierRole): KvRole {
    // The seed and vLLM docs: prefill kv_producer, decode kv_consumer.
    return seedRole(tier);
  }

  public allowedKvRoles(tier: TierRole): KvRole[] {
    // NIXL "does not distinguish kv_role" (nixl_connector_usage.md); llm-d runs decode as kv_both and the
    // seed's MultiConnector example runs NIXL as kv_both.
    return lenientRoles(tier);
  }

  public render(spec: TierSpec): ConnectorRendering {
    const transfer = this.kvTransferPorts(spec);
    return {
      connectorName: this.connectorName(),
      topLevelFields: { kv_buffer_device: this.kvBufferDevice },
      extraConfig: this.extraConfig(),
      pod: {
        env: [
          { name: SIDE_CHANNEL_HOST_ENV, valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: SIDE_CHANNEL_PORT_ENV, value: String(this.sideChannelPort) },
          // Without it every NIXL worker of a hybrid Mamba model fails its startup assert (compat.ts NIXL_MAMBA_DS_CONV_LAYOUT).
          ...(spec.model.attention === AttentionKind.HYBRID_MAMBA && has(spec.version, Capability.NIXL_MAMBA_DS_CONV_LAYOUT)
            ? [{ name: SSM_CONV_STATE_LAYOUT_ENV, value: 'DS' }] : []),
          ...transfer.env ?? [],
        ],
        // One ZMQ listener per data-parallel engine; TP/PP ranks share it (nixl/base_scheduler.py). Decode dials
        // prefill's (pull), prefill dials decode's (push); both listen, so both tiers declare the other as peer.
        ports: Array.from({ length: spec.dataParallelSize }, (_, rank) => ({
          name: `nixl-side-${rank}`,
          containerPort: this.sideChannelPort + rank,
          peers: [spec.tier === TierRole.PREFILL ? PortPeer.DECODE : PortPeer.PREFILL],
        })),
        portRanges: transfer.portRanges,
        peersOnAnyPort: transfer.peersOnAnyPort,
      },
    };
  }

  /**
   * The KV itself moves over UCX. Its TCP transport listens on a port the OS picks unless UCX_TCP_PORT_RANGE is
   * set (default "0": "let the operating system select the port number", tcp_iface.c), and the address travels
   * in the NIXL metadata (NIXL connects by worker address: UCP_EP_PARAM_FIELD_REMOTE_ADDRESS, ai-dynamo/nixl
   * src/plugins/ucx/ucx_utils.cpp @ 8770b655), so without a range the other tier may dial any TCP port. Both
   * tiers listen and dial. RDMA verbs bypass the kernel's packet path and NetworkPolicies altogether.
   */
  private kvTransferPorts(spec: TierSpec): PodContribution {
    const other = spec.tier === TierRole.PREFILL ? PortPeer.DECODE : PortPeer.PREFILL;
    const range = this.ucxTcpPortRange;
    if (range === undefined) return { peersOnAnyPort: [other] };
    return {
      env: [{ name: UCX_TCP_PORT_RANGE_ENV, value: `${range.first}-${range.last}` }],
      portRanges: [{ name: 'ucxTcpPortRange', first: range.first, last: range.last, peers: [other] }],
    };
  }

  private connectorName(): string {
    // Since PR #35264 `NixlConnector = NixlPullConnector` (nixl/connector.py): the old name means pull in
    // every release, while the exact first release with the new names is only estimated (compat.ts).
    return this.mode === NixlTransferMode.PUSH ? 'NixlPushConnector' : 'NixlConnector';
  }

  private extraConfig(): Record<string, unknown> {
    const extra: Record<string, unknown> = { backends: this.backends.map(b => b.name) };
    if (this.kvLeaseDuration !== undefined) {
      extra.kv_lease_duration = this.kvLeaseDuration.toSeconds();
    }
    if (this.options.kvRecomputeThreshold !== undefined) {
      extra.kv_recompute_threshold = this.options.kvRecomputeThreshold;
    }
    if (this.options.enforceHandshakeCompat !== undefined) {
      extra.enforce_handshake_compat = this.options.enforceHandshakeCompat;
    }
    return extra;
  }

  /**
   * Every rank of a LeaderWorkerSet group runs its own NIXL agent and listens on its pod IP (llm-d
   * guides/wide-ep-lws/manifests/modelserver/base/decode.yaml: NixlConnector on every LWS pod, side-channel
   * host from status.podIP).
   */
  public spansNodes(): boolean {
    return true;
  }

  public validateTier(ctx: TierSpec): void {
    requireCapability(ctx.version, Capability.NIXL_CONNECTOR, ctx.where, 'kvConnector', this.displayName);
    if (this.mode === NixlTransferMode.PUSH) {
      requireCapability(ctx.version, Capability.NIXL_PULL_PUSH_CONNECTORS, ctx.where, 'transferMode', this.mode,
        'Use NixlTransferMode.PULL on this release');
    }
    if (this.kvLeaseDuration !== undefined) {
      requireCapability(ctx.version, Capability.NIXL_KV_LEASE_DURATION, ctx.where, 'kvLeaseDuration',
        `${this.kvLeaseDuration.toSeconds()}s`, 'Remove kvLeaseDuration or use a newer image');
    }
    this.validatePipelineParallel(ctx);
    this.validateFabric(ctx);
    requireRankPorts(ctx.where, 'sideChannelPort', this.sideChannelPort, 'dataParallelSize', ctx.dataParallelSize);
    const range = this.ucxTcpPortRange;
    if (range !== undefined && range.last - range.first + 1 < UCX_PORTS_PER_GPU * ctx.gpusPerPod) {
      throw invalid(ctx.where, 'ucxTcpPortRange', `${range.first}-${range.last}`,
        `must hold at least ${UCX_PORTS_PER_GPU} ports per GPU of a pod (${UCX_PORTS_PER_GPU * ctx.gpusPerPod} for ` +
        `${ctx.gpusPerPod} GPU${ctx.gpusPerPod === 1 ? '' : 's'}): each vLLM worker opens about five UCX listeners, and one ` +
        'that finds no free port in the range hangs the worker');
    }
  }

  /** The backends must reach the tier's interconnect. */
  private validateFabric(ctx: TierSpec): void {
    const names = this.backends.map(b => b.name);
    const kind = ctx.interconnect.kind;
    // A list of only NIXL's storage plugins (STORAGE_BACKENDS) moves no KV between a prefill and a decode pod.
    if (names.every(n => STORAGE_BACKENDS.includes(n))) {
      throw invalid(ctx.where, 'kvConnector', `backends ${show(names)}`,
        `lists only NIXL storage backends (${STORAGE_BACKENDS.join(', ')}), which move no KV between pods; add NixlBackend.UCX or NixlBackend.LIBFABRIC`);
    }
    // NIXL's LIBFABRIC plugin is its EFA path (vllm docs/features/nixl_connector_usage.md "using LIBFABRIC
    // backend"; llm-d's AWS overlay passes {"backends":["LIBFABRIC"]}); the library renders libfabric's env
    // (FI_PROVIDER=efa) only for Interconnect.efa().
    if (names.includes(NixlBackend.LIBFABRIC.name) && kind !== 'efa') {
      throw invalid(ctx.where, 'kvConnector', `backends ${show(names)}`,
        `uses NixlBackend.LIBFABRIC, which needs interconnect Interconnect.efa() (the tier's interconnect is ${kind}); ` +
        'use NixlBackend.UCX over InfiniBand, RoCE or TCP');
    }
    // UCX drives InfiniBand/RoCE verbs (rc/ud/dc) and TCP; it has no EFA transport (openucx/ucx docs/source/faq.md,
    // "List of main transports"), so over EFA NIXL must load its LIBFABRIC plugin.
    if (kind === 'efa' && !names.includes(NixlBackend.LIBFABRIC.name)) {
      throw invalid(ctx.where, 'kvConnector', `backends ${show(names)}`,
        'must include NixlBackend.LIBFABRIC with Interconnect.efa(): UCX has no EFA transport');
    }
  }

  private validatePipelineParallel(ctx: TierSpec): void {
    const pp = ctx.pipelineParallelSize;
    if (pp <= 1) return;
    if (this.mode === NixlTransferMode.PULL) {
      // Pull never reads from more than one prefill PP stage: nixl/pull_worker.py (0.32.0) reads only the
      // `(0, remote_rank)` agents; base_worker.py refuses `kv_consumer` with PP > 1 and PP with HMA. Releases before
      // 0.26 have no PP handling at all (vllm issues #22430, #40674). PR #45880 added PP prefill to push only
      // ("NixlPullConnector is not planned"); PR #53360 (pull-side PP producers) is unmerged.
      throw invalid(ctx.where, 'pipelineParallelSize', pp,
        'must be 1 with NixlConnector in pull mode (vLLM reads KV from one prefill pipeline stage only; ' +
        'vllm-project/vllm PR #45880 added PP to push mode only). Use tensorParallelSize, or NixlTransferMode.PUSH on prefill');
    }
    // Push: PP prefill to a non-PP decode (PR #45880). base_worker.py raises for a PP decode ("NixlPushConnector
    // consumer (decode) does not support pipeline_parallel_size > 1"; D-side PP "is not planned") and for
    // Mamba/SSM hybrids under PP.
    if (ctx.tier === TierRole.DECODE) {
      throw invalid(ctx.where, 'pipelineParallelSize', pp,
        'must be 1 on decode with NixlTransferMode.PUSH (vLLM supports pipeline parallelism on the pushing prefill only, PR #45880)');
    }
    if (ctx.model.attention === AttentionKind.HYBRID_MAMBA) {
      throw invalid(ctx.where, 'pipelineParallelSize', pp,
        'must be 1 for hybrid Mamba models with NixlConnector ("NixlPushConnector does not support pipeline_parallel_size > 1 ' +
        'with Mamba/SSM hybrid KV cache layouts yet", nixl/base_worker.py)');
    }
  }

  public validatePair(pair: PairSpec): void {
    const p = pair.prefill.tensorParallelSize;
    const d = pair.decode.tensorParallelSize;
    const model = pair.decode.model;
    const attention = model.attention;
    // Decode runs the handshake guard (local = decode, remote = prefill), so decode's release decides.
    const version = pair.decode.version;
    // TransferTopology.tp_ratio (kv_connector/utils.py; nixl_connector.py in <= 0.13) asserts that the larger
    // TP size is a multiple of the smaller one, in every supported release.
    if (Math.max(p, d) % Math.min(p, d) !== 0) {
      throw invalid(pair.where, 'decode.tensorParallelSize', d,
        `and prefill's tensorParallelSize (${p}) must divide one another with NixlConnector ` +
        '(tp_ratio asserts it at the NIXL handshake)');
    }
    // Hybrid SSM/Mamba: 0.18/0.19 assert `tp_ratio == 1, "Mamba does not support heterogeneous TP yet"`; from 0.20
    // the code has a 3-read hetero-TP path, but nixl_connector_compatibility.md still marks it work in progress
    // (footnote 5, "Mamba models need homogeneous TP"), so equal TP is required on every release.
    if (attention === AttentionKind.HYBRID_MAMBA && p !== d) {
      throw invalid(pair.where, 'decode.tensorParallelSize', d,
        `must equal prefill's tensorParallelSize (${p}) for hybrid Mamba models with NixlConnector ` +
        '(docs/features/nixl_connector_compatibility.md)');
    }
    if (p <= d) return;
    // Prefill TP above decode TP (compat.ts NIXL_PREFILL_TP_ABOVE_DECODE).
    requireCapability(version, Capability.NIXL_PREFILL_TP_ABOVE_DECODE, pair.where, 'decode.tensorParallelSize', d,
      `Decode TP is below prefill's tensorParallelSize (${p}); raise decode TP, lower prefill TP, or use a newer image`);
    // Each decode worker reads a slice of KV heads from several prefill workers, which fails when prefill
    // replicates KV heads across its ranks: `assert not (tp_ratio < 0 and is_kv_replicated(remote))`.
    if (attention === AttentionKind.MLA && has(version, Capability.NIXL_MLA_HETERO_TP_UNGUARDED)) return;
    const heads = model.architecture?.numKeyValueHeads ?? model.architecture?.numAttentionHeads;
    if (heads === undefined) {
      throw invalid(pair.where, 'decode.tensorParallelSize', d,
        `is below prefill's tensorParallelSize (${p}), which NixlConnector allows only when prefill does not replicate ` +
        `KV heads; declare the model's numKeyValueHeads (Model.of('${model.name}', { architecture })) so it can be checked`);
    }
    const strict = has(version, Capability.NIXL_KV_REPLICATED_ABOVE_HEADS);
    if (strict ? p > heads : p >= heads) {
      throw invalid(pair.where, 'decode.tensorParallelSize', d,
        `must be >= prefill's tensorParallelSize (${p}) with NixlConnector on vLLM ${version}: prefill TP ${p} ` +
        `${strict ? 'exceeds' : 'reaches'} the model's ${heads} KV heads, so prefill KV is replicated ` +
        '(nixl _validate_remote_agent_handshake asserts not (tp_ratio < 0 and is_kv_replicated))');
    }
  }
}
