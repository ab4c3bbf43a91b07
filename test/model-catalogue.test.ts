import { Size } from 'cdk8s';
import { CapacityPlanner, DecodeTier, Model } from '../src';
import { chart } from './util';
import { ropeCacheBytes, weightBytesPerRank } from '../src/private/sizing';

/**
 * Catalogue entries added for issue 11: each entry's KV bytes per token and weight bytes, hand-computed from its
 * config.json, and the weights against the parameter count or checkpoint size its doc comment cites.
 */
interface CatalogueCase {
  readonly id: string;
  readonly model: Model;
  readonly name: string;
  /** 2 (K and V) x KV heads x head dim x 2 bytes x layers, at TP 1. */
  readonly kvBytesPerToken: number;
  /**
   * Planned weights at TP 1: 2 bytes x (layers x (q + k + v + o + 3 MLP matrices + 2 norms) + embeddings (+ lm_head) + final norm),
   * plus the rotary caches.
   */
  readonly weightBytes: number;
  /** The cited figure: safetensors total_size (bytes), exact parameters x 2, or a model card's rounded parameter count x 2. */
  readonly sourced: number;
  /** Relative tolerance against `sourced`: biases and per-head norms are not counted; model cards round. */
  readonly tolerance: number;
  /** `sourced` is vLLM's "Model loading took", which counts the rotary caches; a checkpoint size does not. */
  readonly logged?: boolean;
}

const layer = (H: number, heads: number, kv: number, hd: number, I: number) => H * heads * hd + 2 * H * kv * hd + heads * hd * H + 3 * H * I + 2 * H;
const dense = (L: number, H: number, heads: number, kv: number, hd: number, I: number, V: number, tied: boolean) =>
  2 * (L * layer(H, heads, kv, hd, I) + V * H * (tied ? 1 : 2) + H);

// vLLM's rotary cos/sin caches on every rank: caches x positions x rotary dim x 2 bytes (bfloat16), not in the checkpoint.
const rope = (positions: number, dim: number, caches = 1) => caches * positions * dim * 2;

const CASES: CatalogueCase[] = [
  // Qwen2.5: 14.25 GiB logged for the -Instruct release (llm-d-planner v0.19.0 log, see the log cases in capacity-planner.test.ts).
  { id: 'QWEN2_5_7B', model: Model.QWEN2_5_7B, name: 'Qwen/Qwen2.5-7B', kvBytesPerToken: 2 * 4 * 128 * 2 * 28, weightBytes: dense(28, 3584, 28, 4, 128, 18944, 152064, false) + rope(131072, 128), sourced: 14.25 * 1024 ** 3, tolerance: 0.01, logged: true },
  { id: 'QWEN2_5_14B', model: Model.QWEN2_5_14B, name: 'Qwen/Qwen2.5-14B', kvBytesPerToken: 2 * 8 * 128 * 2 * 48, weightBytes: dense(48, 5120, 40, 8, 128, 13824, 152064, false) + rope(131072, 128), sourced: 2 * 14.7e9, tolerance: 0.01 },
  { id: 'QWEN2_5_32B', model: Model.QWEN2_5_32B, name: 'Qwen/Qwen2.5-32B', kvBytesPerToken: 2 * 8 * 128 * 2 * 64, weightBytes: dense(64, 5120, 40, 8, 128, 27648, 152064, false) + rope(131072, 128), sourced: 2 * 32_763_876_352, tolerance: 1e-4 },
  { id: 'QWEN2_5_72B', model: Model.QWEN2_5_72B, name: 'Qwen/Qwen2.5-72B', kvBytesPerToken: 2 * 8 * 128 * 2 * 80, weightBytes: dense(80, 8192, 64, 8, 128, 29568, 152064, false) + rope(131072, 128), sourced: 2 * 72_706_203_648, tolerance: 1e-4 },
  { id: 'QWEN3_4B', model: Model.QWEN3_4B, name: 'Qwen/Qwen3-4B', kvBytesPerToken: 2 * 8 * 128 * 2 * 36, weightBytes: dense(36, 2560, 32, 8, 128, 9728, 151936, true) + rope(40960, 128), sourced: 2 * 4_022_468_096, tolerance: 1e-4 },
  { id: 'QWEN3_14B', model: Model.QWEN3_14B, name: 'Qwen/Qwen3-14B', kvBytesPerToken: 2 * 8 * 128 * 2 * 40, weightBytes: dense(40, 5120, 40, 8, 128, 17408, 151936, false) + rope(40960, 128), sourced: 2 * 14_768_307_200, tolerance: 1e-4 },
  // Phi-4 and Mistral Small 3 carry no biases or per-head norms: the count equals the checkpoint's total_size exactly.
  { id: 'PHI_4', model: Model.PHI_4, name: 'microsoft/phi-4', kvBytesPerToken: 2 * 10 * 128 * 2 * 40, weightBytes: dense(40, 5120, 40, 10, 128, 17920, 100352, false) + rope(16384, 128), sourced: 29_319_014_400, tolerance: 0 },
  // Mistral-7B-v0.3 has no biases or per-head norms either: 2 x 7,248,023,552 parameters (keras-hub preset), to the byte.
  { id: 'MISTRAL_7B_INSTRUCT_V0_3', model: Model.MISTRAL_7B_INSTRUCT_V0_3, name: 'mistralai/Mistral-7B-Instruct-v0.3', kvBytesPerToken: 2 * 8 * 128 * 2 * 32, weightBytes: dense(32, 4096, 32, 8, 128, 14336, 32768, false) + rope(32768, 128), sourced: 2 * 7_248_023_552, tolerance: 0 },
  { id: 'MISTRAL_SMALL_24B_INSTRUCT_2501', model: Model.MISTRAL_SMALL_24B_INSTRUCT_2501, name: 'mistralai/Mistral-Small-24B-Instruct-2501', kvBytesPerToken: 2 * 8 * 128 * 2 * 40, weightBytes: dense(40, 5120, 32, 8, 128, 32768, 131072, false) + rope(32768, 128), sourced: 47_144_806_400, tolerance: 0 },
  // Gemma 2: 21 sliding + 21 full layers form two KV groups of 21 (kvBytesPerToken is per group); four norms per layer, two counted.
  {
    id: 'GEMMA_2_9B_IT',
    model: Model.GEMMA_2_9B_IT,
    name: 'google/gemma-2-9b-it',
    kvBytesPerToken: 2 * 8 * 256 * 2 * 21,
    weightBytes: dense(42, 3584, 16, 8, 256, 14336, 256000, true) + rope(8192, 256),
    sourced: 18_483_411_968,
    tolerance: 1e-4,
  },
  // Gemma 3 1B: 4 full + 22 sliding layers; group size 4 (22 >= 1.5 x 4), so 1 full and 6 sliding groups (2 padding layers).
  // kvBytesPerToken is per group of 4. Uncounted: two more norms per layer and the q/k norms (26 x (2 x 1152 + 2 x 256) = 73,216).
  {
    id: 'GEMMA_3_1B_IT',
    model: Model.GEMMA_3_1B_IT,
    name: 'google/gemma-3-1b-it',
    kvBytesPerToken: 2 * 1 * 256 * 2 * 4,
    weightBytes: dense(26, 1152, 4, 1, 256, 6912, 262144, true) + rope(32768, 256, 2),
    sourced: 2 * 999_885_952,
    tolerance: 1e-4,
  },
  // MLA: one latent vector (kv_lora_rank 512 + qk_rope_head_dim 64) per token and layer. Weights: attention (q 2048 x 16 x 192, kv_a
  // 2048 x 576, kv_b 512 x 16 x 256, o 16 x 128 x 2048), one dense MLP, 26 MoE layers of 64 + 2 shared experts and a router.
  {
    id: 'DEEPSEEK_V2_LITE_CHAT',
    model: Model.DEEPSEEK_V2_LITE_CHAT,
    name: 'deepseek-ai/DeepSeek-V2-Lite-Chat',
    kvBytesPerToken: (512 + 64) * 2 * 27,
    weightBytes: 2 * (27 * (2048 * 16 * 192 + 2048 * 576 + 512 * 16 * 256 + 16 * 128 * 2048 + 2 * 2048) + 3 * 2048 * 10944
      + 26 * ((64 + 2) * 3 * 2048 * 1408 + 2048 * 64) + 2 * 102400 * 2048 + 2048),
    sourced: 29.43 * 1024 ** 3,
    tolerance: 0.01,
    logged: true,
  },
];

describe('catalogue entries', () => {
  test.each(CASES.map(c => [c.id, c] as const))('%s: KV bytes per token and weight bytes', (_id, c) => {
    const arch = c.model.architecture!;
    expect(c.model.name).toBe(c.name);
    const kv = CapacityPlanner.fromAvailableKvCacheMemory({ architecture: arch, availableKvCacheMemory: Size.gibibytes(10), maxModelLen: 8192 });
    expect(kv.kvBytesPerToken).toBe(c.kvBytesPerToken);
    const w = weightBytesPerRank('test', arch, 1, 1, 0);
    expect(w.value).toBe(c.weightBytes);
    expect(w.lower).toBe(w.upper);
    // A checkpoint holds the weights without the rotary caches.
    const planned = c.logged ? w.value : w.value - ropeCacheBytes(arch).value;
    expect(Math.abs(planned - c.sourced) / c.sourced).toBeLessThanOrEqual(c.tolerance);
  });

  test('Mistral Small 3 sizes its KV cache with head_dim 128, not hidden_size / heads (160)', () => {
    const kv = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: Model.MISTRAL_SMALL_24B_INSTRUCT_2501.architecture!,
      tensorParallelSize: 2,
      availableKvCacheMemory: Size.gibibytes(10),
      maxModelLen: 8192,
    });
    expect(kv.kvBytesPerToken).toBe(2 * 4 * 128 * 2 * 40);
  });

  test('gemma-3-1b-it: 7 KV groups of 4 layers; a request holds its full group at maxModelLen and 6 window-capped groups', () => {
    const cap = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: Model.GEMMA_3_1B_IT.architecture!,
      availableKvCacheMemory: Size.gibibytes(10),
      maxModelLen: 32768,
      maxNumBatchedTokens: 8192,
      vllmVersion: '0.22.0',
    });
    // Full group: 32768 / 16 = 2048 blocks; sliding (0.22.0): cdiv(min(511 + 8192, 32768), 16) + 1 = 545 blocks, times 6.
    expect(cap.maxConcurrency.value).toBeCloseTo(cap.numGpuBlocks.value / (2048 + 6 * 545), 6);
    expect(cap.numGpuBlocks.value).toBe(Math.floor(10 * 1024 ** 3 / (16 * 2 * 1 * 256 * 2 * 4)));
  });

  test.each([
    ['MISTRAL_7B_INSTRUCT_V0_3', Model.MISTRAL_7B_INSTRUCT_V0_3],
    ['GEMMA_3_1B_IT', Model.GEMMA_3_1B_IT],
  ] as const)('%s plans on one GPU at its full 32768-token context by default', (_id, model) => {
    const tier = new DecodeTier(chart(), 'Decode', { model });
    expect(tier._capacity.skipped).toBeUndefined();
    expect(tier.capacityPlan?.maxModelLen).toBe(32768);
    expect(tier.capacityPlan!.maxConcurrency.value).toBeGreaterThan(1);
  });

  test('fails: phi-4 at tensorParallelSize 4, which neither divides nor is a multiple of its 10 KV heads', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model: Model.PHI_4, tensorParallelSize: 4 }))
      .toThrow(/'tensorParallelSize' \(4\) must divide, or be a multiple of, the number of KV heads of microsoft\/phi-4 \(10\)/);
  });

  test('a DeepSeek-V2-Lite-Chat tier without maxModelLen is not planned, and says why', () => {
    const tier = new DecodeTier(chart(), 'Decode', { model: Model.DEEPSEEK_V2_LITE_CHAT });
    expect(tier.capacityPlan).toBeUndefined();
    expect(tier._capacity.skipped).toMatch(/'maxModelLen' \(undefined\) is needed: the architecture has no maxPositionEmbeddings/);
    expect(new DecodeTier(chart(), 'Decode2', { model: Model.DEEPSEEK_V2_LITE_CHAT, maxModelLen: 8192 }).capacityPlan).toBeDefined();
  });

  test('TP shards the weights: Qwen2.5-72B at TP 4 holds a quarter of the matrices and embeddings, and every norm', () => {
    const arch = Model.QWEN2_5_72B.architecture!;
    // RMSNorm weights (2 per layer + the final one, hidden_size each) are replicated, not split.
    const norms = 2 * 8192 * (2 * 80 + 1);
    // The rotary cache (131072 positions x 128) is replicated too.
    expect(weightBytesPerRank('test', arch, 4, 1, 0).value).toBe(dense(80, 8192, 64, 8, 128, 29568, 152064, false) / 4 + norms * 3 / 4 + rope(131072, 128));
  });
});

describe('rotary embedding caches (vLLM cos_sin_cache buffers, counted in "Model loading took")', () => {
  const MIB = 1024 ** 2;

  test('Llama-3.1-8B: one cache of 131072 positions x 128 in bfloat16, 32 MiB on every rank and pipeline stage', () => {
    const arch = Model.LLAMA_3_1_8B_INSTRUCT.architecture!;
    expect(ropeCacheBytes(arch)).toEqual({ value: 32 * MIB, lower: 32 * MIB, upper: 32 * MIB });
    // Replicated, not split by TP, and on every pipeline stage.
    const ropeOf = (tp: number, pp: number, stage: number) =>
      weightBytesPerRank('test', arch, tp, pp, stage).value - weightBytesPerRank('test', { ...arch, ropeCacheBytes: 0 }, tp, pp, stage).value;
    expect(ropeOf(4, 1, 0)).toBe(32 * MIB);
    expect(ropeOf(1, 2, 0)).toBe(32 * MIB);
    expect(ropeOf(1, 2, 1)).toBe(32 * MIB);
  });

  test('gemma-3-1b-it: two caches (local and global rope bases) of 32768 x 256 in bfloat16, 2 x 16 MiB', () => {
    expect(ropeCacheBytes(Model.GEMMA_3_1B_IT.architecture!)).toEqual({ value: 32 * MIB, lower: 32 * MIB, upper: 32 * MIB });
  });

  test('without ropeCacheBytes: one cache, bounded above by a second one (sliding-window layers) or float32 (MLA)', () => {
    const sliding = { numAttentionHeads: 8, headDim: 128, maxPositionEmbeddings: 8192, slidingWindow: 1024, slidingWindowLayers: 4 };
    expect(ropeCacheBytes(sliding)).toEqual({ value: 2 * MIB, lower: 2 * MIB, upper: 4 * MIB });
    // DeepSeek-V3: 163840 positions x qk_rope_head_dim 64; float32 when FlashInfer's rope kernel is used.
    expect(ropeCacheBytes(Model.DEEPSEEK_V3.architecture!)).toEqual({ value: 20 * MIB, lower: 20 * MIB, upper: 40 * MIB });
    // No maxPositionEmbeddings: the cache length is unknown, nothing is counted.
    expect(ropeCacheBytes(Model.DEEPSEEK_V2_LITE_CHAT.architecture!)).toEqual({ value: 0, lower: 0, upper: 0 });
    expect(ropeCacheBytes({ numAttentionHeads: 8, hiddenSize: 1024, maxPositionEmbeddings: 4096, ropeCacheBytes: 0 }).value).toBe(0);
  });

  test('fails: a negative ropeCacheBytes', () => {
    expect(() => Model.of('org/model', { architecture: { numAttentionHeads: 8, ropeCacheBytes: -1 } })).toThrow(/ropeCacheBytes/);
  });
});
