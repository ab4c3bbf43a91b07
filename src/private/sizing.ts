/**
 * Capacity sizing: the arithmetic vLLM's V1 engine does at startup, as pure functions of a model architecture
 * and the engine settings. The exact rules (KV page sizes, block rounding, hybrid groups, weight sharding)
 * follow vLLM's source, cited per function; the terms vLLM measures on the GPU (activation peak, non-torch
 * memory, CUDA graph memory) are estimates with a lower and an upper bound, calibrated on published vLLM logs
 * (llm-d-incubation/llm-d-planner@d3121e0 accuracy/results/v0.19.0/results_raw.csv, 57 H100 runs).
 *
 * Version-dependent rules read src/private/compat.ts; nothing here compares versions.
 */
import { Capability, has, known, sourceOf } from './compat';
import { invalid, startupRefusal } from './errors';
import { AttentionKind, CheckpointDtype, ModelArchitecture } from '../model';
import { VllmVersion } from '../vllm-version';

export const GIB = 1024 ** 3;

/** A value with the bounds the estimated terms allow. */
export interface Range {
  readonly value: number;
  readonly lower: number;
  readonly upper: number;
}

export function exact(value: number): Range {
  return { value, lower: value, upper: value };
}

/** Resolved engine settings of one engine (one DP rank). */
export interface EngineShape {
  readonly where: string;
  readonly architecture: ModelArchitecture;
  readonly tensorParallelSize: number;
  readonly pipelineParallelSize: number;
  /** KV cache element bytes: 2 for auto (bfloat16/float16 models), 1 for fp8. */
  readonly kvElementBytes: number;
  readonly blockSize: number;
  readonly maxModelLen: number;
  readonly maxNumBatchedTokens: number;
  readonly version: VllmVersion;
  /** Hybrid models: their Mamba/linear-attention layers' state pages (the blockSize above is already raised for them). */
  readonly hybrid?: HybridLayout;
}

/** The Mamba/linear-attention side of a hybrid engine, as `resolveHybrid` derives it. */
export interface HybridLayout {
  /** Mamba-2 or gated delta net layers (the other layers are full attention). */
  readonly stateLayers: number;
  /** Bytes of one layer's state on one rank, before vLLM pads it to the attention page. */
  readonly statePageBytes: number;
  /** Blocks one request holds in each state group: 1 (mode 'none'), 2 or 3 (mode 'align'). */
  readonly stateBlocksPerRequest: number;
  /** vLLM's `mamba_cache_mode`. */
  readonly mode: 'none' | 'align';
}

// ---------------------------------------------------------------- layers per pipeline stage

/**
 * Layers of each pipeline stage: vllm/distributed/utils.py `get_pp_indices` (0.22.0, 0.32.0 wheels): an even
 * split, the remainder spread over the stages before the last, from the second-last backwards.
 */
export function layersPerStage(layers: number, pp: number): number[] {
  const partitions = new Array<number>(pp).fill(Math.floor(layers / pp));
  const remaining = layers % pp;
  for (let i = 2; i < remaining + 2; i++) partitions[pp - i] += 1;
  return partitions;
}

// ---------------------------------------------------------------- KV cache pages

/** KV heads on one TP rank: vllm/config/model.py `get_num_kv_heads` = max(1, kv heads // tp); 1 for MLA. */
export function kvHeadsPerRank(arch: ModelArchitecture, tp: number): number {
  if (arch.attention === AttentionKind.MLA) return 1;
  const kvHeads = arch.numKeyValueHeads ?? arch.numAttentionHeads;
  return Math.max(1, Math.floor(kvHeads / tp));
}

/** The head size of the cache: `head_dim`, else hidden_size / heads (vllm/config/model.py `get_head_size`). */
function headSize(where: string, arch: ModelArchitecture): number {
  if (arch.headDim !== undefined) return arch.headDim;
  if (arch.hiddenSize === undefined) {
    throw invalid(where, 'model.architecture.headDim', undefined, 'or hiddenSize is needed to size the KV cache');
  }
  return arch.hiddenSize / arch.numAttentionHeads;
}

/**
 * Bytes of one block of one layer on one rank (`page_size_bytes`, vllm/v1/kv_cache_interface.py):
 * standard attention 2 (K and V) x block x KV heads per rank x head size x dtype bytes (`AttentionSpec`);
 * MLA one latent vector of kv_lora_rank + qk_rope_head_dim per token, on every rank (`MLAAttentionSpec`).
 */
export function pageBytesPerLayer(s: EngineShape): number {
  const arch = s.architecture;
  if (arch.attention === AttentionKind.MLA) {
    if (arch.kvLoraRank === undefined || arch.qkRopeHeadDim === undefined) {
      throw invalid(s.where, 'model.architecture.kvLoraRank', arch.kvLoraRank,
        'and qkRopeHeadDim are needed to size an MLA KV cache');
    }
    return s.blockSize * (arch.kvLoraRank + arch.qkRopeHeadDim) * s.kvElementBytes;
  }
  return 2 * s.blockSize * kvHeadsPerRank(arch, s.tensorParallelSize) * headSize(s.where, arch) * s.kvElementBytes;
}

// ---------------------------------------------------------------- hybrid (attention + Mamba / linear attention)

/**
 * `divide` of vllm/distributed/utils.py: vLLM asserts the TP size divides a sharded dimension.
 */
function divideExactly(where: string, prop: string, value: number, tp: number): number {
  if (value % tp !== 0) {
    throw invalid(where, 'tensorParallelSize', tp, `must divide model.architecture.${prop} (${value}): vLLM shards the Mamba state by it (vllm/distributed/utils.py divide)`);
  }
  return value / tp;
}

/**
 * Bytes of one Mamba/linear-attention layer's state on one rank (`MambaSpec.page_size_bytes` without padding,
 * vllm/v1/kv_cache_interface.py: the sum of prod(shape) x dtype size). Shapes per TP rank from
 * `MambaStateShapeCalculator` (vllm/model_executor/layers/mamba/mamba_utils.py, 0.22.0 and 0.32.0 wheels, no speculative
 * tokens): Mamba-2 conv state (intermediate + 2 x n_groups' x d_state) / tp x (d_conv - 1), with n_groups extended to tp
 * when tp does not divide it (`extra_groups_for_head_shards`), and SSM state heads / tp x head_dim x d_state; gated delta
 * net conv state (2 x key heads x key dim + value heads x value dim) / tp x (kernel - 1) and recurrent state value heads /
 * tp x value dim x key dim. Dtypes (`MambaStateDtypeCalculator`): mamba_cache_dtype and mamba_ssm_cache_dtype default to
 * 'auto', the model dtype (2 bytes: vLLM runs bfloat16 for every checkpoint dtype catalogued), whatever --kv-cache-dtype says.
 */
export function statePageBytes(where: string, arch: ModelArchitecture, tp: number): number {
  const MODEL_DTYPE = 2;
  const m = arch.mamba2Layers;
  if (m !== undefined) {
    const groups = m.nGroups % tp === 0 ? m.nGroups : m.nGroups + (tp - m.nGroups);
    const conv = divideExactly(where, 'mamba2Layers.intermediateSize + 2 x nGroups x stateSize', m.intermediateSize + 2 * groups * m.stateSize, tp) * (m.convKernel - 1);
    const ssm = divideExactly(where, 'mamba2Layers.numHeads', m.numHeads, tp) * m.headDim * m.stateSize;
    return conv * MODEL_DTYPE + ssm * (m.ssmStateFloat32 ? 4 : MODEL_DTYPE);
  }
  const g = arch.gatedDeltaNetLayers;
  if (g !== undefined) {
    const conv = divideExactly(where, 'gatedDeltaNetLayers (2 x numKeyHeads x keyHeadDim + numValueHeads x valueHeadDim)',
      2 * g.numKeyHeads * g.keyHeadDim + g.numValueHeads * g.valueHeadDim, tp) * (g.convKernel - 1);
    const recurrent = divideExactly(where, 'gatedDeltaNetLayers.numValueHeads', g.numValueHeads, tp) * g.valueHeadDim * g.keyHeadDim;
    return (conv + recurrent) * MODEL_DTYPE;
  }
  throw invalid(where, 'architecture.attention', AttentionKind.HYBRID_MAMBA,
    'needs architecture.mamba2Layers or architecture.gatedDeltaNetLayers (the state shapes from config.json) to size the KV cache');
}

/**
 * The block size and state layout of a hybrid engine.
 *
 * Block size: `Platform._align_hybrid_block_size` (vllm/platforms/interface.py, 0.22.0 and 0.32.0 wheels) raises the
 * attention block until one attention page holds a state page: alignment x cdiv(state page, alignment x attention bytes
 * per token), alignment = max(the backend's smallest kernel block, block_size); the state page is then padded to the
 * attention page ("Padding mamba page size by X% ..."). The smallest kernel block is taken as 16: FlashAttention
 * (MultipleOf(16), or [16, 32, 64] with float32 Mamba state), Triton (MultipleOf(16)) and FlashInfer ([16, 32, 64]); FA4's
 * head_dim-256 kernel on Blackwell (0.32.0: 128) is not covered, pass blockSize 128 for it.
 *
 * Blocks per request of a state group (`MambaSpec.max_memory_usage_bytes`): 1 without prefix caching (mode 'none');
 * with it, mode 'align' holds 2 (+1 prefill checkpoint block for Mamba-2 in 0.32.0). Prefix caching defaults to off for
 * hybrid models in 0.22.0, on in 0.32.0 (compat HYBRID_PREFIX_CACHING_DEFAULT). 0.22.0 with prefix caching puts Mamba-2
 * classes in mode 'all' (block size aligned to the Mamba chunk size, one state block per block of the request), which
 * is refused.
 */
export function resolveHybrid(
  where: string, arch: ModelArchitecture, tp: number, pp: number, blockSize: number, kvElementBytes: number, version: VllmVersion,
  enablePrefixCaching: boolean | undefined,
): { blockSize: number; hybrid: HybridLayout; notes: string[] } {
  const family = arch.mamba2Layers !== undefined ? 'Mamba-2' : 'gated delta net';
  const stateLayers = (arch.mamba2Layers ?? arch.gatedDeltaNetLayers)?.numLayers;
  const statePage = statePageBytes(where, arch, tp);
  if (pp > 1) {
    throw invalid(where, 'pipelineParallelSize', pp,
      'above 1 is not sized for hybrid models: which attention and state layers each stage gets depends on layer_types, which the architecture does not carry');
  }
  if (arch.slidingWindow !== undefined) {
    throw invalid(where, 'architecture.slidingWindow', arch.slidingWindow, 'is not sized together with Mamba/linear-attention layers (no such model is catalogued)');
  }
  const notes: string[] = [];
  let prefixCaching = enablePrefixCaching;
  if (prefixCaching === undefined) {
    prefixCaching = known(version, Capability.HYBRID_PREFIX_CACHING_DEFAULT);
    if (prefixCaching === undefined) {
      throw invalid(where, 'enablePrefixCaching', undefined,
        `must be set for a hybrid model on vLLM ${version}: its default for hybrid models is not confirmed (off in 0.22.0, on in 0.32.0: ${sourceOf(Capability.HYBRID_PREFIX_CACHING_DEFAULT).split(';')[0]})`);
    }
  }
  let mode: 'none' | 'align' = 'none';
  let stateBlocks = 1;
  if (prefixCaching) {
    const alignOnly = known(version, Capability.MAMBA_CACHE_MODE_ALIGN_ONLY);
    if (alignOnly === undefined || (alignOnly === false && arch.mamba2Layers !== undefined)) {
      throw invalid(where, 'enablePrefixCaching', true,
        alignOnly === undefined
          ? `is not sized for hybrid models on vLLM ${version}: which Mamba cache mode prefix caching picks there is not confirmed ('all' or 'align' in 0.22.0, 'align' in 0.32.0)`
          : `is not sized for Mamba-2 hybrids on vLLM ${version}: prefix caching puts them in Mamba cache mode 'all' (${sourceOf(Capability.MAMBA_CACHE_MODE_ALIGN_ONLY)}), whose ` +
            'block size follows the Mamba chunk size; set enablePrefixCaching: false, or plan for vLLM 0.32.0');
    }
    mode = 'align';
    stateBlocks = 2;
    if (arch.mamba2Layers !== undefined) {
      const checkpoint = known(version, Capability.MAMBA2_PREFILL_CHECKPOINT_BLOCK);
      if (checkpoint === undefined) {
        throw invalid(where, 'enablePrefixCaching', true, `is not sized for Mamba-2 hybrids on vLLM ${version}: the prefill checkpoint block is not confirmed there`);
      }
      if (checkpoint) stateBlocks = 3;
    }
  }
  const attnPerToken = 2 * kvHeadsPerRank(arch, tp) * headSize(where, arch) * kvElementBytes;
  const alignment = Math.max(16, blockSize);
  const attnBlock = alignment * cdiv(statePage, alignment * attnPerToken);
  const raised = Math.max(blockSize, attnBlock);
  if (raised > blockSize) {
    notes.push(`attention block size raised to ${raised} tokens so that one attention page holds a ${family} state page (${statePage} bytes; vLLM logs "Setting attention block size to ${raised} tokens")`);
  }
  const padded = raised * attnPerToken;
  if (padded > statePage) {
    notes.push(`${family} state page padded by ${(100 * (padded - statePage) / statePage).toFixed(2)}% to the attention page (${padded} bytes)`);
  }
  notes.push(`Mamba cache mode '${mode}' (prefix caching ${prefixCaching ? 'on' : 'off'}): each ${family} group holds ${stateBlocks} block${stateBlocks > 1 ? 's' : ''} per request`);
  return { blockSize: raised, hybrid: { stateLayers: stateLayers!, statePageBytes: statePage, stateBlocksPerRequest: stateBlocks, mode }, notes };
}

/** One KV cache group: its layers on the rank and how many blocks one request at maxModelLen takes. */
interface KvGroup {
  readonly layers: number;
  readonly blocksPerRequest: Range;
}

/** What one pipeline stage's KV pool looks like. */
export interface StagePool {
  readonly layers: number;
  /** Bytes one block of the pool costs across the largest group (the divisor of available memory). */
  readonly bytesPerBlock: number;
  readonly groups: number;
  /** Blocks one maxModelLen request takes, summed over groups. */
  readonly blocksPerRequest: Range;
}

const cdiv = (a: number, b: number) => Math.ceil(a / b);

/**
 * The KV cache groups of one stage. One group of every layer for uniform models. With sliding-window layers
 * (same page size), `_get_kv_cache_groups_uniform_page_size` (vllm/v1/core/kv_cache_utils.py): group size = the
 * smaller layer count, or the larger when it is under 1.5x the smaller; each type split into groups of that
 * size (padded). A sliding-window request holds cdiv(min(window - 1 + in-flight tokens, max_model_len), block) + 1
 * blocks (`SlidingWindowSpec.max_admission_blocks_per_request`); in-flight tokens are one max_num_batched_tokens
 * (0.22.0) or max_concurrent_batches (1, or 2 with async scheduling) of them (0.32.0).
 */
export function stagePool(s: EngineShape, stageLayers: number): StagePool {
  const arch = s.architecture;
  const page = pageBytesPerLayer(s);
  const full = cdiv(s.maxModelLen, s.blockSize);
  if (s.hybrid !== undefined) {
    const h = s.hybrid;
    return uniformPageGroups(page, stageLayers - h.stateLayers, exact(full), h.stateLayers, exact(h.stateBlocksPerRequest), stageLayers);
  }
  if (arch.slidingWindow === undefined || arch.slidingWindowLayers === undefined) {
    return { layers: stageLayers, bytesPerBlock: page * stageLayers, groups: 1, blocksPerRequest: exact(full) };
  }
  if (s.pipelineParallelSize > 1) {
    throw invalid(s.where, 'pipelineParallelSize', s.pipelineParallelSize,
      'above 1 is not sized for models with sliding-window layers: which layers each stage gets depends on layer_types, which the architecture does not carry');
  }
  if (arch.slidingWindowLayers >= stageLayers) {
    return { layers: stageLayers, bytesPerBlock: page * stageLayers, groups: 1, blocksPerRequest: slidingBlocks(s, arch.slidingWindow) };
  }
  const sliding = arch.slidingWindowLayers;
  return uniformPageGroups(page, stageLayers - sliding, exact(full), sliding, slidingBlocks(s, arch.slidingWindow), stageLayers);
}

/**
 * Two layer types of one page size in groups of equal size (`_get_kv_cache_groups_uniform_page_size`,
 * vllm/v1/core/kv_cache_utils.py, 0.22.0 and 0.32.0 wheels): group size = the smaller layer count, or the larger when it
 * is under 1.5x the smaller; each type split into cdiv(layers, group size) groups. A block of the pool costs page x group
 * size; a request takes the sum over groups of its blocks (`get_max_concurrency_for_kv_cache_config`).
 */
function uniformPageGroups(
  page: number, fullLayers: number, fullBlocks: Range, otherLayers: number, otherBlocks: Range, stageLayers: number,
): StagePool {
  const min = Math.min(otherLayers, fullLayers);
  const max = Math.max(otherLayers, fullLayers);
  const groupSize = max < min * 1.5 ? max : min;
  const fullGroups = cdiv(fullLayers, groupSize);
  const otherGroups = cdiv(otherLayers, groupSize);
  const groups: KvGroup[] = [
    ...new Array(fullGroups).fill({ layers: groupSize, blocksPerRequest: fullBlocks }),
    ...new Array(otherGroups).fill({ layers: groupSize, blocksPerRequest: otherBlocks }),
  ];
  const sum = (f: (g: KvGroup) => number) => groups.reduce((a, g) => a + f(g), 0);
  return {
    layers: stageLayers,
    bytesPerBlock: page * groupSize,
    groups: groups.length,
    blocksPerRequest: {
      value: sum(g => g.blocksPerRequest.value),
      lower: sum(g => g.blocksPerRequest.lower),
      upper: sum(g => g.blocksPerRequest.upper),
    },
  };
}

function slidingBlocks(s: EngineShape, window: number): Range {
  const blocks = (batches: number) => cdiv(Math.min(window - 1 + batches * s.maxNumBatchedTokens, s.maxModelLen), s.blockSize) + 1;
  const inFlight = known(s.version, Capability.SLIDING_WINDOW_IN_FLIGHT_BATCHES);
  if (inFlight === false) return exact(blocks(1));
  // 0.32.0: max_concurrent_batches is 2 with async scheduling (vllm/config/vllm.py), 1 without; unknown versions: either rule.
  const a = blocks(1);
  const b = blocks(2);
  return { value: inFlight ? b : a, lower: a, upper: b };
}

/**
 * Blocks, tokens and concurrency for a stage given its available KV memory (bytes). `num_blocks` =
 * available // bytes per block (`get_kv_cache_config_from_groups`); max concurrency = num_blocks / blocks per
 * request (`get_max_concurrency_for_kv_cache_config`); "GPU KV cache size" = int(concurrency x max_model_len)
 * (0.22.0+) or num_blocks // groups x block_size (0.19.0 and before, compat KV_CACHE_TOKENS_FROM_CONCURRENCY).
 */
export function capacityOf(s: EngineShape, pool: StagePool, availableBytes: number): { blocks: number; tokens: Range; concurrency: Range } {
  const blocks = Math.max(0, Math.floor(availableBytes / pool.bytesPerBlock));
  const concurrency: Range = {
    value: blocks / pool.blocksPerRequest.value,
    // More blocks per request -> fewer concurrent requests.
    lower: blocks / pool.blocksPerRequest.upper,
    upper: blocks / pool.blocksPerRequest.lower,
  };
  const fromConcurrency = (c: number) => Math.floor(c * s.maxModelLen);
  const fromBlocks = Math.floor(blocks / pool.groups) * s.blockSize;
  const rule = known(s.version, Capability.KV_CACHE_TOKENS_FROM_CONCURRENCY);
  const tokens: Range = rule === true
    ? { value: fromConcurrency(concurrency.value), lower: fromConcurrency(concurrency.lower), upper: fromConcurrency(concurrency.upper) }
    : rule === false
      ? exact(fromBlocks)
      : {
        value: fromConcurrency(concurrency.value),
        lower: Math.min(fromBlocks, fromConcurrency(concurrency.lower)),
        upper: Math.max(fromBlocks, fromConcurrency(concurrency.upper)),
      };
  return { blocks, tokens, concurrency };
}

// ---------------------------------------------------------------- weights

/** Bytes per parameter of a dtype class. */
interface DtypeBytes {
  readonly linear: number;
  readonly experts: Range;
  readonly other: number;
}

// FP8 block quantization: 1 byte per weight plus one float32 scale per 128x128 block
// (`weight_block_size: [128, 128]` in DeepSeek-V3's config.json quantization_config).
const FP8_LINEAR = 1 + 4 / (128 * 128);
// MXFP4 (OCP Microscaling): 4-bit values plus one 8-bit E8M0 scale per 32 values = 4.25 bits.
const MXFP4 = 4.25 / 8;

function dtypeBytes(dtype: CheckpointDtype): DtypeBytes {
  switch (dtype) {
    case CheckpointDtype.BFLOAT16:
    case CheckpointDtype.FLOAT16:
      return { linear: 2, experts: exact(2), other: 2 };
    case CheckpointDtype.FP8:
      return { linear: FP8_LINEAR, experts: exact(FP8_LINEAR), other: 2 };
    case CheckpointDtype.MXFP4:
      return { linear: 2, experts: exact(MXFP4), other: 2 };
  }
}

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

/**
 * How the routed experts of a MoE layer are placed. vLLM's fused MoE layer spans every rank of the replica's
 * data-parallel group: it flattens TP across DP (tp x dp ranks, `FusedMoEParallelConfig.flatten_tp_across_dp_and_pcp`);
 * without expert parallelism each rank holds a 1/(tp x dp) slice of every expert, with it ep_size = tp x dp and each
 * rank holds whole experts ("In EP, each device owns a set of experts fully", `FusedMoEParallelConfig.make`,
 * vllm-project/vllm@002d607 vllm/model_executor/layers/fused_moe/config.py). Attention, dense MLPs and shared experts
 * stay split by TP alone.
 */
export interface ExpertPlacement {
  /** `--data-parallel-size`. */
  readonly dataParallelSize: number;
  /** `--enable-expert-parallel`. */
  readonly expertParallel: boolean;
  /** EPLB's `num_redundant_experts`: extra physical experts spread over the EP ranks. */
  readonly redundantExperts: number;
  /** `--enable-eplb`: each rank keeps a rearrangement buffer the size of one MoE layer's local experts. */
  readonly eplb?: boolean;
}

/** EPLB buffers at most, in MoE layers of local experts: expert_buffer plus NIXL's send and receive buffers (0.22.0). */
const EPLB_BUFFER_LAYERS_UPPER = 3;

const NO_EXPERT_PARALLELISM: ExpertPlacement = { dataParallelSize: 1, expertParallel: false, redundantExperts: 0 };

/**
 * Weight bytes one rank of one pipeline stage loads. Sharding follows vLLM's layers: column/row-parallel
 * projections split by TP; KV projections hold max(1, kv heads / tp) heads per rank (QKVParallelLinear replicates
 * heads when TP exceeds them); MLA's q_a/kv_a projections, norms and the MoE router are replicated; embeddings
 * (VocabParallelEmbedding) and lm_head split by TP, on the first and the last stage. Routed experts follow
 * `ExpertPlacement`: sliced over tp x dp ranks, or, with expert parallelism, whole experts spread over them
 * (`determine_expert_map`, vllm/model_executor/layers/fused_moe/layer.py: an even split; a remainder goes one each to
 * the first ranks in recent releases and all to the last rank in older ones, so the bounds cover both). MXFP4 experts
 * are padded per rank to the kernel's alignment: hidden and intermediate sizes rounded up to 128 or 256 depending on
 * the backend (`mxfp4_round_up_hidden_size_and_intermediate_size`, vllm/model_executor/layers/fused_moe/oracle/mxfp4.py,
 * 0.22.0 wheel), so the bounds cover both. Every rank also holds the rotary cos/sin caches (`ropeCacheBytes`), which
 * "Model loading took" counts but the checkpoint does not.
 * Two more tensors are made while the model loads, so the KV cache budget loses them too:
 * - MLA with a quantized kv_b_proj (FP8 checkpoints): `MLAAttention.process_weights_after_loading` dequantizes it to
 *   the 16-bit activation dtype (`split_kv_b_proj` -> `get_and_maybe_dequant_weights`) and keeps W_UK_T and W_UV as
 *   views of that copy, next to the FP8 kv_b_proj it still uses for prefill; a 16-bit kv_b_proj is only viewed
 *   (vllm/model_executor/layers/attention/mla_attention.py of the vllm 0.22.0 and 0.32.0 wheels).
 * - EPLB: `EplbState.add_model` allocates `expert_buffer = [torch.empty_like(w) for w in model.expert_weights[0]]`,
 *   one MoE layer's local experts, from `load_model` (vllm/distributed/eplb/eplb_state.py and
 *   vllm/v1/worker/gpu_model_runner.py of the same wheels). That is the value. The upper bound is two layers more:
 *   the 0.22.0 wheel's `NixlEplbCommunicator._init_registered_buffers` (the default communicator wherever NIXL is
 *   installed, `ParallelConfig.__post_init__` in vllm/config/parallel.py) also allocates a send and a receive buffer of
 *   one layer each, and without NIXL the profile run reserves one layer (`needs_profile_buffer_reservation`, the
 *   dummy all_gather in `rearrange_expert_weights_inplace`, vllm/distributed/eplb/rebalance_execute.py), while the
 *   0.32.0 wheel's NIXL communicator registers expert_buffer and the weights in place (eplb_communicator.py).
 */
export function weightBytesPerRank(
  where: string, arch: ModelArchitecture, tp: number, pp: number, stage: number, experts: ExpertPlacement = NO_EXPERT_PARALLELISM,
): Range {
  const layers = arch.numHiddenLayers;
  if (layers === undefined) throw invalid(where, 'model.architecture.numHiddenLayers', undefined, 'is needed to size the weights');
  const stages = layersPerStage(layers, pp);
  const stageLayers = stages[stage];
  const dtype = arch.checkpointDtype ?? CheckpointDtype.BFLOAT16;
  const moe = arch.numExperts !== undefined && (experts.expertParallel || experts.dataParallelSize > 1);
  if (arch.attention === AttentionKind.HYBRID_MAMBA) {
    // The Mamba-2 / gated delta net projections (in_proj, conv1d, out_proj, norms) are not counted from the architecture.
    if (moe) {
      throw invalid(where, experts.expertParallel ? 'enableExpertParallel' : 'dataParallelSize', experts.expertParallel ? true : experts.dataParallelSize,
        'is not sized for hybrid MoE models: the expert split of their weights is not counted (only weightBytes or numParameters, split by TP)');
    }
    if (arch.weightBytes !== undefined) return exact(arch.weightBytes * stageLayers / layers / tp);
    if (arch.numParameters !== undefined && dtype !== CheckpointDtype.MXFP4) {
      return exact(arch.numParameters * dtypeBytes(dtype).linear * stageLayers / layers / tp);
    }
    throw invalid(where, 'model.architecture.weightBytes', undefined,
      'or numParameters is needed to size a hybrid model\'s weights: the Mamba/linear-attention layers\' weights are not counted from the architecture');
  }
  if (moe && (arch.weightBytes !== undefined || arch.hiddenSize === undefined || arch.vocabSize === undefined)) {
    throw invalid(where, experts.expertParallel ? 'enableExpertParallel' : 'dataParallelSize',
      experts.expertParallel ? true : experts.dataParallelSize,
      'needs the expert split of the weights to size them: vLLM places the MoE experts over tensor x data parallel ranks and the rest by TP; ' +
      'give model.architecture hiddenSize, vocabSize, numExperts and moeIntermediateSize instead of weightBytes or numParameters');
  }
  if (arch.weightBytes !== undefined) {
    return plus(plus(exact(arch.weightBytes * stageLayers / layers / tp), mlaDequantizedBytes(arch, tp, stageLayers)), ropeCacheBytes(arch));
  }
  const H = arch.hiddenSize;
  const V = arch.vocabSize;
  const I = arch.intermediateSize;
  if (H === undefined || V === undefined || (I === undefined && arch.numExperts === undefined)) {
    if (arch.numParameters !== undefined && dtype !== CheckpointDtype.MXFP4) {
      return plus(plus(exact(arch.numParameters * dtypeBytes(dtype).linear * stageLayers / layers / tp), mlaDequantizedBytes(arch, tp, stageLayers)),
        ropeCacheBytes(arch));
    }
    throw invalid(where, 'model.architecture', describeMissing(arch),
      'needs hiddenSize, vocabSize and intermediateSize (or numExperts with moeIntermediateSize), or numParameters, or weightBytes, to size the weights');
  }
  const b = dtypeBytes(dtype);
  const nH = arch.numAttentionHeads;
  const hd = arch.headDim ?? H / nH;
  // Attention per layer, per rank.
  let attnLinear: number;
  let attnReplicated = 0;
  if (arch.attention === AttentionKind.MLA) {
    const rope = arch.qkRopeHeadDim ?? 0;
    const nope = arch.qkNopeHeadDim;
    const v = arch.vHeadDim;
    const kvLora = arch.kvLoraRank;
    if (nope === undefined || v === undefined || kvLora === undefined) {
      throw invalid(where, 'model.architecture', describeMissing(arch), 'needs qkNopeHeadDim, vHeadDim and kvLoraRank to size MLA weights');
    }
    const qk = nope + rope;
    const q = arch.qLoraRank !== undefined ? arch.qLoraRank * nH * qk / tp : H * nH * qk / tp;
    attnReplicated = (arch.qLoraRank !== undefined ? H * arch.qLoraRank : 0) + H * (kvLora + rope);
    attnLinear = q + kvLora * nH * (nope + v) / tp + nH * v * H / tp;
  } else {
    const kvPerRank = kvHeadsPerRank(arch, tp);
    attnLinear = H * (nH / tp) * hd + 2 * H * kvPerRank * hd + (nH / tp) * hd * H;
  }
  const norms = 2 * H;
  const E = arch.numExperts;
  const dense = arch.firstDenseLayers ?? 0;
  // Layer indices of this stage, to count dense vs MoE layers (first_k_dense_replace).
  const start = stages.slice(0, stage).reduce((a, x) => a + x, 0);
  const denseInStage = Math.max(0, Math.min(dense, start + stageLayers) - start);
  const moeInStage = E === undefined ? 0 : stageLayers - denseInStage;
  const denseMlp = E === undefined ? stageLayers : denseInStage;
  if (denseMlp > 0 && I === undefined) {
    throw invalid(where, 'model.architecture.intermediateSize', undefined, 'is needed to size dense MLP layers');
  }
  const perDenseMlp = denseMlp > 0 ? 3 * H * I! / tp : 0;
  let expertsPerLayer: Range = exact(0);
  let moeOther = 0;
  if (E !== undefined) {
    const Im = arch.moeIntermediateSize ?? I;
    if (Im === undefined) throw invalid(where, 'model.architecture.moeIntermediateSize', undefined, 'is needed to size MoE experts');
    const shared = (arch.numSharedExperts ?? 0) * 3 * H * Im / tp;
    const ranks = tp * experts.dataParallelSize;
    // Experts on the heaviest rank, and the width of each: whole experts with EP, a 1/ranks slice of all without.
    const physical = E + (experts.expertParallel ? experts.redundantExperts : 0);
    const base = Math.floor(physical / ranks);
    const remainder = physical % ranks;
    const local: Range = experts.expertParallel
      ? { value: Math.ceil(physical / ranks), lower: Math.ceil(physical / ranks), upper: base + remainder }
      : exact(E);
    const width = experts.expertParallel ? Im : Im / ranks;
    if (dtype === CheckpointDtype.MXFP4) {
      const padded = (n: number, h: number, i: number) => n * 3 * roundUp(H, h) * roundUp(width, i) * MXFP4;
      // The value follows the Marlin backend (hidden to 256, intermediate to 128), which vLLM picks on Hopper
      // ("Weight-only FP4 compression will be used leveraging the Marlin kernel", vllm-project/vllm issue #23278).
      expertsPerLayer = { value: padded(local.value, 256, 128), lower: padded(local.lower, 128, 128), upper: padded(local.upper, 256, 256) };
    } else {
      const e = (n: number) => n * 3 * H * width * b.experts.value;
      expertsPerLayer = { value: e(local.value), lower: e(local.lower), upper: e(local.upper) };
    }
    moeOther = shared * b.linear + H * E * b.other;
  }
  const layerFixed = attnLinear * b.linear + attnReplicated * b.linear + norms * b.other;
  const embed = stage === 0 ? V * H / tp * b.other : 0;
  const last = stage === pp - 1;
  // lm_head: its own matrix unless tied; with pipeline stages the last stage holds a copy even when tied.
  const lmHead = last && (!arch.tieWordEmbeddings || pp > 1) ? V * H / tp * b.other : 0;
  const finalNorm = last ? H * b.other : 0;
  const fixed = stageLayers * layerFixed + denseMlp * perDenseMlp * b.linear + moeInStage * moeOther + embed + lmHead + finalNorm;
  // EPLB's rearrangement buffer: one more MoE layer's local experts; up to three with 0.22.0's NIXL staging buffers.
  const eplb = experts.eplb && moeInStage > 0;
  const expertLayers = moeInStage + (eplb ? 1 : 0);
  return plus(plus({
    value: fixed + expertLayers * expertsPerLayer.value,
    lower: fixed + expertLayers * expertsPerLayer.lower,
    upper: fixed + (moeInStage + (eplb ? EPLB_BUFFER_LAYERS_UPPER : 0)) * expertsPerLayer.upper,
  }, mlaDequantizedBytes(arch, tp, stageLayers)), ropeCacheBytes(arch));
}

/**
 * MLA's 16-bit copy of a quantized kv_b_proj on one rank (W_UK_T and W_UV, see `weightBytesPerRank`): kv_lora_rank x
 * heads / tp x (qk_nope_head_dim + v_head_dim) x 2 bytes per layer, the value; 0 for 16-bit checkpoints and for MXFP4
 * ones, whose attention stays 16-bit. The lower bound is a quarter of it, below each case that holds less:
 * - an FP8 checkpoint that left kv_b_proj in 16 bits has no copy, but that kv_b_proj itself weighs twice what the FP8
 *   count gives it (half the copy more);
 * - ROCm's AITER BMMs keep W_K and W_V requantized instead, FP8 (half the copy) or MXFP4 (4.25 / 16 of it)
 *   (`is_aiter_triton_fp8_bmm_enabled` / `is_aiter_triton_fp4_bmm_enabled` in `process_weights_after_loading`,
 *   vllm/model_executor/layers/attention/mla_attention.py of the vllm 0.32.0 wheel).
 */
function mlaDequantizedBytes(arch: ModelArchitecture, tp: number, stageLayers: number): Range {
  if (arch.attention !== AttentionKind.MLA || arch.checkpointDtype !== CheckpointDtype.FP8) return exact(0);
  const { kvLoraRank, qkNopeHeadDim, vHeadDim } = arch;
  if (kvLoraRank === undefined || qkNopeHeadDim === undefined || vHeadDim === undefined) return exact(0);
  const copy = stageLayers * kvLoraRank * (arch.numAttentionHeads / tp) * (qkNopeHeadDim + vHeadDim) * 2;
  return { value: copy, lower: copy / 4, upper: copy };
}

const plus = (a: Range, b: Range): Range => ({ value: a.value + b.value, lower: a.lower + b.lower, upper: a.upper + b.upper });

/**
 * The rotary embedding caches on one rank. vLLM's rotary layers register a `cos_sin_cache` buffer of positions x
 * rotary_dim (cos and sin, rotary_dim / 2 each) in the model dtype (`RotaryEmbeddingBase.__init__`: `cache.to(dtype)`,
 * `register_buffer`, vllm/model_executor/layers/rotary_embedding/base.py, 0.22.0 and 0.32.0 wheels), built on the GPU
 * inside the loader's `with target_device` (vllm/model_executor/model_loader/base_loader.py), so "Model loading took"
 * counts it; it is not sharded. `get_rope` (rotary_embedding/__init__.py) caches instances by head size, rotary dim,
 * max_position, neox style, rope parameters and dtype, so the layers of a model share one cache per distinct parameter set:
 * the vLLM 0.19.0 logs count 'rotary_embedding': 1 instance for Llama, Qwen, Mistral, Phi, Gemma 2, gpt-oss and
 * DeepSeek-V2-Lite, 2 for gemma-3-4b/12b/27b-it ("disabled custom ops", llm-d-incubation/llm-d-planner@d3121e0
 * accuracy/results/v0.19.0/logs).
 * positions: `max_position_embeddings` (llama.py, qwen2.py, qwen3.py, mixtral.py, gemma2.py, gemma3.py pass it; llama3
 * rope keeps it), or original_max_position_embeddings x factor for YaRN (`YaRNScalingRotaryEmbedding`,
 * `DeepseekScalingRotaryEmbedding._compute_cos_sin_cache`), which the configs of the catalogued YaRN models equal to
 * max_position_embeddings. rotary_dim: the head size, qk_rope_head_dim for MLA (deepseek_v2.py).
 * Not carried by the architecture, so `ropeCacheBytes` overrides the rule: a second parameter set (Gemma 3's local
 * rope_local_base_freq), a float32 cache (gpt_oss.py passes dtype=torch.float32), partial_rotary_factor, longrope's
 * two caches. Bounds: MLA's `DeepseekScalingRotaryEmbedding` skips the dtype conversion when it uses FlashInfer's
 * rope kernel (`use_flashinfer`: the custom op enabled, which the default compiled mode's `custom_ops: ['none']` is not,
 * CUDA, FlashInfer installed, head size 64/128/256/512), a float32 cache; models with sliding-window layers may have a
 * second parameter set for those layers (Gemma 3).
 * Without maxPositionEmbeddings (or a head size) the cache is unknown and nothing is counted.
 */
export function ropeCacheBytes(arch: ModelArchitecture): Range {
  if (arch.ropeCacheBytes !== undefined) return exact(arch.ropeCacheBytes);
  const positions = arch.maxPositionEmbeddings;
  if (positions === undefined) return exact(0);
  const mla = arch.attention === AttentionKind.MLA;
  const rotaryDim = mla ? arch.qkRopeHeadDim ?? 0 : arch.headDim ?? (arch.hiddenSize ?? 0) / arch.numAttentionHeads;
  // bfloat16/float16: FP8 and MXFP4 checkpoints run with a 16-bit model dtype too.
  const one = positions * rotaryDim * 2;
  const twice = mla || arch.slidingWindow !== undefined;
  return { value: one, lower: one, upper: twice ? 2 * one : one };
}

function describeMissing(arch: ModelArchitecture): string {
  const keys = ['hiddenSize', 'vocabSize', 'intermediateSize', 'numExperts', 'moeIntermediateSize', 'qkNopeHeadDim', 'vHeadDim', 'kvLoraRank'] as const;
  return keys.filter(k => arch[k] === undefined).map(k => `${k}: undefined`).join(', ');
}

// ---------------------------------------------------------------- measured terms, estimated

/**
 * The activation peak of `profile_run` (torch peak increase): vLLM runs a dummy forward pass of
 * max_num_batched_tokens tokens and a dummy sampler pass of max_num_seqs sequences over the full vocabulary
 * (vllm/v1/worker/gpu_model_runner.py `profile_run`, `_dummy_sampler_run`). Estimated as the larger of the two
 * (lower bound, x0.9) up to their sum (upper bound, x1.1): the sampler term is about 15 bytes per sequence and
 * vocabulary entry (float32 logits plus softmax/top-k temporaries); the forward term counts the MLP (or fused MoE
 * intermediate caches: top-k x (2 x moe_intermediate + moe_intermediate + hidden)) and four hidden-sized buffers
 * per token in bf16. Calibration (llm-d-planner v0.19.0 H100 logs, results_raw.csv): Llama-3.1-8B 1.89 GiB,
 * Qwen3-8B 2.21, Qwen3-30B-A3B 2.68, Mixtral-8x7B TP2 1.21, gpt-oss-20b TP2 2.87: all inside the bounds.
 */
export function activationBytes(arch: ModelArchitecture, tp: number, maxNumBatchedTokens: number, maxNumSeqs: number, lastStage = true): Range {
  const H = arch.hiddenSize ?? 0;
  const V = arch.vocabSize ?? 0;
  // Only the last pipeline stage samples (llm-d-planner PP2 log: 1.10 GiB on the first stage vs 1.89 GiB without PP).
  const sampler = lastStage ? maxNumSeqs * V * 15 : 0;
  const nH = arch.numAttentionHeads;
  const hd = arch.headDim ?? (H ? H / nH : 0);
  const qkv = (nH / tp + 2 * kvHeadsPerRank(arch, tp)) * hd * 2;
  let mlp: number;
  if (arch.numExperts !== undefined) {
    const Im = (arch.moeIntermediateSize ?? arch.intermediateSize ?? 0) / tp;
    mlp = (arch.numExpertsPerToken ?? 1) * (3 * Im + H) * 2;
  } else {
    mlp = 3 * (arch.intermediateSize ?? 0) / tp * 2;
  }
  const forward = maxNumBatchedTokens * (mlp + 4 * H * 2 + qkv);
  const lower = Math.max(sampler, forward) * 0.9;
  const upper = (sampler + forward) * 1.1;
  const value = Math.max(sampler, forward) + 0.25 * Math.min(sampler, forward);
  return { value, lower, upper };
}

/**
 * Memory allocated outside PyTorch during profiling (CUDA context growth, NCCL and custom all-reduce buffers):
 * 0.24-0.27 GiB for one GPU (0.46 GiB on two Granite runs) and 2.06-2.21 GiB with TP 2 or 4 in the llm-d-planner
 * v0.19.0 H100 logs; 0.07 GiB per stage with PP and TP 1.
 */
export function nonTorchBytes(tp: number, pp = 1): Range {
  if (tp === 1 && pp > 1) return { value: 0.07 * GIB, lower: 0.03 * GIB, upper: 0.5 * GIB };
  if (tp === 1) return { value: 0.25 * GIB, lower: 0.05 * GIB, upper: 0.5 * GIB };
  return { value: 2.1 * GIB, lower: 1.9 * GIB, upper: 2.4 * GIB };
}

// ---------------------------------------------------------------- all-to-all buffers of expert parallelism

// DeepEP's constants: deepseek-ai/DeepEP@73b6ea4a (csrc/kernels/configs.cuh, csrc/deep_ep.cpp) and the same values at
// deepseek-ai/DeepEP@d4f41e4e (csrc/kernels/legacy/compiled.cuh, csrc/legacy/buffer.hpp): the two commits vLLM's
// tools/ep_kernels/install_python_libraries.sh has pinned (DEEPEP_COMMIT_HASH).
const MIB = 1024 ** 2;
/** `Buffer::Buffer` cudaMallocs a 32 MiB workspace (NUM_WORKSPACE_BYTES) whatever the mode. */
const DEEPEP_WORKSPACE_BYTES = 32 * MIB;
/** ... and after the NVLink buffer: barrier signals, buffer pointers and signal pointers of NUM_MAX_NVL_PEERS = 8. */
const DEEPEP_NVL_METADATA_BYTES = 8 * 4 + 8 * 8 + 8 * 8;
/** NUM_BUFFER_ALIGNMENT_BYTES. */
const DEEPEP_ALIGNMENT = 128;
/** NUM_MAX_NVL_PEERS: more EP ranks than this need RDMA between them. */
const DEEPEP_MAX_NVL_PEERS = 8;
/**
 * deep_ep/buffer.py sets NVSHMEM_CUMEM_GRANULARITY = 2^29 ("NVSHMEM initialization requires at least 256 MiB"): the
 * symmetric heap may map whole 512 MiB granules, and NVSHMEM's own state up to 256 MiB, so the upper bound adds both.
 */
const NVSHMEM_GRANULARITY = 2 ** 29;
const NVSHMEM_INIT_BYTES = 2 ** 28;
/** VLLM_DEEPEP_BUFFER_SIZE_MB defaults to "1024" (vllm/envs.py of the vllm 0.22.0 and 0.32.0 wheels). */
export const DEFAULT_DEEPEP_BUFFER_SIZE_MB = 1024;
/** The environment variable, read by vLLM's DeepEP all-to-all managers (vllm/distributed/device_communicators/all2all.py). */
export const DEEPEP_BUFFER_SIZE_ENV = 'VLLM_DEEPEP_BUFFER_SIZE_MB';
/** DeepEPLLPrepareAndFinalize.SUPPORTED_HIDDEN_SIZES (vllm/model_executor/layers/fused_moe/prepare_finalize/deepep_ll.py, 0.22.0 and 0.32.0). */
const DEEPEP_LL_HIDDEN_SIZES = [2048, 2560, 3072, 4096, 5120, 6144, 7168, 8192];

/**
 * `get_low_latency_rdma_size_hint(num_max_dispatch_tokens_per_rank, hidden, num_ranks, num_experts)`: the bytes of
 * `LowLatencyLayout` (deepseek-ai/DeepEP@73b6ea4a csrc/config.hpp; the same at d4f41e4e csrc/legacy/config.hpp): two
 * (odd/even) send buffers of max(tokens x dispatch message, experts x tokens x combine message), two receive buffers of
 * experts x tokens x max(dispatch, combine message), two signalling buffers of experts x int (aligned to 128), then
 * `((bytes + 128) / 128) * 128`. A dispatch message is an int4 plus max(hidden bf16, hidden FP8 + hidden / 128 float
 * scales); a combine message hidden bf16 plus hidden / 128 bfloat162 (4 bytes).
 */
export function deepEpLowLatencyRdmaBytes(tokens: number, hidden: number, experts: number): number {
  const scales = Math.floor(hidden / 128);
  const dispatch = 16 + Math.max(hidden * 2, hidden + scales * 4);
  const combine = scales * 4 + hidden * 2;
  const send = Math.max(tokens * dispatch, experts * tokens * combine);
  const recv = experts * tokens * Math.max(dispatch, combine);
  const signalling = roundUp(experts * 4, DEEPEP_ALIGNMENT);
  const total = 2 * send + 2 * recv + 2 * signalling;
  return Math.floor((total + DEEPEP_ALIGNMENT) / DEEPEP_ALIGNMENT) * DEEPEP_ALIGNMENT;
}

/** The all-to-all backend names the planner sizes (`--all2all-backend`, vllm/config/parallel.py All2AllBackend). */
export const ALLGATHER_REDUCESCATTER = 'allgather_reducescatter';
export const DEEPEP_HIGH_THROUGHPUT = 'deepep_high_throughput';
export const DEEPEP_LOW_LATENCY = 'deepep_low_latency';

/** vLLM builds all-to-all kernels only with expert parallelism over more than one DP rank (`use_all2all_kernels`). */
export function usesAll2allKernels(arch: ModelArchitecture, experts: ExpertPlacement): boolean {
  return experts.expertParallel && experts.dataParallelSize > 1 && arch.numExperts !== undefined;
}

/**
 * GPU memory of the all-to-all buffers of one rank, allocated outside PyTorch while the model loads (so vLLM's profile
 * counts it as non-torch memory and the KV cache shrinks by it). vLLM creates them only with `use_all2all_kernels`
 * (`dp_size > 1 and use_ep`, FusedMoEParallelConfig in vllm/model_executor/layers/fused_moe/config.py, 0.22.0 and
 * 0.32.0: also `pcp_size > 1` there, which the planner does not model):
 * - allgather_reducescatter: none (NCCL all-gather/reduce-scatter of torch tensors, inside the activation peak);
 * - DeepEP (compat DEEPEP_BUFFER_SIZING): an NVLink buffer of VLLM_DEEPEP_BUFFER_SIZE_MB (cudaMalloc, plus DeepEP's
 *   metadata and 32 MiB workspace), and an NVSHMEM RDMA buffer: high throughput 1024 MiB only when the EP group spans
 *   nodes (`internode`), low latency always `get_low_latency_rdma_size_hint(max_num_batched_tokens, hidden rounded up
 *   to a supported size, EP ranks, routed + redundant experts)`.
 * `internode` undefined: the bounds cover both, the estimate assumes RDMA above 8 EP ranks (DeepEP's NVLink peers).
 */
export function all2allBufferBytes(
  where: string, arch: ModelArchitecture, experts: ExpertPlacement, tp: number, backend: string,
  maxNumBatchedTokens: number, internode: boolean | undefined, bufferMb: number = DEFAULT_DEEPEP_BUFFER_SIZE_MB,
): Range {
  if (!usesAll2allKernels(arch, experts) || backend === ALLGATHER_REDUCESCATTER) return exact(0);
  const VLLM_DEEPEP_BUFFER_BYTES = bufferMb * MIB;
  const nvl = VLLM_DEEPEP_BUFFER_BYTES + DEEPEP_NVL_METADATA_BYTES + DEEPEP_WORKSPACE_BYTES;
  const nvshmem = (rdma: number): Range => rdma === 0
    ? exact(0)
    : { value: rdma, lower: rdma, upper: roundUp(rdma, NVSHMEM_GRANULARITY) + NVSHMEM_INIT_BYTES };
  const add = (a: Range, b: number): Range => ({ value: a.value + b, lower: a.lower + b, upper: a.upper + b });
  if (backend === DEEPEP_HIGH_THROUGHPUT) {
    const across = nvshmem(VLLM_DEEPEP_BUFFER_BYTES);
    if (internode === true) return add(across, nvl);
    if (internode === false) return exact(nvl);
    const ranks = tp * experts.dataParallelSize;
    return { value: nvl + (ranks > DEEPEP_MAX_NVL_PEERS ? across.value : 0), lower: nvl, upper: nvl + across.upper };
  }
  if (backend === DEEPEP_LOW_LATENCY) {
    const H = arch.hiddenSize;
    const hidden = H === undefined ? undefined : DEEPEP_LL_HIDDEN_SIZES.find(h => h >= H);
    if (hidden === undefined) {
      throw invalid(where, 'model.architecture.hiddenSize', H,
        `must be at most ${DEEPEP_LL_HIDDEN_SIZES[DEEPEP_LL_HIDDEN_SIZES.length - 1]} for deepep_low_latency ` +
        '(DeepEPLLPrepareAndFinalize.SUPPORTED_HIDDEN_SIZES, vllm/model_executor/layers/fused_moe/prepare_finalize/deepep_ll.py)');
    }
    const physical = arch.numExperts! + experts.redundantExperts;
    return add(nvshmem(deepEpLowLatencyRdmaBytes(maxNumBatchedTokens, hidden, physical)), nvl);
  }
  throw invalid(where, 'all2allBackend', backend, `is not sized by the planner: one of ${[ALLGATHER_REDUCESCATTER, DEEPEP_HIGH_THROUGHPUT, DEEPEP_LOW_LATENCY].join(', ')}`);
}

/**
 * The CUDA graph memory estimate vLLM subtracts since 0.21.0 (compat CUDA_GRAPH_MEMORY_IN_KV_BUDGET;
 * `profile_cudagraph_memory`): 0.49-1.82 GiB in the llm-d-planner v0.19.0 H100 logs (estimated there, not
 * subtracted). It can be far larger for MoE models with many capture sizes (vllm-project/vllm issue #45178:
 * a 3.1x smaller KV cache on B200), beyond the upper bound used here.
 */
export function cudaGraphBytes(version: VllmVersion): Range {
  const applied = has(version, Capability.CUDA_GRAPH_MEMORY_IN_KV_BUDGET);
  if (!applied) return exact(0);
  return { value: 0.9 * GIB, lower: 0.4 * GIB, upper: 2.0 * GIB };
}

// ---------------------------------------------------------------- engine defaults

/**
 * vLLM's serving defaults for max_num_batched_tokens and max_num_seqs (`EngineArgs.get_batch_defaults`,
 * vllm/engine/arg_utils.py, OPENAI_API_SERVER): 8192 tokens / 1024 sequences on GPUs with >= 70 GiB other than
 * A100, else 2048 / 256; 0.32.0 adds 16384 / 1024 from 160 GiB (compat BATCH_DEFAULTS_160_GIB).
 */
export function batchDefaults(version: VllmVersion, deviceBytes: number, deviceName: string): { tokens: number; seqs: number; note?: string } {
  const large = deviceBytes >= 70 * GIB && !/a100/i.test(deviceName);
  if (deviceBytes >= 160 * GIB) {
    const rule = known(version, Capability.BATCH_DEFAULTS_160_GIB);
    if (rule === true) return { tokens: 16384, seqs: 1024 };
    if (rule === undefined) {
      return {
        tokens: 16384,
        seqs: 1024,
        note: `maxNumBatchedTokens unset: vLLM ${version}'s default on GPUs with >= 160 GiB is not confirmed (8192 in 0.22.0, 16384 in 0.32.0); planned with 16384`,
      };
    }
  }
  return large ? { tokens: 8192, seqs: 1024 } : { tokens: 2048, seqs: 256 };
}

/** max_num_batched_tokens and max_num_seqs as an engine runs them. */
export interface SettledBatch {
  readonly tokens: number;
  readonly seqs: number;
  readonly notes: string[];
}

/**
 * What vLLM makes of unset batch limits (`EngineArgs._set_default_max_num_seqs_and_batched_tokens_args`,
 * vllm/engine/arg_utils.py; the same in the 0.12.0, 0.14.0, 0.18.0 and 0.19.0 sdists and the 0.22.0 and 0.32.0
 * wheels), after the serving defaults (doubled with `--performance-mode throughput`, 0.17.0+): a default token budget is raised to max_model_len without chunked prefill (a
 * prompt is scheduled whole) and capped at max_num_seqs x max_model_len; a default max_num_seqs is capped at the token
 * budget. Values the user set are kept as they are; a set token budget below max_model_len without chunked prefill is
 * one vLLM refuses to start with (`SchedulerConfig.verify_max_model_len`, vllm/config/scheduler.py, 0.32.0 wheel).
 */
export function settleBatch(
  where: string, tokens: number | undefined, seqs: number | undefined, defaults: { tokens: number; seqs: number },
  maxModelLen: number, chunkedPrefill: boolean, throughput = false,
): SettledBatch {
  if (tokens !== undefined && !chunkedPrefill && tokens < maxModelLen) {
    throw startupRefusal(where, 'maxNumBatchedTokens', tokens,
      `must be >= maxModelLen (${maxModelLen}) when enableChunkedPrefill is false: vLLM schedules each prompt whole and refuses to start otherwise ` +
      '("max_num_batched_tokens ... is smaller than max_model_len", vllm/config/scheduler.py verify_max_model_len); raise it or leave it unset');
  }
  const notes: string[] = [];
  // --performance-mode throughput doubles whichever of the two defaults is used, before the caps below.
  const factor = throughput ? 2 : 1;
  if (throughput && (tokens === undefined || seqs === undefined)) {
    notes.push('performanceMode throughput: vLLM doubles the unset maxNumBatchedTokens and maxNumSeqs defaults');
  }
  const seqsBefore = seqs ?? defaults.seqs * factor;
  let settled = tokens ?? defaults.tokens * factor;
  if (tokens === undefined) {
    if (!chunkedPrefill && maxModelLen > settled) {
      notes.push(`maxNumBatchedTokens unset with enableChunkedPrefill false: vLLM raises its default (${settled}) to maxModelLen (${maxModelLen}), ` +
        'so a prompt fits one step (EngineArgs._set_default_max_num_seqs_and_batched_tokens_args)');
      settled = maxModelLen;
    }
    settled = Math.min(seqsBefore * maxModelLen, settled);
  }
  let settledSeqs = seqsBefore;
  if (seqs === undefined && settled < settledSeqs) {
    notes.push(`maxNumSeqs unset: vLLM caps its default (${settledSeqs}) at maxNumBatchedTokens (${settled}) ` +
      '(EngineArgs._set_default_max_num_seqs_and_batched_tokens_args)');
    settledSeqs = settled;
  }
  return { tokens: settled, seqs: settledSeqs, notes };
}
