/**
 * Synth-time capacity checks of one tier: the capacity plan is a function of the resolved `TierSpec`
 * (model architecture, parallelism, engine settings, accelerator memory). Each check fails on the plan's
 * estimate and warns when only a bound falls short (the estimated terms could go either way).
 */
import { SizeRoundingBehavior } from 'cdk8s';
import { invalid, startupRefusalOf } from './errors';
import { DEEPEP_BUFFER_SIZE_ENV, DEEPEP_HIGH_THROUGHPUT, DEEPEP_LOW_LATENCY, GIB } from './sizing';
import type { TierSpec } from './tier-spec';
import { CapacityPlan, CapacityPlanInput, CapacityPlanner, KvTransferBudget } from '../capacity-planner';
import { KvTransferOptions } from '../kv-transfer-options';

/** One check's outcome, for the report. */
export interface CapacityCheck {
  readonly name: string;
  readonly status: 'pass' | 'warn' | 'skipped';
  readonly detail: string;
}

/** A tier's plan and the checks it passed (failures throw). */
export interface TierCapacity {
  readonly plan?: CapacityPlan;
  /** Why there is no plan (architecture not sizable, rule not confirmed for the release). */
  readonly skipped?: string;
  readonly checks: CapacityCheck[];
  readonly warnings: string[];
}

/** Construct metadata type of capacity warnings (`node.metadata`; the report lists them too). */
export const CAPACITY_WARNING = 'cdk8s-vllm-pd:capacity-warning';

const gib = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;
const x = (c: number) => `${c.toFixed(2)}x`;

/** Plans the tier, or says why it cannot. Never throws for a model it cannot size. */
export function planTierSpec(spec: TierSpec): { plan?: CapacityPlan; skipped?: string } {
  const arch = spec.model.architecture;
  if (!arch) return { skipped: `${spec.model.name} has no architecture: pass Model.of(name, { architecture }) to plan its capacity` };
  const input: CapacityPlanInput = {
    architecture: arch,
    tensorParallelSize: spec.tensorParallelSize,
    pipelineParallelSize: spec.pipelineParallelSize,
    dataParallelSize: spec.dataParallelSize,
    enableExpertParallel: spec.enableExpertParallel,
    numRedundantExperts: spec.eplbConfig?.numRedundantExperts,
    // The backend the tier renders (`--all2all-backend`, its wide-EP default included) and whether its EP group spans
    // the replica's nodes: both size DeepEP's buffers. JSON.stringify keys the backend by its name.
    all2allBackend: spec.enableExpertParallel === true ? spec.all2allBackend : undefined,
    all2allInternode: spec.enableExpertParallel === true ? spec.nodesPerReplica > 1 : undefined,
    deepEpBufferSizeMb: deepEpBufferSizeMb(spec),
    kvCacheDtype: spec.kvCacheDtype,
    blockSize: spec.blockSize,
    maxModelLen: spec.maxModelLen,
    maxNumBatchedTokens: spec.maxNumBatchedTokens,
    enableChunkedPrefill: spec.enableChunkedPrefill,
    performanceMode: spec.performanceMode,
    enableEplb: spec.enableExpertParallel === true ? spec.enableEplb : undefined,
    enablePrefixCaching: spec.enablePrefixCaching,
    vllmVersion: spec.version.toString(),
    acceleratorMemory: spec.accelerator.reportedMemory,
    acceleratorName: spec.accelerator.displayName,
    gpuMemoryUtilization: spec.gpuMemoryUtilization,
    maxNumSeqs: spec.maxNumSeqs,
  };
  // The plan is a pure function of these values (all plain data: the architecture's numbers and enum strings, a
  // Size, strings), so tiers of the same shape (a fleet of one service) share one plan: keyed by content, not
  // identity, so an architecture object changed between two services is planned anew.
  const memoryMib = input.acceleratorMemory.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  const key = JSON.stringify([input, memoryMib, spec.accelerator._reportedMemoryKnown]);
  let planned = PLANS.get(key);
  if (!planned) {
    planned = planInput(spec.where, input, spec.accelerator.displayName, spec.accelerator._reportedMemoryKnown);
    PLANS.set(key, planned);
  }
  return planned;
}

/**
 * The tier's `VLLM_DEEPEP_BUFFER_SIZE_MB` (an `extraEnv` entry), which sizes DeepEP's buffers: only read when the tier
 * runs a DeepEP backend; a value the plan cannot read (from a Secret or ConfigMap, or not a whole number) is refused,
 * since the plan would otherwise size the default 1024 MiB silently.
 */
function deepEpBufferSizeMb(spec: TierSpec): number | undefined {
  const env = spec.extraEnv.find(e => e.name === DEEPEP_BUFFER_SIZE_ENV);
  const backend = spec.enableExpertParallel === true ? spec.all2allBackend?.name : undefined;
  if (!env || (backend !== DEEPEP_HIGH_THROUGHPUT && backend !== DEEPEP_LOW_LATENCY)) return undefined;
  const value = env.value.value;
  if (value === undefined || !/^[1-9][0-9]*$/.test(value.trim())) {
    throw invalid(spec.where, `extraEnv ${DEEPEP_BUFFER_SIZE_ENV}`, value ?? '<valueFrom>',
      `must be a literal whole number of MiB (EnvValue.fromValue('2048')): it sizes DeepEP's buffers (${backend}), which the capacity plan counts`);
  }
  return Number(value.trim());
}

/** Plans of one process, by the content of their input (a fleet has few distinct shapes). */
const PLANS = new Map<string, { plan?: CapacityPlan; skipped?: string }>();

function planInput(
  where: string, input: CapacityPlanInput, acceleratorName: string, reportedMemoryKnown: boolean,
): { plan?: CapacityPlan; skipped?: string } {
  try {
    const plan = CapacityPlanner.plan(input);
    if (!reportedMemoryKnown) {
      return { plan: frozen({ ...plan, notes: [...plan.notes, `planned with ${acceleratorName}'s nominal memory: the memory it reports to PyTorch is not known (Accelerator.custom({ reportedMemory }))`] }) };
    }
    return { plan: frozen(plan) };
  } catch (e) {
    // Settings vLLM refuses to start with are the tier's error, not a plan that could not be made.
    const refusal = startupRefusalOf(e);
    if (refusal) throw invalid(where, refusal.prop, refusal.value, refusal.allowed);
    return { skipped: (e as Error).message.replace(/^CapacityPlanner\.plan: /, '') };
  }
}

/**
 * Tiers of one shape share one plan object (PLANS), and `tier.capacityPlan` hands it to users: frozen, with its
 * ranges and notes, so plain JavaScript changing one tier's plan cannot change another's. All its fields are
 * plain data made by the planner (no user object is reachable from it).
 */
function frozen(plan: CapacityPlan): CapacityPlan {
  for (const value of Object.values(plan)) {
    if (typeof value === 'object' && value !== null) Object.freeze(value);
  }
  return Object.freeze(plan);
}

/**
 * Plans the tier and runs its checks: throws when the weights do not fit a rank, when the KV cache cannot hold
 * one maxModelLen request (vLLM refuses to start), or when the plan falls short of `minConcurrency`.
 */
export function checkTierCapacity(spec: TierSpec): TierCapacity {
  const { plan, skipped } = planTierSpec(spec);
  const where = spec.where;
  if (!plan) {
    if (spec.minConcurrency !== undefined) {
      throw invalid(where, 'minConcurrency', spec.minConcurrency, `cannot be checked: the capacity plan is not available (${skipped})`);
    }
    return { skipped, checks: [{ name: 'capacity plan', status: 'skipped', detail: skipped! }], warnings: [] };
  }
  const checks: CapacityCheck[] = [];
  const warnings: string[] = [];
  const requested = plan.requestedMemoryBytes;
  const budget = `the ${gib(requested)} vLLM requests per GPU (${gib(requested / plan.gpuMemoryUtilization)} x gpuMemoryUtilization ${plan.gpuMemoryUtilization})`;
  const parallelism = `tensorParallelSize ${spec.tensorParallelSize}, pipelineParallelSize ${spec.pipelineParallelSize}`;

  // 1. Weights fit a rank.
  const w = plan.weightBytesPerRank;
  if (w.value >= requested) {
    throw invalid(where, 'tensorParallelSize', spec.tensorParallelSize,
      `is too small for ${spec.model.name}: its weights need ${gib(w.value)} per GPU at ${parallelism}, more than ${budget}; ` +
      'raise tensorParallelSize or pipelineParallelSize, or use an accelerator with more memory');
  }
  const weightsDetail = `weights ${gib(w.value)} per GPU of ${gib(requested)} requested`;
  checks.push({ name: 'weights fit a GPU', status: 'pass', detail: weightsDetail });

  // 2. One maxModelLen request fits the KV cache (vLLM's _check_enough_kv_cache_memory).
  const need = plan.requestKvBytes;
  const avail = plan.availableKvCacheBytes;
  const maxLen = Math.floor(Math.max(0, avail.value) / plan.kvBytesPerToken / plan.blockSize) * plan.blockSize;
  const lenProp = spec.maxModelLen === undefined ? `maxModelLen (unset: ${plan.maxModelLen}, the model's context length)` : 'maxModelLen';
  if (avail.value <= 0 || need.value > avail.value) {
    throw invalid(where, 'maxModelLen', plan.maxModelLen,
      `does not fit: vLLM refuses to start when one ${plan.maxModelLen}-token request (${gib(need.value)} of KV cache per GPU) exceeds the ` +
      `available KV cache memory (planned ${gib(avail.value)}, between ${gib(avail.lower)} and ${gib(avail.upper)}, after ${weightsDetail}); ` +
      `set ${lenProp} to at most ${maxLen > 0 ? maxLen : 'a smaller value'}, raise gpuMemoryUtilization or tensorParallelSize, or use kvCacheDtype fp8`);
  }
  if (need.upper > avail.lower) {
    const m = `${where}: one ${plan.maxModelLen}-token request needs ${gib(need.upper)} of KV cache per GPU; the available memory may be as low as ${gib(avail.lower)} (planned ${gib(avail.value)}): vLLM may refuse to start`;
    warnings.push(m);
    checks.push({ name: 'one maxModelLen request fits the KV cache', status: 'warn', detail: m });
  } else {
    checks.push({ name: 'one maxModelLen request fits the KV cache', status: 'pass', detail: `${gib(need.value)} needed of ${gib(avail.lower)}-${gib(avail.upper)} available` });
  }

  // 3. Concurrency per replica.
  const c = plan.replicaMaxConcurrency;
  const min = spec.minConcurrency;
  if (min !== undefined) {
    if (c.value < min) {
      throw invalid(where, 'minConcurrency', min,
        `is not met: the plan holds ${x(c.value)} concurrent ${plan.maxModelLen}-token requests per replica (between ${x(c.lower)} and ${x(c.upper)}); ` +
        'raise tensorParallelSize or dataParallelSize, gpuMemoryUtilization, use kvCacheDtype fp8, or lower maxModelLen');
    }
    if (c.lower < min) {
      const m = `${where}: minConcurrency ${min} is tight: the plan holds ${x(c.value)} per replica, but the lower bound is ${x(c.lower)}`;
      warnings.push(m);
      checks.push({ name: `minConcurrency ${min}`, status: 'warn', detail: m });
    } else {
      checks.push({ name: `minConcurrency ${min}`, status: 'pass', detail: `${x(c.lower)}-${x(c.upper)} per replica` });
    }
  }
  return { plan, checks, warnings };
}

/** The service's KV transfer budget and its check (a failure throws). */
export interface TransferCheck {
  readonly budget: KvTransferBudget;
  readonly check: CapacityCheck;
  readonly warning?: string;
}

/**
 * Plans one request's prefill-to-decode KV transfer and checks it against `maxTransferTime`.
 */
export function checkKvTransfer(where: string, options: KvTransferOptions, prefill: TierSpec, decode: TierSpec): TransferCheck {
  const arch = decode.model.architecture;
  if (!arch) {
    throw invalid(where, 'kvTransfer', options, `needs the model's architecture to size its KV cache: pass Model.of('${decode.model.name}', { architecture })`);
  }
  const declared = [prefill.interconnect.bandwidthBytesPerSecond, decode.interconnect.bandwidthBytesPerSecond]
    .filter((b): b is number => b !== undefined);
  const bandwidth = options.bandwidthBytesPerSecond ?? (declared.length ? Math.min(...declared) : undefined);
  let budget: KvTransferBudget;
  try {
    budget = CapacityPlanner.kvTransfer({
      architecture: arch,
      promptTokens: options.typicalPromptTokens,
      decodeTensorParallelSize: decode.tensorParallelSize,
      kvCacheDtype: decode.kvCacheDtype,
      blockSize: decode.blockSize,
      bandwidthBytesPerSecond: bandwidth,
    });
  } catch (e) {
    throw invalid(where, 'kvTransfer', options.typicalPromptTokens, `cannot be planned: ${(e as Error).message}`);
  }
  const size = gib(budget.bytesPerRequest);
  const limit = options.maxTransferTime?.toMilliseconds();
  if (limit === undefined) {
    const detail = budget.transferSeconds !== undefined
      ? `${size} per ${options.typicalPromptTokens}-token prompt, ${(budget.transferSeconds * 1000).toFixed(1)} ms at ${gbps(bandwidth!)}`
      : `${size} per ${options.typicalPromptTokens}-token prompt (no bandwidth declared)`;
    return { budget, check: { name: 'KV transfer budget', status: 'pass', detail } };
  }
  if (budget.transferSeconds === undefined) {
    throw invalid(where, 'kvTransfer.maxTransferTime', options.maxTransferTime?.toHumanString(),
      'needs a bandwidth: declare the tiers\' Interconnect bandwidthGbps (e.g. Interconnect.infiniband({ bandwidthGbps: 400 })) or kvTransfer.bandwidthBytesPerSecond');
  }
  const ms = budget.transferSeconds * 1000;
  if (ms > limit) {
    throw invalid(where, 'kvTransfer.maxTransferTime', options.maxTransferTime?.toHumanString(),
      `is exceeded: one ${options.typicalPromptTokens}-token prompt moves ${size} of KV from prefill to decode, ${ms.toFixed(1)} ms at ${gbps(bandwidth!)}; ` +
      'use a faster interconnect, kvCacheDtype fp8, or a larger budget');
  }
  const detail = `${size} in ${ms.toFixed(1)} ms at ${gbps(bandwidth!)}, budget ${limit} ms`;
  if (ms > 0.8 * limit) {
    const warning = `${where}: the KV transfer of one ${options.typicalPromptTokens}-token prompt takes ${ms.toFixed(1)} ms, over 80% of maxTransferTime (${limit} ms)`;
    return { budget, check: { name: 'KV transfer within maxTransferTime', status: 'warn', detail: warning }, warning };
  }
  return { budget, check: { name: 'KV transfer within maxTransferTime', status: 'pass', detail } };
}

const gbps = (bytesPerSecond: number) => `${(bytesPerSecond * 8 / 1e9).toFixed(0)} Gb/s`;
