import { Size } from 'cdk8s';
import { CapacityPlanner, DecodeTier, KvCacheDtype, Model, ModelArchitecture } from '../src';
import { MAMBA2_HYBRID } from './hybrid-fixtures';
import { chart } from './util';
import { statePageBytes } from '../src/private/sizing';

/**
 * Hybrid (attention + Mamba-2 / gated delta net) sizing, against vLLM's formulas worked by hand
 * (vllm/v1/kv_cache_interface.py MambaSpec, vllm/model_executor/layers/mamba/mamba_utils.py MambaStateShapeCalculator,
 * vllm/platforms/interface.py _align_hybrid_block_size, vllm/v1/core/kv_cache_utils.py; 0.22.0 and 0.32.0 wheels) and
 * against a published vLLM log.
 */

const kib = (gib: number) => Size.kibibytes(Math.round(gib * 1024 * 1024));
const QWEN3_NEXT = Model.QWEN3_NEXT_80B_A3B_THINKING.architecture!;

/** The shared synthetic Mamba-2 hybrid, with a parameter count so its weights can be planned. */
const MAMBA2: ModelArchitecture = { ...MAMBA2_HYBRID, numParameters: 7_000_000_000 };

describe('hybrid state pages', () => {
  test('gated delta net (Qwen3-Next): conv (2 x 16 x 128 + 32 x 128) / tp x 3 and recurrent 32 / tp x 128 x 128, bfloat16', () => {
    expect(statePageBytes('t', QWEN3_NEXT, 1)).toBe((8192 * 3 + 32 * 128 * 128) * 2);
    expect(statePageBytes('t', QWEN3_NEXT, 2)).toBe(548_864);
    expect(statePageBytes('t', QWEN3_NEXT, 4)).toBe((2048 * 3 + 8 * 128 * 128) * 2);
  });

  test('Mamba-2: n_groups extended to the TP size, SSM state in float32 when asked', () => {
    // conv_dim = 3072 + 2 x 1 x 128 = 3328; ssm 48 x 64 x 128.
    expect(statePageBytes('t', MAMBA2, 1)).toBe((3328 * 3 + 48 * 64 * 128) * 2);
    // TP 2: n_groups 1 -> 2 (extra_groups_for_head_shards), conv_dim 3072 + 2 x 2 x 128 = 3584, / 2.
    expect(statePageBytes('t', MAMBA2, 2)).toBe((1792 * 3 + 24 * 64 * 128) * 2);
    const fp32 = { ...MAMBA2, mamba2Layers: { ...MAMBA2.mamba2Layers!, ssmStateFloat32: true } };
    expect(statePageBytes('t', fp32, 1)).toBe(3328 * 3 * 2 + 48 * 64 * 128 * 4);
  });
});

describe('hybrid KV cache', () => {
  test('Qwen3-Next-80B-A3B TP2 against a vLLM 0.10.2 log: block size 544, 7,162 blocks, 973,760 tokens, 14.77x', () => {
    // Log of `vllm serve Qwen3-Next-80B-A3B-Instruct --tensor-parallel-size 2` on H200 (vLLM 0.10.2, max model len 262144):
    // "disabling prefix caching since it is not yet supported", "Setting attention block size to 544 tokens", "Padding mamba page
    // size by 1.49%", "Available KV cache memory: 44.59 GiB", "GPU KV cache size: 973,760 tokens", "Maximum concurrency for
    // 262,144 tokens per request: 14.77x". Source: a public copy of that startup log in a GitHub repository, found with this
    // project's code search (file id 7292846353; the index does not name the repository, and no vLLM issue carries this
    // log). The -Instruct release shares the catalogued -Thinking architecture: the logged block size and padding follow from it. By hand: 1 KV head per rank x 256 x 2 (K, V) x 2 bytes
    // = 1,024 bytes per token; state 548,864 bytes -> 16 x cdiv(548,864, 16 x 1,024) = 544 tokens, page 557,056 (+1.49%);
    // 12 attention + 36 delta-net layers -> 4 groups of 12, 6,684,672 bytes a block; a request takes cdiv(262,144, 544) = 482
    // attention blocks + 3 x 1 state blocks = 485; 0.10.2 logs tokens as num_blocks // groups x block size.
    const kv = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: QWEN3_NEXT, tensorParallelSize: 2, availableKvCacheMemory: kib(44.59), vllmVersion: '0.10.2',
    });
    expect(kv.blockSize).toBe(544);
    expect(kv.kvBytesPerToken).toBe(557_056 * 12 / 544);
    expect(kv.numGpuBlocks.value).toBe(7162);
    expect(kv.kvCacheTokens.value).toBe(973_760);
    expect(kv.maxConcurrency.value).toBeCloseTo(14.77, 2);
    expect(kv.requestKvBytes.value).toBe(485 * 557_056 * 12);
    expect(kv.notes.join('\n')).toMatch(/raised to 544 tokens .* gated delta net state page \(548864 bytes.*\n.*padded by 1\.49%.*\n.*Mamba cache mode 'none' \(prefix caching off\)/);
  });

  test('vLLM 0.22.0: prefix caching off for hybrid models by default; tokens from the concurrency', () => {
    const kv = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: QWEN3_NEXT, tensorParallelSize: 2, availableKvCacheMemory: kib(44.59), vllmVersion: '0.22.0',
    });
    expect(kv.numGpuBlocks.value).toBe(7162);
    expect(kv.maxConcurrency.value).toBe(7162 / 485);
    expect(kv.kvCacheTokens.value).toBe(Math.floor(7162 / 485 * 262_144));
  });

  test("vLLM 0.32.0: prefix caching on by default, Mamba cache mode 'align' holds 2 state blocks per group", () => {
    const kv = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: QWEN3_NEXT, tensorParallelSize: 2, availableKvCacheMemory: kib(44.59), vllmVersion: '0.32.0',
    });
    expect(kv.maxConcurrency.value).toBe(7162 / (482 + 3 * 2));
    expect(kv.notes.join('\n')).toMatch(/Mamba cache mode 'align' \(prefix caching on\): each gated delta net group holds 2 blocks per request/);
    const off = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: QWEN3_NEXT, tensorParallelSize: 2, availableKvCacheMemory: kib(44.59), vllmVersion: '0.32.0', enablePrefixCaching: false,
    });
    expect(off.maxConcurrency.value).toBe(7162 / 485);
  });

  test('TP 1: 2 KV heads, the same 544-token block; TP 4: 1 KV head per rank, a quarter of the state, 272 tokens; fp8 KV: 1,072', () => {
    const one = CapacityPlanner.fromAvailableKvCacheMemory({ architecture: QWEN3_NEXT, availableKvCacheMemory: Size.gibibytes(10), vllmVersion: '0.22.0' });
    // 2,048 bytes per token; state 1,097,728 -> 16 x cdiv(1,097,728, 32,768) = 544.
    expect(one.blockSize).toBe(544);
    expect(one.kvBytesPerToken).toBe(2048 * 12);
    const four = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: QWEN3_NEXT, tensorParallelSize: 4, availableKvCacheMemory: Size.gibibytes(10), vllmVersion: '0.22.0',
    });
    // 1,024 bytes per token; state 274,432 -> 16 x cdiv(274,432, 16,384) = 272.
    expect(four.blockSize).toBe(272);
    // fp8 KV cache: 1,024 bytes per token at TP 1, the state stays bfloat16 (mamba_cache_dtype auto) -> 16 x cdiv(1,097,728, 16,384) = 1,072.
    const fp8 = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: QWEN3_NEXT, kvCacheDtype: KvCacheDtype.FP8, availableKvCacheMemory: Size.gibibytes(10), vllmVersion: '0.22.0',
    });
    expect(fp8.blockSize).toBe(1072);
  });

  test('a larger --block-size is the alignment: 128 (e.g. for FA4 head_dim 256 kernels) gives 128 x cdiv(548,864, 128 x 1,024) = 640', () => {
    const kv = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: QWEN3_NEXT, tensorParallelSize: 2, blockSize: 128, availableKvCacheMemory: Size.gibibytes(10), vllmVersion: '0.22.0',
    });
    expect(kv.blockSize).toBe(640);
  });

  test('Mamba-2 on 0.32.0 with prefix caching: 3 state blocks per group (2 + the prefill checkpoint block)', () => {
    // TP 1: 4 KV heads x 128 x 2 x 2 = 2,048 bytes per token; state (3328 x 3 + 393,216) x 2 = 806,400 -> 16 x cdiv(806,400, 32,768)
    // = 400 tokens. 4 attention + 36 Mamba layers -> group size 4: 1 attention group and 9 Mamba groups.
    const kv = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: MAMBA2, availableKvCacheMemory: Size.gibibytes(10), maxModelLen: 8192, vllmVersion: '0.32.0',
    });
    expect(kv.blockSize).toBe(400);
    const bytesPerBlock = 400 * 2048 * 4;
    const blocks = Math.floor(10 * 1024 ** 3 / bytesPerBlock);
    expect(kv.numGpuBlocks.value).toBe(blocks);
    expect(kv.maxConcurrency.value).toBe(blocks / (Math.ceil(8192 / 400) + 9 * 3));
    const off = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: MAMBA2, availableKvCacheMemory: Size.gibibytes(10), maxModelLen: 8192, vllmVersion: '0.22.0',
    });
    expect(off.maxConcurrency.value).toBe(blocks / (Math.ceil(8192 / 400) + 9));
  });

  test('plans a hybrid model whose weights are given as numParameters', () => {
    const plan = CapacityPlanner.plan({ architecture: MAMBA2, acceleratorMemory: Size.gibibytes(79), maxModelLen: 8192, vllmVersion: '0.32.0' });
    expect(plan.weightBytesPerRank.value).toBe(7_000_000_000 * 2);
    expect(plan.blockSize).toBe(400);
    expect(plan.maxConcurrency.value).toBeGreaterThan(0);
  });

  test('a decode tier of the catalogued Qwen3-Next is not planned without its weights, and says why', () => {
    const tier = new DecodeTier(chart(), 'Decode', { model: Model.QWEN3_NEXT_80B_A3B_THINKING, tensorParallelSize: 4, maxModelLen: 32768 });
    expect(tier.capacityPlan).toBeUndefined();
    expect(tier._capacity.skipped).toMatch(/'model\.architecture\.weightBytes' \(undefined\) or numParameters is needed to size a hybrid model's weights/);
  });
});

describe('hybrid refusals', () => {
  test('fails for hybrid weights without weightBytes or numParameters', () => {
    expect(() => CapacityPlanner.plan({ architecture: QWEN3_NEXT, tensorParallelSize: 4, acceleratorMemory: Size.gibibytes(79), maxModelLen: 8192 }))
      .toThrow(/'model\.architecture\.weightBytes' \(undefined\) or numParameters is needed to size a hybrid model's weights/);
  });

  test('fails for pipeline parallelism', () => {
    const input = { architecture: QWEN3_NEXT, pipelineParallelSize: 2, availableKvCacheMemory: Size.gibibytes(10) };
    expect(() => CapacityPlanner.fromAvailableKvCacheMemory(input))
      .toThrow(/'pipelineParallelSize' \(2\) above 1 is not sized for hybrid models: which attention and state layers each stage gets depends on layer_types/);
  });

  test('fails for Mamba-2 with prefix caching on vLLM 0.22.0 (Mamba cache mode all)', () => {
    expect(() => CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: MAMBA2, availableKvCacheMemory: Size.gibibytes(10), maxModelLen: 8192, vllmVersion: '0.22.0', enablePrefixCaching: true,
    })).toThrow(/'enablePrefixCaching' \(true\) is not sized for Mamba-2 hybrids on vLLM 0\.22\.0: prefix caching puts them in Mamba cache mode 'all'/);
  });

  test('fails between the confirmed releases without an explicit enablePrefixCaching', () => {
    expect(() => CapacityPlanner.fromAvailableKvCacheMemory({ architecture: QWEN3_NEXT, availableKvCacheMemory: Size.gibibytes(10), vllmVersion: '0.27.0' }))
      .toThrow(/'enablePrefixCaching' \(undefined\) must be set for a hybrid model on vLLM 0\.27\.0: its default for hybrid models is not confirmed/);
    const off = CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: QWEN3_NEXT, availableKvCacheMemory: Size.gibibytes(10), vllmVersion: '0.27.0', enablePrefixCaching: false,
    });
    expect(off.blockSize).toBe(544);
    expect(() => CapacityPlanner.fromAvailableKvCacheMemory({
      architecture: QWEN3_NEXT, availableKvCacheMemory: Size.gibibytes(10), vllmVersion: '0.27.0', enablePrefixCaching: true,
    })).toThrow(/which Mamba cache mode prefix caching picks there is not confirmed/);
  });

  test('fails when the TP size does not divide a sharded state dimension', () => {
    const input = { architecture: QWEN3_NEXT, tensorParallelSize: 64, availableKvCacheMemory: Size.gibibytes(10) };
    expect(() => CapacityPlanner.fromAvailableKvCacheMemory(input))
      .toThrow(/'tensorParallelSize' \(64\) must divide model\.architecture\.gatedDeltaNetLayers\.numValueHeads \(32\)/);
  });

  test('fails for KV transfer budgets of hybrid models', () => {
    expect(() => CapacityPlanner.kvTransfer({ architecture: QWEN3_NEXT, promptTokens: 1000 }))
      .toThrow(/is not sized for KV transfer: a hybrid request also moves its Mamba\/linear-attention state blocks/);
  });

  test('fails for state layers on a non-hybrid model, both families at once, or no attention layers left', () => {
    const gdn = QWEN3_NEXT.gatedDeltaNetLayers!;
    expect(() => Model.of('org/m', { architecture: { numAttentionHeads: 16, numHiddenLayers: 48, gatedDeltaNetLayers: gdn } }))
      .toThrow(/Model: 'architecture\.gatedDeltaNetLayers' \('set'\) needs 'architecture\.attention' AttentionKind\.HYBRID_MAMBA \(got standard\)/);
    expect(() => Model.of('org/m', { architecture: { ...MAMBA2, gatedDeltaNetLayers: gdn } }))
      .toThrow(/'architecture\.gatedDeltaNetLayers' \('set'\) cannot be given together with 'architecture\.mamba2Layers'/);
    expect(() => Model.of('org/m', { architecture: { ...QWEN3_NEXT, gatedDeltaNetLayers: { ...gdn, numLayers: 48 } } }))
      .toThrow(/'architecture\.gatedDeltaNetLayers\.numLayers' \(48\) must be below numHiddenLayers \(48\)/);
  });

  test('fails for plain-JS state layers with a missing or non-integer field', () => {
    const { convKernel: _c, ...partial } = QWEN3_NEXT.gatedDeltaNetLayers!;
    expect(() => Model.of('org/m', { architecture: { ...QWEN3_NEXT, gatedDeltaNetLayers: partial as any } }))
      .toThrow(/gatedDeltaNetLayers\.convKernel' \(undefined\) is required/);
    expect(() => Model.of('org/m', { architecture: { ...MAMBA2, mamba2Layers: { ...MAMBA2.mamba2Layers!, stateSize: 1.5 } } }))
      .toThrow(/mamba2Layers\.stateSize' \(1\.5\)/);
  });
});
