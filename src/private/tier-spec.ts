/**
 * Resolve: one pure step from a tier's props to a resolved, validated `TierSpec`, every default applied.
 * The spec is the only input of the later stages (connectors, routers, pair rules, the workload renderer and,
 * later, the capacity planner); none of them reads the construct or its props.
 */
import { Duration, Size } from 'cdk8s';
import type { SecretValue } from 'cdk8s-plus-28';
import { requirePort } from './boundary';
import { Capability, has, requireCapability } from './compat';
import { checkGroupDisruptionBudget, DEFAULT_DISRUPTION_BUDGET } from './disruption';
import { invalid, requireInteger, wholeSeconds } from './errors';
import type { InterconnectSpec } from './interconnect';
import {
  APP_NAME, COMPONENT_LABEL, INSTANCE_LABEL, LLMD_ROLE_LABEL, LWS_WORKER_INDEX_LABEL, MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL, VERSION_LABEL,
} from './labels';
import { ResolvedMonitoring, resolveMonitoring } from './monitoring';
import { PlacementSpec, resolvePlacement } from './placement';
import { DEFAULT_HTTP_PORT } from './ports';
import { DEFAULT_SCHEDULING, SchedulingMetadata } from './scheduling';
import { bytesOf } from './size';
import { checkExtraArgs } from './vllm-args';
import { Accelerator } from '../accelerator';
import { DisruptionBudget } from '../disruption-budget';
import { EnvironmentVariable } from '../environment-variable';
import { All2allBackend, EplbConfig } from '../expert-parallel';
import { Interconnect } from '../interconnect';
import { KvConnector } from '../kv-connector';
import { AttentionKind, Model } from '../model';
import { ModelCache } from '../model-cache';
import { ScrapeScheme } from '../monitoring';
import { KvRole, TierRole } from '../roles';
import { KvCacheDtype, PerformanceMode, VllmTierProps } from '../tier-options';
import { DetailedTraces, VllmTracingOptions } from '../tracing';
import { VllmImage } from '../vllm-image';
import { VllmVersion } from '../vllm-version';

const DEFAULT_PRE_STOP_SLEEP_SECONDS = 10;
const DRAIN_MARGIN_SECONDS = 30;

/** A tier, resolved. Field names follow the props (and so vLLM's flags). */
export interface TierSpec {
  /** "PrefillTier 'Prefill'", the subject of error messages. */
  readonly where: string;
  /** Prefill or decode. */
  readonly tier: TierRole;
  readonly kvRole: KvRole;
  readonly model: Model;
  readonly servedModelName?: string;
  readonly tokenizer?: string;
  readonly image: VllmImage;
  readonly version: VllmVersion;
  readonly kvConnector: KvConnector;
  readonly accelerator: Accelerator;
  /** Pods (replicas of the workload). */
  readonly replicas: number;
  readonly tensorParallelSize: number;
  readonly pipelineParallelSize: number;
  readonly dataParallelSize: number;
  /** GPUs of one replica: tensor x pipeline x data. */
  readonly gpusPerReplica: number;
  /** GPUs of one pod: the replica's GPUs divided by its nodes. */
  readonly gpusPerPod: number;
  /** Nodes (pods) one replica spans; above 1 the tier renders a LeaderWorkerSet. */
  readonly nodesPerReplica: number;
  /** Data-parallel ranks on each node of a replica (`dataParallelSize` on single-node tiers). */
  readonly dataParallelSizeLocal: number;
  /** Multi-node tiers: the `exclusive-topology` key of the LeaderWorkerSet. */
  readonly exclusiveTopologyKey?: string;
  readonly enableExpertParallel?: boolean;
  readonly all2allBackend?: All2allBackend;
  readonly enableEplb?: boolean;
  readonly eplbConfig?: EplbConfig;
  /** The fabric KV moves over (private/interconnect.ts): kind, whether RDMA is declared, bandwidth. */
  readonly interconnect: InterconnectSpec;
  /** Fixed object names (TierOptions.serviceName / workloadName); undefined: generated from the construct path. */
  readonly serviceName?: string;
  readonly workloadName?: string;
  /** Spread, co-location, node affinity and tolerations (private/placement.ts). */
  readonly placement: PlacementSpec;
  // ---- engine settings (undefined: vLLM's default)
  readonly gpuMemoryUtilization?: number;
  readonly maxModelLen?: number;
  readonly maxNumSeqs?: number;
  readonly maxNumBatchedTokens?: number;
  /** Concurrent maxModelLen requests per replica the capacity plan must reach. */
  readonly minConcurrency?: number;
  readonly blockSize?: number;
  readonly kvCacheDtype?: KvCacheDtype;
  readonly enablePrefixCaching?: boolean;
  /** The user's value, or the connector's forced default (LMCache PD: false). */
  readonly enableChunkedPrefill?: boolean;
  readonly performanceMode?: PerformanceMode;
  /** `--port`. */
  readonly port: number;
  readonly startupSeconds: number;
  readonly drainSeconds: number;
  /** The preStop sleep before SIGTERM; 0 renders no hook. */
  readonly preStopSeconds: number;
  /** `terminationGracePeriodSeconds`: preStop sleep + drain + a margin for engine teardown. */
  readonly gracePeriodSeconds: number;
  /** `--shutdown-timeout` is rendered (the release has it). */
  readonly renderShutdownTimeout: boolean;
  // ---- resources
  /** CPU request, a Kubernetes quantity string. */
  readonly cpu: string;
  /** Memory before connectors add their host memory. */
  readonly baseMemoryBytes: number;
  /** Whether the user set the tier's memory explicitly. */
  readonly memoryExplicit: boolean;
  readonly sharedMemoryBytes: number;
  // ---- pass-through, validated
  readonly extraArgs: string[];
  readonly extraEnv: EnvironmentVariable[];
  readonly hfToken?: SecretValue;
  readonly modelCache: ModelCache;
  // ---- disruption and scheduling
  readonly disruptionBudget: DisruptionBudget;
  readonly priorityClassName?: string;
  /** The workload's Kueue or Volcano metadata and the pods' scheduler (TierScheduling); empty without one. */
  readonly scheduling: SchedulingMetadata;
  // ---- labels
  /** Labels shared by all vLLM pods of this PD deployment (both tiers), for co-scheduling and router selectors. */
  readonly instanceLabels: { [key: string]: string };
  /** Labels that select exactly this tier's pods. */
  readonly selectorLabels: { [key: string]: string };
  /** Labels that select the pods serving HTTP (Services, router discovery): a multi-node tier's leaders. */
  readonly servingSelectorLabels: { [key: string]: string };
  /** Labels of the tier's objects and pods. */
  readonly labels: { [key: string]: string };
  // ---- observability
  /** The tier's PodMonitor/ServiceMonitor, if any. */
  readonly monitoring?: ResolvedMonitoring;
  /** `--otlp-traces-endpoint` and `--collect-detailed-traces`, if set. */
  readonly tracing?: VllmTracingOptions;
}

/** What resolving needs besides the props: facts that come from the construct tree. */
export interface ResolveInput {
  readonly where: string;
  readonly role: TierRole;
  /** `app.kubernetes.io/instance`: the tiers' parent, so both tiers of one deployment share it. */
  readonly instance: string;
  readonly props: VllmTierProps;
}

/**
 * Resolves and validates a tier. Every rule names the prop, the value and what is allowed.
 * The boundary checks (types and shapes of each prop, unknown prop names) are called first, by the constructor.
 */
export function resolveTierSpec(input: ResolveInput): TierSpec {
  const { where, role, props } = input;
  if (!props || !props.model) {
    throw invalid(where, 'model', props?.model, 'is required: pass Model.of(...) or a catalogue entry such as Model.LLAMA_3_1_8B_INSTRUCT');
  }
  const image = props.image ?? VllmImage.DEFAULT;
  const kvConnector = props.kvConnector ?? KvConnector.nixl();
  const kvRole = props.kvRole ?? kvConnector._defaultKvRole(role);
  const replicas = props.replicas ?? 1;
  const accelerator = props.accelerator ?? Accelerator.NVIDIA_H100_80GB;
  const tensorParallelSize = props.tensorParallelSize ?? 1;
  const pipelineParallelSize = props.pipelineParallelSize ?? 1;
  const dataParallelSize = props.dataParallelSize ?? 1;
  const port = props.port ?? DEFAULT_HTTP_PORT;
  const version = image.version;
  const model = props.model;
  requireCapability(version, Capability.SUPPORTED_RELEASE, where, 'image', image.image);

  requireInteger(where, 'replicas', replicas, 1);
  requireInteger(where, 'tensorParallelSize', tensorParallelSize, 1);
  requireInteger(where, 'pipelineParallelSize', pipelineParallelSize, 1);
  requireInteger(where, 'dataParallelSize', dataParallelSize, 1);
  requireInteger(where, 'maxModelLen', props.maxModelLen, 1);
  requireInteger(where, 'maxNumSeqs', props.maxNumSeqs, 1);
  requireInteger(where, 'maxNumBatchedTokens', props.maxNumBatchedTokens, 1);
  requireInteger(where, 'blockSize', props.blockSize, 1);
  requirePort(where, 'port', port);
  const gmu = props.gpuMemoryUtilization;
  if (gmu !== undefined && !(typeof gmu === 'number' && gmu > 0 && gmu <= 1)) {
    throw invalid(where, 'gpuMemoryUtilization', gmu, 'must be a fraction in (0, 1], e.g. 0.9');
  }
  if (props.kvCacheDtype !== undefined && !Object.values(KvCacheDtype).includes(props.kvCacheDtype)) {
    throw invalid(where, 'kvCacheDtype', props.kvCacheDtype, `must be one of ${Object.values(KvCacheDtype).join(', ')}`);
  }
  if (props.performanceMode !== undefined) {
    if (!Object.values(PerformanceMode).includes(props.performanceMode)) {
      throw invalid(where, 'performanceMode', props.performanceMode, `must be one of ${Object.values(PerformanceMode).join(', ')}`);
    }
    requireCapability(version, Capability.PERFORMANCE_MODE, where, 'performanceMode', props.performanceMode);
  }
  if (!Object.values(KvRole).includes(kvRole)) {
    throw invalid(where, 'kvRole', kvRole, `must be one of ${Object.values(KvRole).join(', ')}`);
  }
  const { gpusPerReplica, nodesPerReplica, gpusPerPod, dataParallelSizeLocal } = resolveNodes(where, props, accelerator,
    tensorParallelSize, pipelineParallelSize, dataParallelSize);
  if (nodesPerReplica > 1) {
    requireCapability(version, Capability.MULTI_NODE_SERVE, where, 'nodesPerReplica', nodesPerReplica);
  }
  checkExpertParallel(where, props, version, tensorParallelSize, dataParallelSize);
  checkEplbPlacement(where, props, tensorParallelSize, dataParallelSize);
  const interconnect = (props.interconnect ?? Interconnect.tcp())._spec;
  const all2allBackend = props.all2allBackend ?? wideEpDefaultBackend(role, props, interconnect, nodesPerReplica, dataParallelSize);
  checkDeepEpFabric(where, all2allBackend, interconnect, nodesPerReplica);
  const arch = model.architecture;
  if (arch && arch.numAttentionHeads % tensorParallelSize !== 0) {
    throw invalid(where, 'tensorParallelSize', tensorParallelSize,
      `must divide the number of attention heads of ${model.name} (${arch.numAttentionHeads}) ` +
      '(vllm/config/model.py verify_with_parallel_config)');
  }
  // QKVParallelLinear (vllm/model_executor/layers/linear.py) splits KV heads across TP ranks with divide(), or,
  // when TP exceeds them, replicates each head on divide(tp, kv heads) ranks: one must divide the other.
  // MLA keeps one latent KV per token, replicated on every rank, so the rule does not apply there.
  const kvHeads = arch?.numKeyValueHeads;
  if (kvHeads !== undefined && model.attention !== AttentionKind.MLA
    && kvHeads % tensorParallelSize !== 0 && tensorParallelSize % kvHeads !== 0) {
    throw invalid(where, 'tensorParallelSize', tensorParallelSize,
      `must divide, or be a multiple of, the number of KV heads of ${model.name} (${kvHeads}) ` +
      '(vllm/model_executor/layers/linear.py QKVParallelLinear)');
  }
  if (arch?.numHiddenLayers !== undefined && pipelineParallelSize > arch.numHiddenLayers) {
    throw invalid(where, 'pipelineParallelSize', pipelineParallelSize,
      `must not exceed the number of layers of ${model.name} (${arch.numHiddenLayers})`);
  }
  // A model download and load takes minutes; probes count whole seconds.
  const startupSeconds = wholeSeconds(where, 'startupTimeout', props.startupTimeout ?? Duration.minutes(60), 60);
  const drainSeconds = wholeSeconds(where, 'drainTimeout', props.drainTimeout ?? Duration.seconds(60), 0);
  const preStopSeconds = wholeSeconds(where, 'preStopSleep', props.preStopSleep ?? Duration.seconds(DEFAULT_PRE_STOP_SLEEP_SECONDS), 0);
  // Older releases reject `--shutdown-timeout`: they abort in-flight requests on SIGTERM, so an explicit
  // drainTimeout cannot be honoured there.
  if (props.drainTimeout !== undefined) {
    requireCapability(version, Capability.SHUTDOWN_TIMEOUT_FLAG, where, 'drainTimeout', `${drainSeconds}s`);
  }
  const shmSize = props.sharedMemorySize ?? Size.gibibytes(20);
  const gib = (s: Size) => bytesOf(s) / 1024 ** 3;
  const baseMemory = props.resources?.memory ?? Size.gibibytes(Math.max(32 * gpusPerPod, gib(shmSize) + 16));
  if (gib(baseMemory) <= gib(shmSize)) {
    throw invalid(where, 'resources.memory', `${gib(baseMemory)}Gi`,
      `must exceed sharedMemorySize (${gib(shmSize)}Gi): a memory-backed /dev/shm counts against the container's memory limit`);
  }
  const extraArgs = props.extraArgs ?? [];
  checkExtraArgs(where, extraArgs, version);

  const monitoring = resolveMonitoring(where, 'monitoring', props.monitoring);
  // vLLM serves TLS only with --ssl-certfile (vllm/entrypoints/openai/cli_args.py); otherwise an https scrape fails.
  if (monitoring?.scheme === ScrapeScheme.HTTPS && !extraArgs.some(a => /^--ssl[-_]certfile(=|$)/.test(a))) {
    throw invalid(where, 'monitoring.scheme', monitoring.scheme, "needs vLLM to serve TLS: add '--ssl-certfile' (and '--ssl-keyfile') to extraArgs, or scrape over ScrapeScheme.HTTP");
  }
  const tracing = props.tracing;
  if (tracing !== undefined) {
    requireCapability(version, Capability.OTLP_TRACING, where, 'tracing.otlpTracesEndpoint', tracing.otlpTracesEndpoint);
    const detailed = tracing.collectDetailedTraces;
    if (detailed !== undefined && !Object.values(DetailedTraces).includes(detailed)) {
      throw invalid(where, 'tracing.collectDetailedTraces', detailed, `must be one of ${Object.values(DetailedTraces).join(', ')} (DetailedTraces)`);
    }
  }

  const instanceLabels = { [NAME_LABEL]: APP_NAME, [INSTANCE_LABEL]: input.instance };
  const selectorLabels = { ...instanceLabels, [COMPONENT_LABEL]: role, [LLMD_ROLE_LABEL]: role };
  const base: TierSpec = {
    where,
    tier: role,
    kvRole,
    model,
    servedModelName: props.servedModelName,
    tokenizer: props.tokenizer,
    image,
    version,
    kvConnector,
    accelerator,
    replicas,
    tensorParallelSize,
    pipelineParallelSize,
    dataParallelSize,
    gpusPerReplica,
    gpusPerPod,
    nodesPerReplica,
    dataParallelSizeLocal,
    exclusiveTopologyKey: props.exclusiveTopologyKey,
    enableExpertParallel: props.enableExpertParallel,
    all2allBackend,
    enableEplb: props.enableEplb,
    eplbConfig: props.eplbConfig,
    interconnect,
    serviceName: props.serviceName,
    workloadName: props.workloadName,
    placement: resolvePlacement(where, props.placement),
    gpuMemoryUtilization: gmu,
    maxModelLen: props.maxModelLen,
    maxNumSeqs: props.maxNumSeqs,
    maxNumBatchedTokens: props.maxNumBatchedTokens,
    minConcurrency: props.minConcurrency,
    blockSize: props.blockSize,
    kvCacheDtype: props.kvCacheDtype,
    enablePrefixCaching: props.enablePrefixCaching,
    enableChunkedPrefill: props.enableChunkedPrefill,
    performanceMode: props.performanceMode,
    port,
    startupSeconds,
    drainSeconds,
    preStopSeconds,
    // The grace period counts from the deletion, preStop included; SIGTERM (and the --shutdown-timeout drain)
    // only starts once the hook returns, so the period must hold both plus a margin for engine teardown.
    gracePeriodSeconds: preStopSeconds + drainSeconds + DRAIN_MARGIN_SECONDS,
    renderShutdownTimeout: has(version, Capability.SHUTDOWN_TIMEOUT_FLAG),
    cpu: props.resources?.cpu?.amount ?? String(4 * gpusPerPod),
    baseMemoryBytes: bytesOf(baseMemory),
    memoryExplicit: props.resources?.memory !== undefined,
    sharedMemoryBytes: bytesOf(shmSize),
    extraArgs,
    extraEnv: props.extraEnv ?? [],
    hfToken: props.hfToken,
    modelCache: props.modelCache ?? ModelCache.emptyDir(),
    disruptionBudget: checkGroupDisruptionBudget(where, 'disruptionBudget', props.disruptionBudget ?? DEFAULT_DISRUPTION_BUDGET, nodesPerReplica),
    priorityClassName: props.priorityClassName,
    scheduling: props.scheduling?._render(where, 'scheduling', nodesPerReplica) ?? DEFAULT_SCHEDULING,
    instanceLabels,
    selectorLabels,
    // Only a multi-node tier's leaders run an API server (the workers are `vllm serve --headless`).
    servingSelectorLabels: nodesPerReplica > 1 ? { ...selectorLabels, [LWS_WORKER_INDEX_LABEL]: '0' } : selectorLabels,
    labels: { ...selectorLabels, [VERSION_LABEL]: version.toString(), [MANAGED_BY_LABEL]: MANAGED_BY },
    monitoring,
    tracing,
  };
  // The connector's rules read the user's settings; then it may force engine settings the user left unset.
  kvConnector._validate(base);
  const forced = kvConnector._render(base).engineDefaults;
  const spec: TierSpec = { ...base, enableChunkedPrefill: base.enableChunkedPrefill ?? forced.enableChunkedPrefill };
  checkBatchLimits(spec, props.enableChunkedPrefill === undefined && forced.enableChunkedPrefill === false);
  return spec;
}

/**
 * The batch limits vLLM refuses to start with (`SchedulerConfig.verify_max_model_len`, vllm/config/scheduler.py, the
 * same from the 0.12.0 sdist to the 0.32.0 wheel), for the values the tier renders. Unset values are vLLM's to
 * settle (it keeps its own defaults consistent); the capacity plan checks those against the accelerator's defaults.
 */
function checkBatchLimits(spec: TierSpec, chunkedPrefillForced: boolean): void {
  const tokens = spec.maxNumBatchedTokens;
  if (tokens === undefined) return;
  const maxModelLen = spec.maxModelLen ?? spec.model.architecture?.maxPositionEmbeddings;
  if (spec.enableChunkedPrefill === false && maxModelLen !== undefined && tokens < maxModelLen) {
    const len = spec.maxModelLen !== undefined ? `maxModelLen (${maxModelLen})` : `maxModelLen (unset: ${maxModelLen}, the model's context length)`;
    const why = chunkedPrefillForced ? `chunked prefill is off (${spec.kvConnector.displayName} turns it off)` : 'enableChunkedPrefill is false';
    throw invalid(spec.where, 'maxNumBatchedTokens', tokens,
      `must be >= ${len} when ${why}: vLLM schedules each prompt whole and refuses to start otherwise (vllm/config/scheduler.py verify_max_model_len)`);
  }
  if (spec.maxNumSeqs !== undefined && tokens < spec.maxNumSeqs) {
    throw invalid(spec.where, 'maxNumBatchedTokens', tokens,
      `must be >= maxNumSeqs (${spec.maxNumSeqs}): vLLM refuses to start otherwise (vllm/config/scheduler.py verify_max_model_len)`);
  }
}

/** How a replica's GPUs (tensor x pipeline x data) spread over nodes: one pod per node, the same share each. */
function resolveNodes(where: string, props: VllmTierProps, accelerator: Accelerator, tp: number, pp: number, dp: number) {
  const gpusPerReplica = tp * pp * dp;
  const perNode = accelerator.gpusPerNode;
  const node = `${perNode}-GPU ${accelerator.displayName} node`;
  const product = 'tensorParallelSize x pipelineParallelSize x dataParallelSize';
  let nodesPerReplica = props.nodesPerReplica;
  if (nodesPerReplica !== undefined) {
    requireInteger(where, 'nodesPerReplica', nodesPerReplica, 1);
  } else if (gpusPerReplica <= perNode) {
    nodesPerReplica = 1;
  } else if (gpusPerReplica % perNode === 0) {
    nodesPerReplica = gpusPerReplica / perNode;
  } else {
    throw invalid(where, product, gpusPerReplica,
      `does not tile ${node}s: a replica larger than one node needs a multiple of ${perNode} GPUs, ` +
      'or set nodesPerReplica so that every node gets the same share');
  }
  if (gpusPerReplica % nodesPerReplica !== 0) {
    throw invalid(where, 'nodesPerReplica', nodesPerReplica,
      `must divide the replica's GPUs (${product} = ${gpusPerReplica}) so that every node gets the same share`);
  }
  const gpusPerPod = gpusPerReplica / nodesPerReplica;
  if (gpusPerPod > perNode) {
    throw invalid(where, nodesPerReplica > 1 ? 'nodesPerReplica' : product, nodesPerReplica > 1 ? nodesPerReplica : gpusPerReplica,
      `puts ${gpusPerPod} GPUs on each pod, more than one ${node} has; ` +
      `spread the replica over at least ${Math.ceil(gpusPerReplica / perNode)} nodes (nodesPerReplica)`);
  }
  let dataParallelSizeLocal = dp;
  if (nodesPerReplica > 1 && dp > 1) {
    // vLLM places whole data-parallel ranks on nodes (arg_utils.py infers the local DP size as
    // local_world_size // (tp * pp)); a rank split across nodes is not a layout it starts.
    if (dp % nodesPerReplica !== 0) {
      throw invalid(where, 'dataParallelSize', dp,
        `must be a multiple of nodesPerReplica (${nodesPerReplica}): each data-parallel rank ` +
        `(tensorParallelSize x pipelineParallelSize = ${tp * pp} GPUs) runs on one node`);
    }
    dataParallelSizeLocal = dp / nodesPerReplica;
  }
  return { gpusPerReplica, nodesPerReplica, gpusPerPod, dataParallelSizeLocal };
}

/** Expert-parallel settings vLLM rejects, or that would be ignored (vllm/config/parallel.py, 0.22.0 and 0.32.0). */
function checkExpertParallel(where: string, props: VllmTierProps, version: VllmVersion, tp: number, dp: number): void {
  const ep = props.enableExpertParallel === true;
  if (props.all2allBackend !== undefined) {
    requireCapability(version, Capability.ALL2ALL_BACKEND_FLAG, where, 'all2allBackend', props.all2allBackend.name);
    if (!ep) {
      throw invalid(where, 'all2allBackend', props.all2allBackend.name,
        'only applies with enableExpertParallel: true (the all-to-all exchange is between expert-parallel ranks)');
    }
  }
  if (props.enableEplb === true) {
    if (!ep) {
      throw invalid(where, 'enableEplb', true, 'needs enableExpertParallel: true ("enable_expert_parallel must be True to use EPLB", vllm/config/parallel.py)');
    }
    if (tp * dp <= 1) {
      throw invalid(where, 'enableEplb', true,
        `needs tensorParallelSize x dataParallelSize above 1 (got ${tp} x ${dp}): the expert-parallel group spans those ranks (vllm/config/parallel.py "EPLB requires ...")`);
    }
  }
  if (props.eplbConfig !== undefined) {
    requireCapability(version, Capability.EPLB_CONFIG, where, 'eplbConfig', JSON.stringify(props.eplbConfig));
    if (props.enableEplb !== true) {
      throw invalid(where, 'eplbConfig', JSON.stringify(props.eplbConfig),
        'only applies with enableEplb: true (vLLM rejects num_redundant_experts without EPLB, vllm/config/parallel.py)');
    }
  }
}

/**
 * EPLB spreads the physical experts (routed + redundant) evenly over the EP ranks (tensor x data): "EPLB
 * currently only supports even distribution of experts across ranks" (vllm/model_executor/layers/fused_moe/layer.py,
 * 0.22.0 and 0.32.0). Checked when the model's expert count is known.
 */
function checkEplbPlacement(where: string, props: VllmTierProps, tp: number, dp: number): void {
  const experts = props.model.architecture?.numExperts;
  if (props.enableEplb !== true || experts === undefined) return;
  const redundant = props.eplbConfig?.numRedundantExperts ?? 0;
  if ((experts + redundant) % (tp * dp) !== 0) {
    throw invalid(where, 'eplbConfig.numRedundantExperts', redundant,
      `plus the ${experts} experts of ${props.model.name} must be a multiple of the expert-parallel ranks ` +
      `(tensorParallelSize x dataParallelSize = ${tp * dp}): "EPLB currently only supports even distribution of experts across ranks" ` +
      '(vllm/model_executor/layers/fused_moe/layer.py)');
  }
}

/**
 * Wide-EP PD (expert parallelism over data-parallel ranks on several nodes, over RDMA): DeepEP's high-throughput
 * kernels on prefill and its low-latency kernels on decode, as llm-d's wide-EP guide runs them
 * (llm-d/llm-d guides/wide-ep-lws/manifests/modelserver/base/prefill.yaml and decode.yaml; llm-d PR #856 moved them
 * to `--all2all-backend`) and vLLM's expert-parallel guide recommends ("Backend Selection Guide": deepep_high_throughput
 * for multi-node prefill, deepep_low_latency for multi-node decode, https://docs.vllm.ai/en/v0.12.0/serving/expert_parallel_deployment/).
 * Without RDMA (InfiniBand or RoCE) vLLM's default stays.
 */
function wideEpDefaultBackend(
  role: TierRole, props: VllmTierProps, interconnect: InterconnectSpec, nodes: number, dp: number,
): All2allBackend | undefined {
  if (props.enableExpertParallel !== true || nodes <= 1 || dp <= 1 || !deepEpFabric(interconnect)) return undefined;
  return role === TierRole.PREFILL ? All2allBackend.DEEPEP_HIGH_THROUGHPUT : All2allBackend.DEEPEP_LOW_LATENCY;
}

/** InfiniBand or RoCE with RDMA declared: the fabric NVSHMEM's IBGDA transport (DeepEP across nodes) runs on. */
function deepEpFabric(interconnect: InterconnectSpec): boolean {
  return interconnect.rdma && (interconnect.kind === 'infiniband' || interconnect.kind === 'roce');
}

/**
 * DeepEP between nodes moves tokens with NVSHMEM over RDMA ("The DeepEP backend used in WideEP requires All-to-All
 * RDMA connectivity", llm-d guides/wide-ep-lws/README.md; llm-d sets NVSHMEM_REMOTE_TRANSPORT=ibgda). llm-d
 * validates it on InfiniBand and RoCE; EFA is not confirmed, so it is refused too.
 */
function checkDeepEpFabric(where: string, backend: All2allBackend | undefined, interconnect: InterconnectSpec, nodes: number): void {
  if (!backend?._deepEp || nodes <= 1 || deepEpFabric(interconnect)) return;
  throw invalid(where, 'all2allBackend', backend.name,
    `needs RDMA between the ${nodes} nodes of a replica (DeepEP runs NVSHMEM over InfiniBand or RoCE; llm-d guides/wide-ep-lws), ` +
    `but the interconnect is ${interconnect.kind}${interconnect.rdma ? '' : ' without RDMA'}: ` +
    'set interconnect: Interconnect.infiniband({...}) or Interconnect.roce({...}), or All2allBackend.ALLGATHER_REDUCESCATTER');
}
