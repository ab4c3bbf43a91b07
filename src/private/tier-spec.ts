/**
 * Resolve: one pure step from a tier's props to a resolved, validated `TierSpec`, every default applied.
 * The spec is the only input of the later stages (connectors, routers, pair rules, the workload renderer and,
 * later, the capacity planner); none of them reads the construct or its props.
 */
import { Duration, Size } from 'cdk8s';
import type { SecretValue } from 'cdk8s-plus-28';
import { requirePort } from './boundary';
import { Capability, has, requireCapability } from './compat';
import { invalid, requireInteger, wholeSeconds } from './errors';
import type { InterconnectSpec } from './interconnect';
import { APP_NAME, COMPONENT_LABEL, INSTANCE_LABEL, LLMD_ROLE_LABEL, MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL, VERSION_LABEL } from './labels';
import { DEFAULT_HTTP_PORT } from './ports';
import { bytesOf } from './size';
import { checkExtraArgs } from './vllm-args';
import { Accelerator } from '../accelerator';
import { EnvironmentVariable } from '../environment-variable';
import { Interconnect } from '../interconnect';
import { KvConnector } from '../kv-connector';
import { AttentionKind, Model } from '../model';
import { ModelCache } from '../model-cache';
import { KvRole, TierRole } from '../roles';
import { KvCacheDtype, VllmTierProps } from '../tier-options';
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
  readonly gpusPerPod: number;
  /** Nodes one replica spans; 1 until multi-node (LeaderWorkerSet) tiers exist. */
  readonly nodesPerReplica: number;
  /** The fabric KV moves over (private/interconnect.ts): kind, whether RDMA is declared, bandwidth. */
  readonly interconnect: InterconnectSpec;
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
  // ---- labels
  /** Labels shared by all vLLM pods of this PD deployment (both tiers), for co-scheduling and router selectors. */
  readonly instanceLabels: { [key: string]: string };
  /** Labels that select exactly this tier's pods. */
  readonly selectorLabels: { [key: string]: string };
  /** Labels of the tier's objects and pods. */
  readonly labels: { [key: string]: string };
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
  if (!Object.values(KvRole).includes(kvRole)) {
    throw invalid(where, 'kvRole', kvRole, `must be one of ${Object.values(KvRole).join(', ')}`);
  }
  const gpusPerPod = tensorParallelSize * pipelineParallelSize * dataParallelSize;
  if (gpusPerPod > accelerator.gpusPerNode) {
    throw invalid(where, 'tensorParallelSize x pipelineParallelSize x dataParallelSize', gpusPerPod,
      `exceeds the ${accelerator.gpusPerNode} GPUs one ${accelerator.displayName} node has; a tier pod runs on one node`);
  }
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
  // vllm/config/scheduler.py: without chunked prefill, max_num_batched_tokens must be >= max_model_len.
  if (props.enableChunkedPrefill === false && props.maxNumBatchedTokens !== undefined && props.maxModelLen !== undefined
    && props.maxNumBatchedTokens < props.maxModelLen) {
    throw invalid(where, 'maxNumBatchedTokens', props.maxNumBatchedTokens,
      `must be >= maxModelLen (${props.maxModelLen}) when enableChunkedPrefill is false (vllm/config/scheduler.py)`);
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
    gpusPerPod,
    nodesPerReplica: 1,
    interconnect: (props.interconnect ?? Interconnect.tcp())._spec,
    gpuMemoryUtilization: gmu,
    maxModelLen: props.maxModelLen,
    maxNumSeqs: props.maxNumSeqs,
    maxNumBatchedTokens: props.maxNumBatchedTokens,
    minConcurrency: props.minConcurrency,
    blockSize: props.blockSize,
    kvCacheDtype: props.kvCacheDtype,
    enablePrefixCaching: props.enablePrefixCaching,
    enableChunkedPrefill: props.enableChunkedPrefill,
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
    instanceLabels,
    selectorLabels,
    labels: { ...selectorLabels, [VERSION_LABEL]: version.toString(), [MANAGED_BY_LABEL]: MANAGED_BY },
  };
  // The connector's rules read the user's settings; then it may force engine settings the user left unset.
  kvConnector._validate(base);
  const forced = kvConnector._render(base).engineDefaults;
  return { ...base, enableChunkedPrefill: base.enableChunkedPrefill ?? forced.enableChunkedPrefill };
}
