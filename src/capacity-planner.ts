import { Size } from 'cdk8s';
import { All2allBackend } from './expert-parallel';
import { AttentionKind, CheckpointDtype, ModelArchitecture } from './model';
import { checkStruct } from './private/boundary';
import { Capability, has, known, range as versionRange, sourceOf } from './private/compat';
import { invalid, startupRefusal } from './private/errors';
import { AVAILABLE_KV_CACHE_INPUT, CAPACITY_PLAN_INPUT, KV_TRANSFER_INPUT } from './private/prop-keys';
import { bytesOf } from './private/size';
import {
  activationBytes, all2allBufferBytes, ALLGATHER_REDUCESCATTER, batchDefaults, capacityOf, cudaGraphBytes, DEEPEP_HIGH_THROUGHPUT,
  DEFAULT_DEEPEP_BUFFER_SIZE_MB, DEEPEP_LOW_LATENCY, EngineShape, ExpertPlacement, GIB, HybridLayout, layersPerStage, nonTorchBytes,
  pageBytesPerLayer, Range, resolveHybrid, settleBatch, stagePool, usesAll2allKernels, weightBytesPerRank,
} from './private/sizing';
import { KvCacheDtype, PerformanceMode } from './tier-options';
import { VllmImage } from './vllm-image';
import { VllmVersion } from './vllm-version';

/**
 * What sizes one vLLM engine: the model and the engine settings that shape its KV cache.
 * Field names follow `vllm serve` flags.
 */
export interface EngineSizingOptions {
  /** The model's architecture (e.g. `Model.QWEN3_8B.architecture`). */
  readonly architecture: ModelArchitecture;

  /**
   * `--tensor-parallel-size`.
   *
   * @default 1
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-tensor-parallel-size
   */
  readonly tensorParallelSize?: number;

  /**
   * `--pipeline-parallel-size`: layers are split over stages as vLLM's `get_pp_indices` does; the stage with the
   * least KV room decides.
   *
   * @default 1
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-pipeline-parallel-size
   */
  readonly pipelineParallelSize?: number;

  /**
   * `--data-parallel-size`: engines per replica; each holds its own weights and KV cache, so a replica serves
   * dataParallelSize x the per-engine concurrency.
   *
   * @default 1
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-data-parallel-size
   */
  readonly dataParallelSize?: number;

  /**
   * `--enable-expert-parallel`: MoE experts are placed whole over the tensorParallelSize x dataParallelSize ranks
   * instead of being sliced (attention and dense layers stay split by TP).
   *
   * @default false
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly enableExpertParallel?: boolean;

  /**
   * EPLB's `num_redundant_experts` (`--eplb-config`): extra physical experts spread over the expert-parallel ranks.
   * Only with enableExpertParallel.
   *
   * @default 0
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly numRedundantExperts?: number;

  /**
   * `--all2all-backend`: how the MoE layers exchange tokens between the expert-parallel ranks. DeepEP's buffers
   * (an NVLink buffer of VLLM_DEEPEP_BUFFER_SIZE_MB, and NVSHMEM RDMA memory) are allocated outside PyTorch while the
   * model loads, so they shrink the KV cache; they exist only with enableExpertParallel and dataParallelSize above 1.
   * With DEEPEP_LOW_LATENCY and dataParallelSize above 1, maxNumBatchedTokens defaults to 256. Only with
   * enableExpertParallel.
   *
   * @default All2allBackend.ALLGATHER_REDUCESCATTER (vLLM's default: no buffers beyond NCCL's)
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly all2allBackend?: All2allBackend;

  /**
   * Whether the expert-parallel group spans nodes (vLLM's all-to-all manager `internode`): DeepEP's high-throughput
   * kernels then add a 1 GiB RDMA buffer (NVSHMEM) per rank. Only with enableExpertParallel.
   *
   * @default - not known: the bounds cover both; the estimate assumes RDMA above 8 expert-parallel ranks
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly all2allInternode?: boolean;

  /**
   * `VLLM_DEEPEP_BUFFER_SIZE_MB`: the size of DeepEP's NVLink buffer (and of its high-throughput RDMA buffer), in MiB.
   * Tiers pass the value their `extraEnv` sets. Only with a DeepEP all2allBackend.
   *
   * @default 1024 (vllm/envs.py of the vllm 0.22.0 and 0.32.0 wheels)
   * @see https://docs.vllm.ai/en/latest/configuration/env_vars.html
   */
  readonly deepEpBufferSizeMb?: number;

  /**
   * `--kv-cache-dtype`.
   *
   * @default KvCacheDtype.AUTO (the model dtype: 2 bytes)
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-kv-cache-dtype
   */
  readonly kvCacheDtype?: KvCacheDtype;

  /**
   * `--block-size`, tokens per KV cache block.
   *
   * @default 16 (CacheConfig.DEFAULT_BLOCK_SIZE)
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-block-size
   */
  readonly blockSize?: number;

  /**
   * `--max-model-len`.
   *
   * @default - the architecture's maxPositionEmbeddings
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-max-model-len
   */
  readonly maxModelLen?: number;

  /**
   * `--max-num-batched-tokens`.
   *
   * @default - vLLM's serving default: 8192 on GPUs with >= 70 GiB other than A100 (16384 from 160 GiB in 0.32.0), else 2048;
   * raised to maxModelLen with enableChunkedPrefill false, and at most maxNumSeqs x maxModelLen, as vLLM settles it
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-max-num-batched-tokens
   */
  readonly maxNumBatchedTokens?: number;

  /**
   * `--enable-chunked-prefill` / `--no-enable-chunked-prefill`. Without chunked prefill, an unset maxNumBatchedTokens
   * is raised to maxModelLen (vLLM schedules a prompt whole), which sizes the activation peak and DeepEP's buffers.
   *
   * @default true (vLLM's default for the decoder models the planner sizes)
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-enable-chunked-prefill
   */
  readonly enableChunkedPrefill?: boolean;

  /**
   * `--performance-mode`: THROUGHPUT doubles the unset maxNumBatchedTokens and maxNumSeqs defaults. vLLM 0.17.0+.
   *
   * @default PerformanceMode.BALANCED
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly performanceMode?: PerformanceMode;

  /**
   * `--enable-eplb`: expert-parallel load balancing. Each rank then keeps a buffer the size of one MoE layer's local
   * experts to rearrange them, allocated while the model loads; the plan's upper bound counts two layers more (the
   * send and receive buffers of vLLM 0.22.0's NIXL communicator, or the profile run's reservation without NIXL).
   * Only with enableExpertParallel.
   *
   * @default - true when numRedundantExperts is above 0 (vLLM refuses redundant experts without EPLB), else false
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly enableEplb?: boolean;

  /**
   * `--enable-prefix-caching` / `--no-enable-prefix-caching`. Only hybrid models are sized differently: with prefix caching
   * each Mamba/linear-attention group holds 2 or 3 state blocks per request (Mamba cache mode 'align') instead of 1.
   *
   * @default - vLLM's default: on, except for hybrid models in vLLM 0.22.0
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-enable-prefix-caching
   */
  readonly enablePrefixCaching?: boolean;

  /**
   * The vLLM release whose sizing rules apply, e.g. `0.32.0`.
   *
   * @default - the release of VllmImage.DEFAULT
   * @see https://github.com/vllm-project/vllm/releases
   */
  readonly vllmVersion?: string;
}

/**
 * Input of `CapacityPlanner.plan`.
 */
export interface CapacityPlanInput extends EngineSizingOptions {
  /**
   * Memory of one GPU as the device reports it to PyTorch (`torch.cuda.mem_get_info()` total, e.g. 79.19 GiB for an
   * H100 80GB): vLLM requests gpuMemoryUtilization x this. `Accelerator.reportedMemory`.
   */
  readonly acceleratorMemory: Size;

  /**
   * The GPU's name, for vLLM's A100 exception to its batch defaults.
   *
   * @default - not an A100
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-max-num-batched-tokens
   */
  readonly acceleratorName?: string;

  /**
   * `--gpu-memory-utilization`.
   *
   * @default - vLLM's default for the release: 0.9 up to 0.19.0, 0.92 from 0.22.0 (releases in between need an explicit value)
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-gpu-memory-utilization
   */
  readonly gpuMemoryUtilization?: number;

  /**
   * `--max-num-seqs` (sizes the sampler's share of the activation peak).
   *
   * @default - vLLM's serving default: 1024 on GPUs with >= 70 GiB other than A100, else 256; at most maxNumBatchedTokens, as vLLM settles it
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-max-num-seqs
   */
  readonly maxNumSeqs?: number;
}

/**
 * Input of `CapacityPlanner.fromAvailableKvCacheMemory`: a known "Available KV cache memory" figure.
 */
export interface AvailableKvCacheInput extends EngineSizingOptions {
  /** The KV cache memory of one rank, as vLLM logs it: "Available KV cache memory: X GiB". */
  readonly availableKvCacheMemory: Size;
}

/**
 * A planned quantity with the bounds its estimated terms allow.
 */
export interface CapacityRange {
  /** The planner's best estimate. */
  readonly value: number;
  /** The lowest value the estimated terms allow. */
  readonly lower: number;
  /** The highest value the estimated terms allow. */
  readonly upper: number;
}

/**
 * KV cache capacity of one engine for a known amount of KV cache memory.
 */
export interface KvCacheCapacity {
  /** The vLLM release whose rules were applied. */
  readonly vllmVersion: string;
  /** `--max-model-len` planned for. */
  readonly maxModelLen: number;
  /** `--block-size` planned for. */
  readonly blockSize: number;
  /**
   * KV bytes one token takes on one rank, across the layers of its pipeline stage (for hybrid models: the bytes of
   * one block of the pool divided by the block size).
   */
  readonly kvBytesPerToken: number;
  /** KV bytes one maxModelLen request takes on one rank. */
  readonly requestKvBytes: CapacityRange;
  /** KV cache blocks of one rank (`num_gpu_blocks`). */
  readonly numGpuBlocks: CapacityRange;
  /** Tokens the KV cache holds, as vLLM logs "GPU KV cache size: N tokens". */
  readonly kvCacheTokens: CapacityRange;
  /** Concurrent maxModelLen requests one engine holds ("Maximum concurrency for N tokens per request"). */
  readonly maxConcurrency: CapacityRange;
  /** Concurrent maxModelLen requests one replica (dataParallelSize engines) holds. */
  readonly replicaMaxConcurrency: CapacityRange;
  /** What the plan assumed or could not confirm. */
  readonly notes: string[];
}

/**
 * The capacity plan of one engine: memory per rank, KV cache, concurrency.
 */
export interface CapacityPlan extends KvCacheCapacity {
  /** `--gpu-memory-utilization` planned for. */
  readonly gpuMemoryUtilization: number;
  /** `--max-num-batched-tokens` planned for. */
  readonly maxNumBatchedTokens: number;
  /** `--max-num-seqs` planned for. */
  readonly maxNumSeqs: number;
  /** GPU memory vLLM requests: accelerator memory x gpuMemoryUtilization. */
  readonly requestedMemoryBytes: number;
  /** Weight bytes of the rank that holds the most. */
  readonly weightBytesPerRank: CapacityRange;
  /** The activation peak of the profiling run (estimated). */
  readonly activationBytes: CapacityRange;
  /** Memory allocated outside PyTorch: CUDA context, NCCL buffers (estimated), and all2allBufferBytes. */
  readonly nonTorchBytes: CapacityRange;
  /** The expert-parallel all-to-all buffers of one rank (DeepEP's NVLink and NVSHMEM buffers), part of nonTorchBytes. */
  readonly all2allBufferBytes: CapacityRange;
  /** The CUDA graph memory estimate vLLM subtracts (0 before vLLM 0.21.0). */
  readonly cudaGraphBytes: CapacityRange;
  /** "Available KV cache memory" of the rank with the least. */
  readonly availableKvCacheBytes: CapacityRange;
}

/**
 * Input of `CapacityPlanner.kvTransfer`: what one request's prefill hands to decode.
 */
export interface KvTransferInput {
  /** The model's architecture. */
  readonly architecture: ModelArchitecture;

  /** The prompt length to budget for, in tokens. */
  readonly promptTokens: number;

  /**
   * Decode's `--tensor-parallel-size`: every decode rank pulls the KV of its heads (all of MLA's latent vector).
   *
   * @default 1
   * @see https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html
   */
  readonly decodeTensorParallelSize?: number;

  /**
   * `--kv-cache-dtype` of the tiers.
   *
   * @default KvCacheDtype.AUTO
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-kv-cache-dtype
   */
  readonly kvCacheDtype?: KvCacheDtype;

  /**
   * `--block-size`: KV moves in whole blocks.
   *
   * @default 16
   * @see https://docs.vllm.ai/en/latest/configuration/engine_args.html#-block-size
   */
  readonly blockSize?: number;

  /**
   * The bandwidth one transfer gets, in bytes per second (the smaller of the two tiers' declared interconnects).
   *
   * @default - no transfer time, only the bytes
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly bandwidthBytesPerSecond?: number;
}

/**
 * What one request moves from prefill to decode.
 */
export interface KvTransferBudget {
  /** The prompt length budgeted for. */
  readonly promptTokens: number;
  /** KV bytes one decode rank pulls (its heads, all layers, whole blocks). */
  readonly bytesPerDecodeRank: number;
  /** KV bytes the request moves in total (all decode ranks). */
  readonly bytesPerRequest: number;
  /** The bandwidth used, if declared. */
  readonly bandwidthBytesPerSecond?: number;
  /** bytesPerRequest / bandwidth, in seconds, if a bandwidth is declared. */
  readonly transferSeconds?: number;
  /** What the budget assumed. */
  readonly notes: string[];
}

const KV_ELEMENT_BYTES: Record<KvCacheDtype, number> = {
  // auto: the model dtype; vLLM runs bfloat16/float16 activations for BF16, FP8 and MXFP4 checkpoints alike.
  [KvCacheDtype.AUTO]: 2,
  [KvCacheDtype.FP8]: 1,
  [KvCacheDtype.FP8_E4M3]: 1,
  [KvCacheDtype.FP8_E5M2]: 1,
};

/**
 * Capacity planning before deploy: what vLLM will compute at startup (weights, KV cache memory, KV tokens in whole
 * blocks, max concurrency), from the model architecture and the engine settings.
 *
 * Exact where vLLM's rule is arithmetic (KV page sizes, GQA heads per rank, KV heads replicated when TP exceeds
 * them, MLA's one latent vector per token on every rank, sliding-window groups, block rounding); the terms vLLM
 * measures on the GPU (activation peak, non-torch memory, CUDA graph memory) are estimates, so the results come
 * with lower and upper bounds.
 */
export class CapacityPlanner {
  /**
   * Plans one engine from the accelerator's memory.
   */
  public static plan(input: CapacityPlanInput): CapacityPlan {
    const where = 'CapacityPlanner.plan';
    checkStruct(where, 'input', input, CAPACITY_PLAN_INPUT);
    const shared = resolveShape(where, input, input.maxNumBatchedTokens);
    const deviceBytes = bytesOf(input.acceleratorMemory);
    if (!(deviceBytes > 0)) throw invalid(where, 'acceleratorMemory', input.acceleratorMemory.toString?.(), 'must be positive');
    const notes = [...shared.notes];
    const defaults = batchDefaults(shared.version, deviceBytes, input.acceleratorName ?? '');
    if (input.maxNumBatchedTokens === undefined && defaults.note && !shared.batchedDp) notes.push(defaults.note);
    const batch = settleBatch(where, input.maxNumBatchedTokens, input.maxNumSeqs,
      { tokens: shared.batchedDp ? BATCHED_DP_MAX_NUM_BATCHED_TOKENS : defaults.tokens, seqs: defaults.seqs },
      shared.shape.maxModelLen, input.enableChunkedPrefill !== false, shared.throughput);
    notes.push(...batch.notes);
    const maxNumBatchedTokens = batch.tokens;
    const maxNumSeqs = batch.seqs;
    // vllm/config/scheduler.py verify_max_model_len (0.12.0 sdist through the 0.32.0 wheel): the engine does not start.
    if (maxNumBatchedTokens < maxNumSeqs) {
      const gib = deviceBytes / 1024 ** 3;
      const gpu = `${input.acceleratorName ?? 'a GPU'} with ${Number.isInteger(gib) ? gib : gib.toFixed(1)} GiB`;
      throw startupRefusal(where, 'maxNumSeqs', maxNumSeqs,
        `must not exceed maxNumBatchedTokens (${maxNumBatchedTokens}${input.maxNumBatchedTokens === undefined ? `, vLLM's default on ${gpu}` : ''}): ` +
        'vLLM refuses to start ("max_num_batched_tokens must be greater than or equal to max_num_seqs", vllm/config/scheduler.py); ' +
        (input.maxNumBatchedTokens === undefined ? `set maxNumBatchedTokens to at least ${maxNumSeqs}, or lower maxNumSeqs` : 'raise maxNumBatchedTokens or lower maxNumSeqs'));
    }
    const gmu = input.gpuMemoryUtilization ?? defaultUtilization(where, shared.version);
    if (!(gmu > 0 && gmu <= 1)) throw invalid(where, 'gpuMemoryUtilization', gmu, 'must be a fraction in (0, 1], e.g. 0.9');
    const shape: EngineShape = { ...shared.shape, maxNumBatchedTokens };
    const requested = deviceBytes * gmu;
    const arch = input.architecture;
    const tp = shape.tensorParallelSize;
    const pp = shape.pipelineParallelSize;
    const bufferMb = input.deepEpBufferSizeMb ?? DEFAULT_DEEPEP_BUFFER_SIZE_MB;
    const all2all = all2allBufferBytes(where, arch, shared.experts, tp, shared.all2allBackend, maxNumBatchedTokens, input.all2allInternode, bufferMb);
    if (all2all.upper > 0) notes.push(all2allNote(shared.all2allBackend, all2all, maxNumBatchedTokens, input.all2allInternode, bufferMb));
    const base = nonTorchBytes(tp, pp);
    const nonTorch: Range = { value: base.value + all2all.value, lower: base.lower + all2all.lower, upper: base.upper + all2all.upper };
    const cg = cudaGraphBytes(shared.version);
    if (has(shared.version, Capability.CUDA_GRAPH_MEMORY_IN_KV_BUDGET)) {
      notes.push(`CUDA graph memory is subtracted from the KV budget (vLLM >= 0.21.0, VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1; ${sourceOf(Capability.CUDA_GRAPH_MEMORY_IN_KV_BUDGET).split(';')[0]})`);
    }
    const stages = layersPerStage(arch.numHiddenLayers!, pp);
    let best: { weights: Range; act: Range; available: Range; cap: ReturnType<typeof planStage> } | undefined;
    let heaviest: Range = { value: 0, lower: 0, upper: 0 };
    for (let stage = 0; stage < stages.length; stage++) {
      const weights = weightBytesPerRank(where, arch, tp, pp, stage, shared.experts);
      const act = activationBytes(arch, tp, maxNumBatchedTokens, maxNumSeqs, stage === stages.length - 1);
      if (weights.value > heaviest.value) heaviest = weights;
      const available: Range = {
        value: requested - weights.value - act.value - nonTorch.value - cg.value,
        lower: requested - weights.upper - act.upper - nonTorch.upper - cg.upper,
        upper: requested - weights.lower - act.lower - nonTorch.lower - cg.lower,
      };
      const cap = planStage(shape, stages[stage], available);
      if (!best || cap.numGpuBlocks.value < best.cap.numGpuBlocks.value) best = { weights, act, available, cap };
    }
    const chosen = best!;
    return {
      ...chosen.cap,
      vllmVersion: shared.version.toString(),
      maxModelLen: shape.maxModelLen,
      blockSize: shape.blockSize,
      replicaMaxConcurrency: scale(chosen.cap.maxConcurrency, shared.dp),
      notes,
      gpuMemoryUtilization: gmu,
      maxNumBatchedTokens,
      maxNumSeqs,
      requestedMemoryBytes: requested,
      weightBytesPerRank: heaviest,
      activationBytes: chosen.act,
      nonTorchBytes: nonTorch,
      all2allBufferBytes: all2all,
      cudaGraphBytes: cg,
      availableKvCacheBytes: chosen.available,
    };
  }

  /**
   * Tokens and concurrency for a known KV cache memory figure ("Available KV cache memory: X GiB" in vLLM's log).
   */
  public static fromAvailableKvCacheMemory(input: AvailableKvCacheInput): KvCacheCapacity {
    const where = 'CapacityPlanner.fromAvailableKvCacheMemory';
    checkStruct(where, 'input', input, AVAILABLE_KV_CACHE_INPUT);
    // Without an accelerator, the batched-token default is the H100-class one (it only matters for sliding windows).
    const shared = resolveShape(where, input, input.maxNumBatchedTokens);
    const batch = settleBatch(where, input.maxNumBatchedTokens, undefined,
      { tokens: shared.batchedDp ? BATCHED_DP_MAX_NUM_BATCHED_TOKENS : 8192, seqs: 1024 },
      shared.shape.maxModelLen, input.enableChunkedPrefill !== false, shared.throughput);
    const shape: EngineShape = { ...shared.shape, maxNumBatchedTokens: batch.tokens };
    const available = bytesOf(input.availableKvCacheMemory);
    const stages = layersPerStage(input.architecture.numHiddenLayers!, shape.pipelineParallelSize);
    // The stage with the most layers has the fewest blocks for the same memory.
    const cap = planStage(shape, Math.max(...stages), exactRange(available));
    return {
      ...cap,
      vllmVersion: shared.version.toString(),
      maxModelLen: shape.maxModelLen,
      blockSize: shape.blockSize,
      replicaMaxConcurrency: scale(cap.maxConcurrency, shared.dp),
      // Only the token budget sizes this result (sliding windows); max_num_seqs is not an input here.
      notes: [...shared.notes, ...batch.notes.filter(n => !n.startsWith('maxNumSeqs'))],
    };
  }

  /**
   * The KV transfer budget of one request: the bytes prefill hands to decode for a prompt, and the time they take
   * over a declared bandwidth. Each decode rank pulls its KV heads for every layer (MLA: the whole latent vector,
   * on every rank), in whole blocks; sliding-window layers are counted in full (an upper bound).
   */
  public static kvTransfer(input: KvTransferInput): KvTransferBudget {
    const where = 'CapacityPlanner.kvTransfer';
    checkStruct(where, 'input', input, KV_TRANSFER_INPUT);
    const arch = input.architecture;
    if (arch.numHiddenLayers === undefined) throw invalid(where, 'architecture.numHiddenLayers', undefined, 'is needed to size the KV cache');
    if (arch.attention === AttentionKind.HYBRID_MAMBA) {
      throw invalid(where, 'architecture.attention', arch.attention,
        'is not sized for KV transfer: a hybrid request also moves its Mamba/linear-attention state blocks, whose transfer layout is not modelled');
    }
    const kvCacheDtype = input.kvCacheDtype ?? KvCacheDtype.AUTO;
    const kvElementBytes = KV_ELEMENT_BYTES[kvCacheDtype];
    if (kvElementBytes === undefined) throw invalid(where, 'kvCacheDtype', kvCacheDtype, `must be one of ${Object.values(KvCacheDtype).join(', ')}`);
    const tp = input.decodeTensorParallelSize ?? 1;
    const blockSize = input.blockSize ?? 16;
    const shape: EngineShape = {
      where,
      architecture: arch,
      tensorParallelSize: tp,
      pipelineParallelSize: 1,
      kvElementBytes,
      blockSize,
      maxModelLen: input.promptTokens,
      maxNumBatchedTokens: input.promptTokens,
      version: VllmImage.DEFAULT.version,
    };
    const blocks = Math.ceil(input.promptTokens / blockSize);
    const perRank = pageBytesPerLayer(shape) * arch.numHiddenLayers * blocks;
    const total = perRank * tp;
    const notes: string[] = [];
    if (arch.slidingWindow !== undefined) notes.push('sliding-window layers counted in full: an upper bound');
    const bw = input.bandwidthBytesPerSecond;
    if (bw !== undefined && !(bw > 0)) throw invalid(where, 'bandwidthBytesPerSecond', bw, 'must be positive');
    return {
      promptTokens: input.promptTokens,
      bytesPerDecodeRank: perRank,
      bytesPerRequest: total,
      bandwidthBytesPerSecond: bw,
      transferSeconds: bw !== undefined ? total / bw : undefined,
      notes,
    };
  }

  private constructor() {}
}

function exactRange(v: number): Range {
  return { value: v, lower: v, upper: v };
}

function scale(r: Range, k: number): CapacityRange {
  return { value: r.value * k, lower: r.lower * k, upper: r.upper * k };
}

function defaultUtilization(where: string, version: VllmVersion): number {
  const rule = known(version, Capability.GPU_MEMORY_UTILIZATION_DEFAULT_092);
  if (rule === true) return 0.92;
  // 0.9 through 0.19.0 (the long-standing default: vllm-project/vllm PR #2162 documents it).
  if (rule === false) return 0.9;
  throw invalid(where, 'gpuMemoryUtilization', undefined,
    `must be set for vLLM ${version}: its default is not confirmed (0.9 up to 0.19.0, 0.92 from 0.22.0: ${sourceOf(Capability.GPU_MEMORY_UTILIZATION_DEFAULT_092)})`);
}

interface Shared {
  readonly shape: Omit<EngineShape, 'maxNumBatchedTokens'>;
  readonly version: VllmVersion;
  readonly dp: number;
  readonly experts: ExpertPlacement;
  /** `--all2all-backend` resolved (vLLM's default when unset). */
  readonly all2allBackend: string;
  /** `ParallelConfig.use_batched_dp_moe`: deepep_low_latency with EP over more than one DP rank. */
  readonly batchedDp: boolean;
  /** `--performance-mode throughput`. */
  readonly throughput: boolean;
  readonly notes: string[];
}

/**
 * `SchedulerConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS_FOR_BATCHED_DP` = 256: max_num_batched_tokens' default when
 * `ParallelConfig.use_batched_dp_moe` (deepep_low_latency with enable_expert_parallel and data_parallel_size > 1;
 * `EngineArgs._set_default_max_num_seqs_and_batched_tokens_args`, vllm/engine/arg_utils.py of the vllm 0.22.0 and
 * 0.32.0 wheels; compat DEEPEP_BUFFER_SIZING).
 */
const BATCHED_DP_MAX_NUM_BATCHED_TOKENS = 256;

const gib = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;

function all2allNote(backend: string, bytes: Range, tokens: number, internode: boolean | undefined, bufferMb: number): string {
  const what = backend === DEEPEP_LOW_LATENCY
    ? `an NVLink buffer of VLLM_DEEPEP_BUFFER_SIZE_MB (${bufferMb} MiB) and the NVSHMEM RDMA buffer of get_low_latency_rdma_size_hint over ${tokens} tokens per rank`
    : `an NVLink buffer of VLLM_DEEPEP_BUFFER_SIZE_MB (${bufferMb} MiB), and the same again as NVSHMEM RDMA buffer when the expert-parallel group spans nodes` +
      (internode === undefined ? ' (not known: all2allInternode unset, the bounds cover both)' : internode ? ' (it does)' : ' (it does not)');
  return `all-to-all buffers of ${backend} counted in the non-torch memory: ${gib(bytes.value)} per rank (${gib(bytes.lower)} - ${gib(bytes.upper)}): ` +
    `${what}, plus DeepEP's 32 MiB workspace (vllm/distributed/device_communicators/all2all.py; deepseek-ai/DeepEP@73b6ea4a csrc/deep_ep.cpp, csrc/config.hpp); ` +
    'the upper bound allows NVSHMEM\'s 512 MiB heap granules and its own state; its queue pairs (num_qps_per_rank) are not sized';
}

function resolveShape(where: string, input: EngineSizingOptions, _mnbt: number | undefined): Shared {
  const arch = input.architecture;
  const version = input.vllmVersion !== undefined ? VllmVersion.of(input.vllmVersion) : VllmImage.DEFAULT.version;
  const tp = input.tensorParallelSize ?? 1;
  const pp = input.pipelineParallelSize ?? 1;
  const dp = input.dataParallelSize ?? 1;
  if (arch.numHiddenLayers === undefined) {
    throw invalid(where, 'architecture.numHiddenLayers', undefined, 'is needed to size the KV cache');
  }
  if (pp > arch.numHiddenLayers) {
    throw invalid(where, 'pipelineParallelSize', pp, `must not exceed the number of layers (${arch.numHiddenLayers})`);
  }
  const maxModelLen = input.maxModelLen ?? arch.maxPositionEmbeddings;
  if (maxModelLen === undefined) {
    throw invalid(where, 'maxModelLen', undefined, "is needed: the architecture has no maxPositionEmbeddings (vLLM's default)");
  }
  const kvCacheDtype = input.kvCacheDtype ?? KvCacheDtype.AUTO;
  const kvElementBytes = KV_ELEMENT_BYTES[kvCacheDtype];
  if (kvElementBytes === undefined) {
    throw invalid(where, 'kvCacheDtype', kvCacheDtype, `must be one of ${Object.values(KvCacheDtype).join(', ')}`);
  }
  const notes: string[] = [];
  // CacheConfig.DEFAULT_BLOCK_SIZE = 16 (vllm/config/cache.py, 0.22.0 and 0.32.0 wheels).
  let blockSize = input.blockSize ?? 16;
  let hybrid: HybridLayout | undefined;
  if (arch.attention === AttentionKind.HYBRID_MAMBA) {
    const resolved = resolveHybrid(where, arch, tp, pp, blockSize, kvElementBytes, version, input.enablePrefixCaching);
    blockSize = resolved.blockSize;
    hybrid = resolved.hybrid;
    notes.push(...resolved.notes);
  }
  const expertParallel = input.enableExpertParallel === true;
  const redundantExperts = input.numRedundantExperts ?? 0;
  if (redundantExperts > 0 && !expertParallel) {
    throw invalid(where, 'numRedundantExperts', redundantExperts, 'only applies with enableExpertParallel: true (redundant experts are EPLB replicas over the EP ranks)');
  }
  if (input.all2allBackend !== undefined && !expertParallel) {
    throw invalid(where, 'all2allBackend', input.all2allBackend.name,
      'only applies with enableExpertParallel: true (the all-to-all exchange is between expert-parallel ranks)');
  }
  if (input.all2allInternode !== undefined && !expertParallel) {
    throw invalid(where, 'all2allInternode', input.all2allInternode, 'only applies with enableExpertParallel: true');
  }
  if (input.enableEplb === true && !expertParallel) {
    throw invalid(where, 'enableEplb', true, 'only applies with enableExpertParallel: true ("enable_expert_parallel must be True to use EPLB", vllm/config/parallel.py)');
  }
  if (input.enableEplb === false && redundantExperts > 0) {
    throw invalid(where, 'numRedundantExperts', redundantExperts,
      'needs EPLB: vLLM refuses num_redundant_experts without enable_eplb (vllm/config/parallel.py); leave enableEplb unset or true');
  }
  const eplb = input.enableEplb ?? redundantExperts > 0;
  const all2allBackend = input.all2allBackend?.name ?? ALLGATHER_REDUCESCATTER;
  const experts: ExpertPlacement = { dataParallelSize: dp, expertParallel, redundantExperts, eplb };
  const deepEp = all2allBackend === DEEPEP_HIGH_THROUGHPUT || all2allBackend === DEEPEP_LOW_LATENCY;
  if (input.deepEpBufferSizeMb !== undefined && !deepEp) {
    throw invalid(where, 'deepEpBufferSizeMb', input.deepEpBufferSizeMb,
      `only applies with a DeepEP all2allBackend (${DEEPEP_HIGH_THROUGHPUT} or ${DEEPEP_LOW_LATENCY}); the backend is ${all2allBackend}`);
  }
  if (deepEp && !has(version, Capability.DEEPEP_BUFFER_SIZING)) {
    throw invalid(where, 'all2allBackend', all2allBackend,
      `is not sized for vLLM ${version}: DeepEP's buffer sizes were read in ${versionRange(Capability.DEEPEP_BUFFER_SIZING)} (${sourceOf(Capability.DEEPEP_BUFFER_SIZING)})`);
  }
  if (expertParallel && arch.numExperts !== undefined) {
    notes.push(`expert parallelism: the ${arch.numExperts + redundantExperts} experts are placed whole over ${tp * dp} ranks (tensorParallelSize x dataParallelSize); ` +
      'attention and dense layers are split by tensorParallelSize (FusedMoEParallelConfig.make, vllm/model_executor/layers/fused_moe/config.py)');
    if (!usesAll2allKernels(arch, experts)) {
      if (deepEp) notes.push(`all2allBackend ${all2allBackend} has no buffers with dataParallelSize 1: vLLM builds all-to-all kernels only with expert parallelism over data-parallel ranks (use_all2all_kernels)`);
    } else if (!deepEp) {
      notes.push(input.all2allBackend !== undefined || has(version, Capability.DEEPEP_BUFFER_SIZING)
        ? 'all2allBackend allgather_reducescatter (vLLM\'s default): no all-to-all buffers beyond NCCL\'s; the gathered tokens are torch tensors of the profile run'
        : `all2allBackend unset: vLLM ${version}'s default was not read; planned as allgather_reducescatter, without all-to-all buffers`);
    }
  }
  if (eplb && arch.numExperts !== undefined) {
    notes.push('EPLB: each rank holds one more MoE layer of its local experts, the rearrangement buffer EplbState.add_model allocates while the model loads ' +
      '(vllm/distributed/eplb/eplb_state.py); the upper bound holds two more, the send and receive buffers of the NIXL EPLB communicator in vLLM 0.22.0 ' +
      'or the profile run\'s reservation without NIXL (vllm/distributed/eplb/eplb_communicator.py, rebalance_execute.py)');
  }
  if (arch.attention === AttentionKind.MLA && arch.checkpointDtype === CheckpointDtype.FP8) {
    notes.push('MLA with an FP8 kv_b_proj: each rank also holds its 16-bit copy (W_UK_T and W_UV), made while the model loads ' +
      '(MLAAttention.process_weights_after_loading, vllm/model_executor/layers/attention/mla_attention.py); the lower bound counts a quarter of it, ' +
      'for a checkpoint that left kv_b_proj in 16 bits or ROCm\'s requantized FP8/MXFP4 copies');
  }
  if (arch.attention === AttentionKind.MLA && input.blockSize === undefined) {
    notes.push('blockSize unset with MLA: vLLM takes the block size its attention backend prefers (16 for FlashAttention MLA and Triton MLA, 64 for FlashMLA, ' +
      '32 for FlashInfer MLA, 128 for CUTLASS MLA; get_supported_kernel_block_sizes in vllm/v1/attention/backends/mla/, 0.32.0 wheel), which depends on the GPU; ' +
      'planned with 16: set blockSize to plan, and run, the one you want');
  }
  const batchedDp = all2allBackend === DEEPEP_LOW_LATENCY && expertParallel && dp > 1;
  const mode = input.performanceMode;
  if (mode !== undefined) {
    if (!Object.values(PerformanceMode).includes(mode)) {
      throw invalid(where, 'performanceMode', mode, `must be one of ${Object.values(PerformanceMode).join(', ')}`);
    }
    if (!has(version, Capability.PERFORMANCE_MODE)) {
      throw invalid(where, 'performanceMode', mode, `needs ${versionRange(Capability.PERFORMANCE_MODE)} (${sourceOf(Capability.PERFORMANCE_MODE)}); the release is vLLM ${version}`);
    }
  }
  if (batchedDp && input.maxNumBatchedTokens === undefined) {
    notes.push(`maxNumBatchedTokens unset: vLLM starts from ${BATCHED_DP_MAX_NUM_BATCHED_TOKENS}, its default with deepep_low_latency over data-parallel ranks ` +
      '(SchedulerConfig.DEFAULT_MAX_NUM_BATCHED_TOKENS_FOR_BATCHED_DP, ParallelConfig.use_batched_dp_moe)');
  }
  return {
    shape: {
      where,
      architecture: arch,
      tensorParallelSize: tp,
      pipelineParallelSize: pp,
      kvElementBytes,
      blockSize,
      maxModelLen,
      version,
      hybrid,
    },
    version,
    dp,
    experts,
    all2allBackend,
    batchedDp,
    throughput: mode === PerformanceMode.THROUGHPUT,
    notes,
  };
}

function planStage(shape: EngineShape, stageLayers: number, available: Range) {
  const pool = stagePool(shape, stageLayers);
  const v = capacityOf(shape, pool, available.value);
  const lo = capacityOf(shape, pool, available.lower);
  const hi = capacityOf(shape, pool, available.upper);
  return {
    kvBytesPerToken: pool.bytesPerBlock / shape.blockSize,
    requestKvBytes: {
      value: pool.blocksPerRequest.value * pool.bytesPerBlock,
      lower: pool.blocksPerRequest.lower * pool.bytesPerBlock,
      upper: pool.blocksPerRequest.upper * pool.bytesPerBlock,
    },
    numGpuBlocks: { value: v.blocks, lower: lo.blocks, upper: hi.blocks },
    kvCacheTokens: { value: v.tokens.value, lower: lo.tokens.lower, upper: hi.tokens.upper },
    maxConcurrency: { value: v.concurrency.value, lower: lo.concurrency.lower, upper: hi.concurrency.upper },
  };
}

