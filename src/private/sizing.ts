/**
 * Capacity sizing: the arithmetic vLLM's V1 engine does at startup, as pure functions of a model architecture
 * and the engine settings. The exact rules (KV page sizes, block rounding, hybrid groups, weight sharding)
 * follow vLLM's source, cited per function; the terms vLLM measures on the GPU (activation peak, non-torch
 * memory, CUDA graph memory) are estimates with a lower and an upper bound, calibrated on published vLLM logs
 * (llm-d-incubation/llm-d-planner@d3121e0 accuracy/results/v0.19.0/results_raw.csv, 57 H100 runs).
 *
 * Version-dependent rules read src/private/compat.ts; nothing here compares versions.
 */
import { Capability, has, known } from './compat';
import { invalid } from './errors';
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
  const fullLayers = stageLayers - sliding;
  const min = Math.min(sliding, fullLayers);
  const max = Math.max(sliding, fullLayers);
  const groupSize = max < min * 1.5 ? max : min;
  const fullGroups = cdiv(fullLayers, groupSize);
  const slidingGroups = cdiv(sliding, groupSize);
  const swa = slidingBlocks(s, arch.slidingWindow);
  const groups: KvGroup[] = [
    ...new Array(fullGroups).fill({ layers: groupSize, blocksPerRequest: exact(full) }),
    ...new Array(slidingGroups).fill({ layers: groupSize, blocksPerRequest: swa }),
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
}

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
  if (moe && (arch.weightBytes !== undefined || arch.hiddenSize === undefined || arch.vocabSize === undefined)) {
    throw invalid(where, experts.expertParallel ? 'enableExpertParallel' : 'dataParallelSize',
      experts.expertParallel ? true : experts.dataParallelSize,
      'needs the expert split of the weights to size them: vLLM places the MoE experts over tensor x data parallel ranks and the rest by TP; ' +
      'give model.architecture hiddenSize, vocabSize, numExperts and moeIntermediateSize instead of weightBytes or numParameters');
  }
  if (arch.weightBytes !== undefined) {
    return plus(exact(arch.weightBytes * stageLayers / layers / tp), ropeCacheBytes(arch));
  }
  const H = arch.hiddenSize;
  const V = arch.vocabSize;
  const I = arch.intermediateSize;
  if (H === undefined || V === undefined || (I === undefined && arch.numExperts === undefined)) {
    if (arch.numParameters !== undefined && dtype !== CheckpointDtype.MXFP4) {
      return plus(exact(arch.numParameters * dtypeBytes(dtype).linear * stageLayers / layers / tp), ropeCacheBytes(arch));
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
  return plus({
    value: fixed + moeInStage * expertsPerLayer.value,
    lower: fixed + moeInStage * expertsPerLayer.lower,
    upper: fixed + moeInStage * expertsPerLayer.upper,
  }, ropeCacheBytes(arch));
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
