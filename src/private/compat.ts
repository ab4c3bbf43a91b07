/**
 * THE vLLM compatibility table: every version boundary this library knows, with its source.
 * Nothing else in the library compares vLLM versions against literals.
 *
 * Where the first release with a change is only estimated (a PR merged close to a release cut), the rows
 * use the releases that are confirmed on each side, and the releases in between are refused rather than
 * guessed: a wrong guess would only show up after a model load.
 */
import { LlmdRouterVersion } from '../llm-d-router-version';
import { VllmVersion } from '../vllm-version';
import { invalid } from './errors';

/** Something that exists only in some vLLM releases. */
export enum Capability {
  /** Releases this library renders for at all (V1 engine, KVTransferConfig with kv_load_failure_policy). */
  SUPPORTED_RELEASE = 'SUPPORTED_RELEASE',
  /** `--kv-transfer-config.kv_load_failure_policy`. */
  KV_LOAD_FAILURE_POLICY = 'KV_LOAD_FAILURE_POLICY',
  /** `NixlConnector` registered in KVConnectorFactory (V1). */
  NIXL_CONNECTOR = 'NIXL_CONNECTOR',
  /** NIXL `kv_connector_extra_config.kv_lease_duration`. */
  NIXL_KV_LEASE_DURATION = 'NIXL_KV_LEASE_DURATION',
  /** `vllm serve --shutdown-timeout`. */
  SHUTDOWN_TIMEOUT_FLAG = 'SHUTDOWN_TIMEOUT_FLAG',
  /** `vllm serve --disable-log-requests` (removed). */
  DISABLE_LOG_REQUESTS_FLAG = 'DISABLE_LOG_REQUESTS_FLAG',
  /** `NixlPullConnector` / `NixlPushConnector` registered; `NixlConnector` becomes an alias of pull. */
  NIXL_PULL_PUSH_CONNECTORS = 'NIXL_PULL_PUSH_CONNECTORS',
  /** `LMCacheConnectorV1`. */
  LMCACHE_CONNECTOR_V1 = 'LMCACHE_CONNECTOR_V1',
  /** `P2pNcclConnector` (removed later). */
  P2P_NCCL_CONNECTOR = 'P2P_NCCL_CONNECTOR',
  /** In-tree `MooncakeConnector` with the HTTP bootstrap server on prefill and `device_name`. */
  MOONCAKE_CONNECTOR = 'MOONCAKE_CONNECTOR',
  /** `OffloadingConnector`. */
  OFFLOADING_CONNECTOR = 'OFFLOADING_CONNECTOR',
  /** OffloadingConnector sized by `cpu_bytes_to_use`. */
  OFFLOADING_CPU_BYTES = 'OFFLOADING_CPU_BYTES',
  /** OffloadingConnector sized by `num_cpu_blocks` (before `cpu_bytes_to_use`). */
  OFFLOADING_NUM_CPU_BLOCKS = 'OFFLOADING_NUM_CPU_BLOCKS',
  /** The CPU store is one shared file in /dev/shm per engine (before: pinned tensors from PyTorch's host allocator). */
  OFFLOADING_SHARED_REGION = 'OFFLOADING_SHARED_REGION',
  /** `--performance-mode` (balanced, interactivity, throughput). */
  PERFORMANCE_MODE = 'PERFORMANCE_MODE',
  /** `MultiConnector`. */
  MULTI_CONNECTOR = 'MULTI_CONNECTOR',
  /** The shared-storage example connector is registered as `ExampleConnector`. */
  EXAMPLE_CONNECTOR_NAME = 'EXAMPLE_CONNECTOR_NAME',
  /** ... and as `SharedStorageConnector` before the rename. */
  SHARED_STORAGE_CONNECTOR_NAME = 'SHARED_STORAGE_CONNECTOR_NAME',
  /** NIXL: prefill TP above decode TP (each decode worker reads from several prefill workers). */
  NIXL_PREFILL_TP_ABOVE_DECODE = 'NIXL_PREFILL_TP_ABOVE_DECODE',
  /** NIXL: prefill KV counts as replicated only when prefill TP exceeds the KV heads (before: TP >= heads). */
  NIXL_KV_REPLICATED_ABOVE_HEADS = 'NIXL_KV_REPLICATED_ABOVE_HEADS',
  /** NIXL: MLA models are exempt from the replicated-KV guard on prefill TP above decode TP. */
  NIXL_MLA_HETERO_TP_UNGUARDED = 'NIXL_MLA_HETERO_TP_UNGUARDED',
  /** MooncakeConnector with different TP sizes on prefill and decode. */
  MOONCAKE_HETERO_TP = 'MOONCAKE_HETERO_TP',
  /** NIXL with hybrid Mamba models needs the DS conv state layout (`VLLM_SSM_CONV_STATE_LAYOUT=DS`). */
  NIXL_MAMBA_DS_CONV_LAYOUT = 'NIXL_MAMBA_DS_CONV_LAYOUT',
  /**
   * Multi-node tiers: `vllm serve --nnodes/--node-rank/--master-addr/--master-port/--headless`, with the
   * data-parallel rank inferred from the node rank.
   */
  MULTI_NODE_SERVE = 'MULTI_NODE_SERVE',
  /** `vllm serve --all2all-backend` (before: the `VLLM_ALL2ALL_BACKEND` environment variable). */
  ALL2ALL_BACKEND_FLAG = 'ALL2ALL_BACKEND_FLAG',
  /** `--eplb-config` with window_size, step_interval, num_redundant_experts, log_balancedness. */
  EPLB_CONFIG = 'EPLB_CONFIG',
  /** The CUDA graph memory estimate is subtracted from the KV cache budget (`VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS` on). */
  CUDA_GRAPH_MEMORY_IN_KV_BUDGET = 'CUDA_GRAPH_MEMORY_IN_KV_BUDGET',
  /**
   * DeepEP all-to-all buffers sized as read in vLLM's source (VLLM_DEEPEP_BUFFER_SIZE_MB = 1024, the low-latency RDMA
   * size hint over max_num_batched_tokens, 256 batched tokens by default with deepep_low_latency and data parallelism).
   */
  DEEPEP_BUFFER_SIZING = 'DEEPEP_BUFFER_SIZING',
  /** `--gpu-memory-utilization` defaults to 0.92 (was 0.9). */
  GPU_MEMORY_UTILIZATION_DEFAULT_092 = 'GPU_MEMORY_UTILIZATION_DEFAULT_092',
  /** "GPU KV cache size" is logged as max concurrency x max_model_len (before: num_blocks // groups x block_size). */
  KV_CACHE_TOKENS_FROM_CONCURRENCY = 'KV_CACHE_TOKENS_FROM_CONCURRENCY',
  /** Serving defaults of 16384 batched tokens on GPUs with >= 160 GiB (before: 8192 from 70 GiB up). */
  BATCH_DEFAULTS_160_GIB = 'BATCH_DEFAULTS_160_GIB',
  /** Sliding-window admission reserves `max_concurrent_batches` x max_num_batched_tokens (before: one batch). */
  SLIDING_WINDOW_IN_FLIGHT_BATCHES = 'SLIDING_WINDOW_IN_FLIGHT_BATCHES',
  /** Hybrid (attention + Mamba/linear attention) models get prefix caching by default (before: off for them). */
  HYBRID_PREFIX_CACHING_DEFAULT = 'HYBRID_PREFIX_CACHING_DEFAULT',
  /** With prefix caching, every Mamba layer runs Mamba cache mode 'align' (before: 'all' for model classes that support it). */
  MAMBA_CACHE_MODE_ALIGN_ONLY = 'MAMBA_CACHE_MODE_ALIGN_ONLY',
  /** Mamba-2 mixers hold one prefill checkpoint block per request in 'align' mode. */
  MAMBA2_PREFILL_CHECKPOINT_BLOCK = 'MAMBA2_PREFILL_CHECKPOINT_BLOCK',
  /** vllm-router releases this library renders for (router rows: versions are vllm-router's, not vLLM's). */
  VLLM_ROUTER_SUPPORTED_RELEASE = 'VLLM_ROUTER_SUPPORTED_RELEASE',
  /** vllm-router `--kv-connector nixl|mooncake`. */
  VLLM_ROUTER_KV_CONNECTOR_FLAG = 'VLLM_ROUTER_KV_CONNECTOR_FLAG',
  /** `--otlp-traces-endpoint` works out of the box: the OpenTelemetry packages are default dependencies. */
  OTLP_TRACING = 'OTLP_TRACING',
  /** The KV cache gauge is `vllm:kv_cache_usage_perc` (formerly `vllm:gpu_cache_usage_perc`). */
  KV_CACHE_USAGE_PERC_METRIC = 'KV_CACHE_USAGE_PERC_METRIC',
  /** vllm-router `--enable-trace`, `--otlp-traces-endpoint`, `--otel-sampling-ratio`. */
  VLLM_ROUTER_TRACING_FLAGS = 'VLLM_ROUTER_TRACING_FLAGS',
  /** llm-d router releases this library renders for (rows with llm-d router versions). */
  LLMD_ROUTER_SUPPORTED_RELEASE = 'LLMD_ROUTER_SUPPORTED_RELEASE',
  /** The endpoint picker watches `inference.networking.k8s.io/v1` InferencePools (not the x-k8s.io v1alpha2 group). */
  LLMD_INFERENCE_POOL_V1 = 'LLMD_INFERENCE_POOL_V1',
  /** `EndpointPickerConfig` in the `llm-d.ai/v1alpha1` group, with `disagg-profile-handler` and its PD deciders. */
  LLMD_EPP_CONFIG_LLMD_GROUP = 'LLMD_EPP_CONFIG_LLMD_GROUP',
  /** The disaggregation sidecar's `--kv-connector=nixlv2` and `shared-storage`. */
  LLMD_SIDECAR_NIXLV2_SHARED_STORAGE = 'LLMD_SIDECAR_NIXLV2_SHARED_STORAGE',
  /** The disaggregation sidecar's `--kv-connector=mooncake` with `--mooncake-bootstrap-port`. */
  LLMD_SIDECAR_MOONCAKE = 'LLMD_SIDECAR_MOONCAKE',
  /** The disaggregation sidecar's `--model-server-port` (`--vllm-port` before, deprecated since). */
  LLMD_SIDECAR_MODEL_SERVER_PORT_FLAG = 'LLMD_SIDECAR_MODEL_SERVER_PORT_FLAG',
}

interface Boundary {
  /** First release that has it (inclusive). */
  readonly since?: string;
  /** First release that no longer has it (exclusive). */
  readonly until?: string;
  /** What it is, for error messages. */
  readonly what: string;
  /** Where the boundary comes from. */
  readonly source: string;
  /** Whose versions `since`/`until` are. */
  readonly component?: Component;
  /**
   * The newest release confirmed without it, when that is older than the release before `since`: the
   * releases after it and before `since` are unknown (`known()` returns undefined for them).
   */
  readonly confirmedAbsentIn?: string;
}

type Component = 'vLLM' | 'vllm-router' | 'llm-d router';

/** A release of vLLM, vllm-router or the llm-d router (VllmVersion, VllmRouterVersion, LlmdRouterVersion). */
export interface Release {
  isAtLeast(other: string): boolean;
  toString(): string;
}

// vllm-project/router PR #151 (April 2026) added --kv-connector: absent from the 0.1.13 wheel's launcher
// (vllm_router/router_args.py) and from the 0.1.12 sdist's src/main.rs; present in the 0.1.14 wheel's launcher
// (choices nixl, mooncake; PyPI 2026-04-24) and in the 0.1.15 sdist's src/main.rs CliArgs (PyPI 2026-07-13).
// 0.1.14 has no sdist, so the binary's flag is confirmed from 0.1.15 on; 0.1.14 is refused.
const VLLM_ROUTER_KV_CONNECTOR_SINCE = '0.1.15';

// The llm-d router rows were read in github.com/llm-d/llm-d-router at the tags v0.7.0, v0.8.0,
// v0.9.0 and v0.10.0 (71f4f0999f95b96c49a9d0c4afbd18dfdb943c26, 2026-08-17), the release whose InferenceObjective
// CRD /work/shared/crds pins. Every flag and plugin the llm-d strategy renders was read at v0.10.0.
const LLMD_ROUTER_SUPPORTED_SINCE = '0.10.0';

// PR #26813 landed late Oct 2025; v0.11.0 lacks the field, v0.12.0 (Dec 2025) is the first release known to have it.
const KV_LOAD_FAILURE_POLICY_SINCE = '0.12.0';

const TABLE: Record<Capability, Boundary> = {
  [Capability.SUPPORTED_RELEASE]: {
    since: KV_LOAD_FAILURE_POLICY_SINCE,
    what: 'vLLM releases supported by cdk8s-vllm-pd',
    source: 'the library always renders kv_load_failure_policy explicitly, so it needs that field (row KV_LOAD_FAILURE_POLICY)',
  },
  [Capability.KV_LOAD_FAILURE_POLICY]: {
    since: KV_LOAD_FAILURE_POLICY_SINCE,
    what: "KVTransferConfig field 'kv_load_failure_policy'",
    source: 'vllm-project/vllm PR #26813 "[P/D] KV Load Failure Recovery/Abort Configuration", vllm/config/kv_transfer.py',
  },
  [Capability.NIXL_CONNECTOR]: {
    since: '0.9.0',
    what: "connector 'NixlConnector'",
    source: 'vllm-project/vllm PR #17751; docs.vllm.ai/en/v0.9.0/api/vllm/distributed/kv_transfer/kv_connector/v1/nixl_connector.html',
  },
  [Capability.NIXL_KV_LEASE_DURATION]: {
    since: '0.22.0',
    what: "NIXL extra config 'kv_lease_duration'",
    source: 'vllm-project/vllm PR #41383 (lease renewal of KV blocks on P); llm-d docs/operations/disaggregation/vllm.md ("requires vLLM >= v0.22.0")',
  },
  [Capability.SHUTDOWN_TIMEOUT_FLAG]: {
    since: '0.18.0',
    what: "flag '--shutdown-timeout'",
    source: 'vllm-project/vllm PR #36666 (re-land of #34730, 2026-03-10), first released in v0.18.0 (llm-d issue #927)',
  },
  [Capability.DISABLE_LOG_REQUESTS_FLAG]: {
    // Still listed as deprecated in the v0.14 docs, rejected by v0.17.0; 0.15 and 0.16 are unconfirmed, so refused.
    until: '0.15.0',
    what: "flag '--disable-log-requests'",
    source: 'deprecated by vllm-project/vllm PR #22113, engine arg removed by PR #29402 (v0.12.0); listed in docs.vllm.ai/en/v0.14.0/cli/serve; rejected as an unrecognized argument by v0.17.0 (llm-d/llm-d-benchmark PR #781)',
  },
  [Capability.NIXL_PULL_PUSH_CONNECTORS]: {
    // Merged ~2026-06-12, probably first in v0.24.0; confirmed present in v0.26.0 (ai-dynamo/dynamo PR #13311).
    since: '0.26.0',
    what: "connectors 'NixlPullConnector' and 'NixlPushConnector'",
    source: 'vllm-project/vllm PR #35264 (KV push from prefill to decode with NIXL); nixl/connector.py `NixlConnector = NixlPullConnector`',
  },
  [Capability.LMCACHE_CONNECTOR_V1]: {
    since: '0.10.0',
    what: "connector 'LMCacheConnectorV1'",
    source: 'vllm-project/vllm PR #16625; lmcache_connector in docs.vllm.ai/en/v0.10.0/api/vllm/distributed/kv_transfer/kv_connector/v1/',
  },
  [Capability.P2P_NCCL_CONNECTOR]: {
    since: '0.10.0',
    // PR #44854 was opened 2026-06-08 and merged around the v0.23.0 cut (v0.23.0 out 2026-06-14); v0.23.x is refused.
    until: '0.23.0',
    what: "connector 'P2pNcclConnector'",
    source: 'added by the p2p module (docs.vllm.ai/en/v0.10.0 kv_connector/v1 index); removed by vllm-project/vllm PR #44854 "[Connector] Remove P2pNcclConnector"',
  },
  [Capability.MOONCAKE_CONNECTOR]: {
    // First in-tree in PR #24718 (Dec 2025) with a ZMQ port scheme; the HTTP bootstrap server and `device_name`
    // this library renders are what the v0.15.0 docs describe. Earlier releases are refused rather than guessed.
    since: '0.15.0',
    what: "connector 'MooncakeConnector' with the HTTP bootstrap server",
    source: 'vllm-project/vllm PR #24718; docs.vllm.ai/en/v0.15.0/features/mooncake_connector_usage/',
  },
  [Capability.OFFLOADING_CONNECTOR]: {
    since: '0.11.0',
    what: "connector 'OffloadingConnector'",
    source: 'vllm-project/vllm PRs #22595 and #24251; docs.vllm.ai/en/v0.11.0/api/vllm/distributed/kv_transfer/kv_connector/v1/offloading_connector.html',
  },
  [Capability.OFFLOADING_CPU_BYTES]: {
    // PR #24498 was reviewed 2026-01-08 (v0.14.0 ~2026-01-20); only v0.15.0 is confirmed, so v0.14.x is refused.
    since: '0.15.0',
    what: "OffloadingConnector extra config 'cpu_bytes_to_use'",
    source: 'vllm-project/vllm PR #24498; docs.vllm.ai/en/v0.15.0/api/vllm/v1/kv_offload/cpu/',
  },
  [Capability.OFFLOADING_SHARED_REGION]: {
    // Read in the 0.22.1 sdist, the 0.23.0 to 0.31.0 sdists and the 0.22.0/0.32.0 wheels: 0.27.0 is the first whose
    // CPUOffloadingSpec.create_worker builds a SharedOffloadRegion on CUDA; 0.26.0 and before allocate
    // torch.zeros(..., pin_memory=True) per KV tensor (vllm/v1/kv_offload/cpu/gpu_worker.py).
    since: '0.27.0',
    what: 'the OffloadingConnector CPU store as a shared /dev/shm region',
    source: 'vllm-project/vllm PR #50094 "[KV Offload] Move CPUOffloadingSpec onto SharedOffloadRegion"; vllm/v1/kv_offload/cpu/spec.py create_worker and ' +
      'shared_offload_region.py (/dev/shm/vllm_offload_{engine_id}.mmap) in the 0.27.0 sdist, absent in the 0.26.0 sdist',
  },
  [Capability.PERFORMANCE_MODE]: {
    // Read in the sdists: absent in 0.16.0; 0.17.0, 0.17.1, 0.18.0 and 0.19.0 have it, as do the 0.22.0 and 0.32.0 wheels.
    since: '0.17.0',
    what: "'vllm serve --performance-mode'",
    source: 'EngineArgs.performance_mode and _set_default_max_num_seqs_and_batched_tokens_args ("If throughput mode is set, double ' +
      'max_num_batched_tokens and max_num_seqs") in vllm/engine/arg_utils.py of the 0.17.0 sdist, absent in the 0.16.0 sdist',
  },
  [Capability.OFFLOADING_NUM_CPU_BLOCKS]: {
    since: '0.11.0',
    until: '0.14.0',
    what: "OffloadingConnector extra config 'num_cpu_blocks'",
    source: 'docs.vllm.ai/en/v0.11.0/api/vllm/v1/kv_offload/cpu.html ("num_cpu_blocks must be specified"); replaced by cpu_bytes_to_use in PR #24498',
  },
  [Capability.MULTI_CONNECTOR]: {
    since: '0.9.2',
    what: "connector 'MultiConnector'",
    source: 'docs.vllm.ai/en/v0.9.2/api/vllm/distributed/kv_transfer/kv_connector/v1/multi_connector.html',
  },
  [Capability.EXAMPLE_CONNECTOR_NAME]: {
    // PR #30201 (approved 2025-12-08) landed in v0.13.0 or v0.14.0; v0.15.0 is the first confirmed. No alias exists.
    since: '0.15.0',
    what: "connector name 'ExampleConnector'",
    source: 'vllm-project/vllm PR #30201; example_connector in docs.vllm.ai/en/v0.15.0/api/vllm/distributed/kv_transfer/kv_connector/v1/',
  },
  [Capability.SHARED_STORAGE_CONNECTOR_NAME]: {
    until: '0.13.0',
    what: "connector name 'SharedStorageConnector'",
    source: 'shared_storage_connector in docs.vllm.ai/en/v0.10.0/api/vllm/distributed/kv_transfer/kv_connector/v1/; renamed by vllm-project/vllm PR #30201',
  },
  // The NIXL rows below were read in the released wheels (`pip download --no-deps vllm==X`), at
  // vllm/distributed/kv_transfer/kv_connector/v1/nixl_connector.py (<= 0.19) or nixl/worker.py, nixl/base_worker.py
  // (>= 0.20), `_validate_remote_agent_handshake`. Each boundary lies between two adjacent releases, so no window is refused.
  [Capability.NIXL_PREFILL_TP_ABOVE_DECODE]: {
    // 0.12.0 and 0.13.0: `assert tp_ratio > 0, "Decode TP cannot be smaller than prefill TP"` (every model, MLA too);
    // 0.14.0: `assert not (tp_ratio < 0 and self.kv_topo.is_kv_replicated(remote_engine_id))`.
    since: '0.14.0',
    what: 'NIXL prefill tensorParallelSize above decode tensorParallelSize',
    source: 'vllm-project/vllm PR #27274 "[NIXL] Support P tensor-parallel-size > D tensor-parallel-size"; nixl_connector.py in the vllm 0.13.0 and 0.14.0 wheels',
  },
  [Capability.NIXL_KV_REPLICATED_ABOVE_HEADS]: {
    // 0.14.0-0.19.1 utils.py TpKVTopology.is_kv_replicated: `tp_size // self.total_num_kv_heads >= 1` (TP >= heads);
    // 0.20.0 utils.py TransferTopology.is_kv_replicated: `remote_tp_size > self.total_num_kv_heads`.
    since: '0.20.0',
    what: 'NIXL treating prefill TP equal to the number of KV heads as not replicated',
    source: 'vllm/distributed/kv_transfer/kv_connector/utils.py is_kv_replicated in the vllm 0.19.1 and 0.20.0 wheels',
  },
  [Capability.NIXL_MLA_HETERO_TP_UNGUARDED]: {
    // 0.20.x nixl/worker.py: `if not self._has_mamba: assert not (tp_ratio < 0 and ...is_kv_replicated(...))`;
    // 0.21.0: `if not self.use_mla and not self._has_mamba:` ("MLA models do not need to handle kv replication").
    since: '0.21.0',
    what: 'NIXL MLA models exempt from the replicated-KV guard',
    source: 'nixl/worker.py _validate_remote_agent_handshake in the vllm 0.20.2 and 0.21.0 wheels',
  },
  [Capability.MOONCAKE_HETERO_TP]: {
    // 0.18.1 mooncake/mooncake_connector.py raises NotImplementedError("Mooncake: Heterogeneous TP is not supported yet.");
    // 0.19.0 plans transfers with `_get_tp_ratio`, which asserts that the two sizes divide one another.
    since: '0.19.0',
    what: 'MooncakeConnector with different prefill and decode tensorParallelSize',
    source: 'vllm-project/vllm PR #36869 "[KVTransfer][Mooncake] Add heterogeneous TP support"; mooncake_connector.py in the vllm 0.18.1 and 0.19.0 wheels',
  },
  [Capability.NIXL_MAMBA_DS_CONV_LAYOUT]: {
    // 0.20.0 nixl/worker.py (base_worker.py later) asserts is_conv_state_dim_first() for Mamba models ("3-read Mamba
    // conv transfer requires DS conv state layout. Set VLLM_SSM_CONV_STATE_LAYOUT=DS"); the layout defaults to SD
    // (model_executor/layers/mamba/mamba_utils.py get_conv_state_layout). 0.19.1 has no such assert.
    since: '0.20.0',
    what: 'NIXL requiring VLLM_SSM_CONV_STATE_LAYOUT=DS for hybrid Mamba models',
    source: 'nixl/worker.py and vllm/envs.py in the vllm 0.20.0 wheel; nixl_connector.py in the vllm 0.19.1 wheel',
  },
  [Capability.MULTI_NODE_SERVE]: {
    // Read in the vllm 0.22.0 and 0.32.0 wheels (the releases conformance/run installs): EngineArgs.create_engine_config
    // (vllm/engine/arg_utils.py) checks world_size % nnodes, infers `data_parallel_rank = node_rank * local_world_size
    // // (tp * pp)` and the local DP size, and defaults the DP address to master_addr; vllm/entrypoints/cli/serve.py
    // run_headless starts the multiproc executor (TP/PP) or the local DP engines without an API server. Releases
    // before 0.22.0 were not read, so they are refused rather than guessed.
    since: '0.22.0',
    what: "multi-node 'vllm serve' (--nnodes, --node-rank, --master-addr, --headless) with the data-parallel rank inferred from the node rank",
    source: 'vllm/engine/arg_utils.py create_engine_config and vllm/entrypoints/cli/serve.py run_headless in the vllm 0.22.0 and 0.32.0 wheels',
  },
  [Capability.ALL2ALL_BACKEND_FLAG]: {
    // PR #26732 (merged 2025-10) added the flag and deprecated the env var; PR #33535 (2026-02) removed the env var.
    // Every supported release (>= 0.12.0, Dec 2025) has the flag, so the library only ever renders the flag.
    since: '0.12.0',
    what: "flag '--all2all-backend'",
    source: 'vllm-project/vllm PR #26732 "[UX] Replace VLLM_ALL2ALL_BACKEND with --all2all-backend"; VLLM_ALL2ALL_BACKEND removed by PR #33535; llm-d/llm-d PR #856',
  },
  [Capability.EPLB_CONFIG]: {
    // EPLBConfig fields read in the vllm 0.22.0 and 0.32.0 wheels; earlier releases were not read.
    since: '0.22.0',
    what: "'--eplb-config' with window_size, step_interval, num_redundant_experts and log_balancedness",
    source: 'vllm/config/parallel.py EPLBConfig in the vllm 0.22.0 and 0.32.0 wheels',
  },
  [Capability.CUDA_GRAPH_MEMORY_IN_KV_BUDGET]: {
    since: '0.21.0',
    what: 'the CUDA graph memory estimate subtracted from the KV cache budget by default',
    source: 'vLLM\'s own startup log "CUDA graph memory profiling is enabled (default since v0.21.0)" (vLLM 0.27.1 log in gpustack/runner PR #251); ' +
      'VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS defaults to "1" in vllm/envs.py of the vllm 0.22.0 and 0.32.0 wheels; off by default when added (vllm-project/vllm PR #30515)',
  },
  [Capability.DEEPEP_BUFFER_SIZING]: {
    // Read in the vllm 0.22.0 and 0.32.0 wheels (identical in both): DeepEPHTAll2AllManager._make_all2all_kwargs gives
    // num_nvl_bytes = VLLM_DEEPEP_BUFFER_SIZE_MB MiB, and num_rdma_bytes the same only when the EP group spans nodes;
    // DeepEPLLAll2AllManager gives num_nvl_bytes the same and num_rdma_bytes = deep_ep.Buffer.get_low_latency_rdma_size_hint(
    // max_num_batched_tokens, hidden, EP ranks, routed + redundant experts); the buffers exist only with
    // use_all2all_kernels (EP with data_parallel_size > 1), created while the model loads (maybe_make_prepare_finalize from
    // the MoE quant methods' process_weights_after_loading; 0.22.0 also prepare_communication_buffer_for_model), after the
    // worker's init_snapshot, so the profile counts them as non-torch memory; use_batched_dp_moe makes
    // max_num_batched_tokens default to 256. Earlier releases were not read, so they are refused.
    since: '0.22.0',
    what: 'DeepEP all-to-all buffer sizes (VLLM_DEEPEP_BUFFER_SIZE_MB, the low-latency RDMA size hint, 256 batched tokens with batched DP MoE)',
    source: 'vllm/distributed/device_communicators/all2all.py DeepEPHTAll2AllManager and DeepEPLLAll2AllManager, VLLM_DEEPEP_BUFFER_SIZE_MB "1024" in vllm/envs.py, ' +
      'vllm/model_executor/layers/fused_moe/all2all_utils.py maybe_make_prepare_finalize, FusedMoEParallelConfig.use_all2all_kernels in fused_moe/config.py, ' +
      'SchedulerConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS_FOR_BATCHED_DP = 256 with ParallelConfig.use_batched_dp_moe (vllm/engine/arg_utils.py), in the vllm 0.22.0 and 0.32.0 wheels',
  },
  [Capability.GPU_MEMORY_UTILIZATION_DEFAULT_092]: {
    since: '0.22.0',
    confirmedAbsentIn: '0.19.0',
    what: 'gpu_memory_utilization defaulting to 0.92',
    source: 'CacheConfig.gpu_memory_utilization Field(default=0.92) in vllm/config/cache.py of the vllm 0.22.0 and 0.32.0 wheels; 0.9 at v0.14.0 and v0.19.0 ' +
      '(ai-dynamo/aiconfigurator@095f58a aic-core/src/aiconfigurator_core/sdk/backends/vllm_backend.py VLLM_GPU_MEMORY_UTILIZATION_BY_VERSION, citing vllm/config/cache.py at those tags)',
  },
  [Capability.KV_CACHE_TOKENS_FROM_CONCURRENCY]: {
    since: '0.22.0',
    confirmedAbsentIn: '0.19.0',
    what: '"GPU KV cache size" logged as max concurrency x max_model_len',
    source: '_report_kv_cache_config in vllm/v1/core/kv_cache_utils.py of the vllm 0.22.0 and 0.32.0 wheels; vLLM 0.19.0 logs num_blocks // groups x block_size ' +
      '(llm-d-incubation/llm-d-planner@d3121e0 accuracy/results/v0.19.0/logs/openai-gpt-oss-20b--h100-80gb--tp2pp1dp1--8192.log: 323,972 blocks, 2 groups, 2,591,776 tokens)',
  },
  [Capability.BATCH_DEFAULTS_160_GIB]: {
    since: '0.32.0',
    confirmedAbsentIn: '0.22.0',
    what: 'max_num_batched_tokens defaulting to 16384 for serving on GPUs with >= 160 GiB',
    source: 'EngineArgs.get_batch_defaults in vllm/engine/arg_utils.py of the vllm 0.32.0 wheel (device_memory >= 160 * GiB_bytes); absent in the 0.22.0 wheel',
  },
  [Capability.SLIDING_WINDOW_IN_FLIGHT_BATCHES]: {
    since: '0.32.0',
    confirmedAbsentIn: '0.22.0',
    what: 'sliding-window admission sized for max_concurrent_batches x max_num_batched_tokens',
    source: 'SlidingWindowSpec.max_memory_usage_bytes (vllm_config.max_in_flight_tokens) in vllm/v1/kv_cache_interface.py of the vllm 0.32.0 wheel; one max_num_batched_tokens in the 0.22.0 wheel',
  },
  [Capability.HYBRID_PREFIX_CACHING_DEFAULT]: {
    since: '0.32.0',
    confirmedAbsentIn: '0.22.0',
    what: 'prefix caching enabled by default for hybrid models',
    source: 'ModelConfig.is_prefix_caching_supported in vllm/config/model.py (attn_type "hybrid": "Generative hybrid models support prefix caching" in the ' +
      'vllm 0.32.0 wheel, "Hybrid models do not support prefix caching since the feature is still experimental" in the 0.22.0 wheel), the default of ' +
      'enable_prefix_caching in EngineArgs (vllm/engine/arg_utils.py)',
  },
  [Capability.MAMBA_CACHE_MODE_ALIGN_ONLY]: {
    since: '0.32.0',
    confirmedAbsentIn: '0.22.0',
    what: "Mamba cache mode 'align' for every hybrid model with prefix caching",
    source: 'MambaModelConfig.verify_and_update_config in vllm/model_executor/models/config.py of the vllm 0.32.0 wheel (mamba_cache_mode = "align"); ' +
      'the 0.22.0 wheel picks "all" when the model class supports Mamba prefix caching (SupportsMambaPrefixCaching: Bamba, FalconH1, GraniteMoeHybrid, ' +
      'Jamba, Mamba, Mamba2, NemotronH, Zamba2), else "align"',
  },
  [Capability.MAMBA2_PREFILL_CHECKPOINT_BLOCK]: {
    since: '0.32.0',
    confirmedAbsentIn: '0.22.0',
    what: "one prefill checkpoint block per request for Mamba-2 layers in Mamba cache mode 'align'",
    source: 'MambaMixer2.get_kv_cache_spec (num_prefill_checkpoint_blocks=1) in vllm/model_executor/layers/mamba/mamba_mixer2.py and ' +
      'MambaSpec.max_memory_usage_bytes (2 + num_speculative_blocks + num_prefill_checkpoint_blocks) in vllm/v1/kv_cache_interface.py of the vllm 0.32.0 wheel; ' +
      'no such field in the 0.22.0 wheel (2 + num_speculative_blocks)',
  },
  [Capability.VLLM_ROUTER_SUPPORTED_RELEASE]: {
    since: VLLM_ROUTER_KV_CONNECTOR_SINCE,
    component: 'vllm-router',
    what: 'vllm-router releases supported by cdk8s-vllm-pd',
    source: 'the library renders --kv-connector for every flow but P2pNccl (row VLLM_ROUTER_KV_CONNECTOR_FLAG); every other rendered flag is in src/main.rs CliArgs of vllm-router 0.1.9, 0.1.12, 0.1.15, 0.1.16 and 0.1.17 (PyPI sdists)',
  },
  [Capability.VLLM_ROUTER_KV_CONNECTOR_FLAG]: {
    since: VLLM_ROUTER_KV_CONNECTOR_SINCE,
    component: 'vllm-router',
    what: "flag '--kv-connector'",
    source: 'vllm-project/router PR #151; absent in vllm-router 0.1.12 (sdist src/main.rs) and 0.1.13 (wheel router_args.py), present in 0.1.15 (sdist src/main.rs, src/config/types.rs KvConnector)',
  },
  [Capability.OTLP_TRACING]: {
    // vllm/config/observability.py `_validate_otlp_traces_endpoint` refuses the endpoint unless the OpenTelemetry
    // packages import (0.12.0, 0.22.0). The wheels' Requires-Dist: 0.15.1 none, 0.16.0 only under the `otel` extra,
    // 0.17.0 and 0.32.0 `opentelemetry-sdk>=1.27.0` unconditionally, so the official image (pip-installed vllm) has
    // them from 0.17.0. The flags themselves (--otlp-traces-endpoint, --collect-detailed-traces) are in the 0.22.0
    // and 0.32.0 parsers (src/private/generated/).
    since: '0.17.0',
    what: "OTLP tracing ('--otlp-traces-endpoint' with the OpenTelemetry packages installed by default)",
    source: 'PyPI metadata (Requires-Dist) of vllm 0.16.0 and 0.17.0; vllm/config/observability.py in the vllm 0.12.0 and 0.22.0 wheels',
  },
  [Capability.KV_CACHE_USAGE_PERC_METRIC]: {
    // vllm/v1/metrics/loggers.py PrometheusStatLogger: `vllm:kv_cache_usage_perc` ("KV-cache usage. 1 means 100
    // percent usage.") in the 0.12.0, 0.22.0 and 0.32.0 wheels; the old `vllm:gpu_cache_usage_perc` is gone in 0.12.0, so
    // every supported release has the new name and only it. Earlier releases are below the supported floor.
    since: '0.12.0',
    what: "the KV cache gauge 'vllm:kv_cache_usage_perc'",
    source: 'vllm/v1/metrics/loggers.py in the vllm 0.12.0, 0.22.0 and 0.32.0 wheels',
  },
  [Capability.VLLM_ROUTER_TRACING_FLAGS]: {
    since: VLLM_ROUTER_KV_CONNECTOR_SINCE,
    component: 'vllm-router',
    what: "flags '--enable-trace', '--otlp-traces-endpoint' and '--otel-sampling-ratio'",
    source: 'src/main.rs CliArgs ("Tracing (OpenTelemetry)") of the vllm-router 0.1.15, 0.1.16 and 0.1.17 sdists; older releases are below the supported floor',
  },
  [Capability.LLMD_ROUTER_SUPPORTED_RELEASE]: {
    since: LLMD_ROUTER_SUPPORTED_SINCE,
    component: 'llm-d router',
    what: 'llm-d router releases supported by cdk8s-vllm-pd',
    source: 'the rendered sidecar flag --model-server-port (row LLMD_SIDECAR_MODEL_SERVER_PORT_FLAG), the EPP flags of pkg/epp/server/options.go and the plugins of deploy/config/pd-epp-config.yaml were read at llm-d/llm-d-router v0.10.0; older releases are refused rather than guessed',
  },
  [Capability.LLMD_INFERENCE_POOL_V1]: {
    // v0.8.0 still built its EPP on the gateway-api-inference-extension runner (go.mod GAIE v1.4.0), not read here.
    since: '0.9.0',
    component: 'llm-d router',
    what: 'InferencePool inference.networking.k8s.io/v1 as the EPP\'s pool group',
    source: 'pkg/common/routing/common.go InferencePoolAPIGroup = "inference.networking.k8s.io" at llm-d/llm-d-router v0.9.0 and v0.10.0; --pool-group help at v0.10.0: "Only `inference.networking.k8s.io/v1` is currently supported"',
  },
  [Capability.LLMD_EPP_CONFIG_LLMD_GROUP]: {
    since: '0.9.0',
    component: 'llm-d router',
    what: "EndpointPickerConfig apiVersion 'llm-d.ai/v1alpha1' with disagg-profile-handler",
    source: 'apix/config/v1alpha1/doc.go +groupName=llm-d.ai at llm-d/llm-d-router v0.9.0 and v0.10.0 (deploy/config/pd-epp-config.yaml: inference.networking.x-k8s.io/v1alpha1 at v0.7.0 and v0.8.0)',
  },
  [Capability.LLMD_SIDECAR_NIXLV2_SHARED_STORAGE]: {
    // Present at the oldest tag read (v0.7.0); earlier tags were not read, so they are refused.
    since: '0.7.0',
    component: 'llm-d router',
    what: "disaggregation sidecar '--kv-connector=nixlv2' and 'shared-storage'",
    source: 'pkg/sidecar/proxy/connector_nixlv2.go and connector_shared_storage.go at llm-d/llm-d-router v0.7.0 to v0.10.0; supportedKVConnectors in pkg/sidecar/proxy/options.go',
  },
  [Capability.LLMD_SIDECAR_MOONCAKE]: {
    since: '0.9.0',
    component: 'llm-d router',
    what: "disaggregation sidecar '--kv-connector=mooncake'",
    source: 'pkg/sidecar/proxy/connector_mooncake.go: absent at llm-d/llm-d-router v0.8.0, present at v0.9.0 and v0.10.0',
  },
  [Capability.LLMD_SIDECAR_MODEL_SERVER_PORT_FLAG]: {
    since: '0.10.0',
    component: 'llm-d router',
    what: "disaggregation sidecar flag '--model-server-port'",
    source: 'pkg/sidecar/proxy/options.go: only --vllm-port at llm-d/llm-d-router v0.9.0; --model-server-port at v0.10.0, which marks --vllm-port deprecated',
  },
};

/** True when `version` has `capability`. */
export function has(version: Release, capability: Capability): boolean {
  // Asked dozens of times per tier, mostly of one shared version object (a fleet's image): answered once per pair.
  let answers = ANSWERS.get(version);
  if (!answers) {
    answers = new Map();
    ANSWERS.set(version, answers);
  }
  let answer = answers.get(capability);
  if (answer === undefined) {
    answer = lookUp(version, capability);
    answers.set(capability, answer);
  }
  return answer;
}

/** `has` answers by version object (versions are immutable values). */
const ANSWERS = new WeakMap<Release, Map<Capability, boolean>>();

function lookUp(version: Release, capability: Capability): boolean {
  const b = TABLE[capability];
  if ((b.component ?? 'vLLM') !== componentOf(version)) {
    throw new Error(`compat: row ${capability} is about ${b.component ?? 'vLLM'}, asked with a ${componentOf(version)} version`);
  }
  if (b.since !== undefined && !version.isAtLeast(b.since)) return false;
  if (b.until !== undefined && version.isAtLeast(b.until)) return false;
  return true;
}

/**
 * Like `has`, but undefined for the releases after the row's `confirmedAbsentIn` and before its `since`, whose
 * behaviour is not confirmed: callers bound both outcomes instead of guessing one.
 */
export function known(version: Release, capability: Capability): boolean | undefined {
  const b = TABLE[capability];
  const result = has(version, capability);
  if (!result && b.confirmedAbsentIn !== undefined && version.isAtLeast(b.confirmedAbsentIn)
    && version.toString() !== b.confirmedAbsentIn) {
    return undefined;
  }
  return result;
}

/** Where a row comes from, for notes that cite it. */
export function sourceOf(capability: Capability): string {
  return TABLE[capability].source;
}

/** "vLLM >= 0.22.0" / "vLLM < 0.18.0" / "vLLM >= a and < b". */
export function range(capability: Capability): string {
  const b = TABLE[capability];
  const parts: string[] = [];
  if (b.since !== undefined) parts.push(`>= ${b.since}`);
  if (b.until !== undefined) parts.push(`< ${b.until}`);
  return `${b.component ?? 'vLLM'} ${parts.join(' and ')}`;
}

function componentOf(version: Release): Component {
  if (version instanceof VllmVersion) return 'vLLM';
  return version instanceof LlmdRouterVersion ? 'llm-d router' : 'vllm-router';
}

/**
 * Throws a prop-naming error unless `version` has `capability`.
 */
export function requireCapability(
  version: Release, capability: Capability, where: string, prop: string, value: unknown, hint = '',
): void {
  if (has(version, capability)) return;
  const b = TABLE[capability];
  throw invalid(where, prop, value,
    `needs ${b.what}, which exists in ${range(capability)} (source: ${b.source}); the image is ${componentOf(version)} ${version}${hint ? `. ${hint}` : ''}`);
}
