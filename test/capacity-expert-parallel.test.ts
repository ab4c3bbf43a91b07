import { Size } from 'cdk8s';
import { Accelerator, CapacityPlanner, DecodeTier, Model, ModelArchitecture } from '../src';
import { chart } from './util';
import { weightBytesPerRank } from '../src/private/sizing';

/**
 * Weights per rank with expert parallelism and data parallelism. vLLM's fused MoE layer spans tensor x data parallel
 * ranks; without EP each rank holds a 1/(tp x dp) slice of every expert, with EP whole experts
 * (vllm-project/vllm@002d607 vllm/model_executor/layers/fused_moe/config.py `FusedMoEParallelConfig.make`).
 */
const arch = (m: Model): ModelArchitecture => m.architecture!;
const FP8 = 1 + 4 / (128 * 128);
// One DeepSeek-V3 routed expert (gate, up, down: 3 x hidden 7168 x moe_intermediate 2048), block FP8.
const DSV3_EXPERT = 3 * 7168 * 2048 * FP8;
const DSV3_MOE_LAYERS = 61 - 3;
const ep = (dp: number, redundant = 0) => ({ dataParallelSize: dp, expertParallel: true, redundantExperts: redundant });
const noEp = (dp: number) => ({ dataParallelSize: dp, expertParallel: false, redundantExperts: 0 });

describe('capacity planning with expert parallelism', () => {
  test('DeepSeek-V3 over 16 EP ranks: 256 / 16 = 16 whole experts per rank, the same bytes as 1/16 slices of all 256', () => {
    const sliced = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, noEp(16)).value;
    const whole = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, ep(16)).value;
    expect(whole).toBeCloseTo(sliced, 0);
    // Against one engine that holds every expert: 240 experts fewer in each of the 58 MoE layers.
    const all = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0).value;
    expect(all - whole).toBeCloseTo(DSV3_MOE_LAYERS * (256 - 16) * DSV3_EXPERT, 0);
  });

  test('EPLB redundant experts add whole experts per rank: 32 over 16 ranks = 2 more in each MoE layer', () => {
    const base = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, ep(16)).value;
    const redundant = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, ep(16, 32)).value;
    expect(redundant - base).toBeCloseTo(DSV3_MOE_LAYERS * 2 * DSV3_EXPERT, 0);
  });

  test('attention, shared experts and the dense layers stay split by TP alone', () => {
    // TP 2 x DP 8 vs TP 1 x DP 16: the same 16 EP ranks, so the same experts; everything else halves.
    const tp1 = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, ep(16)).value;
    const tp2 = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 2, 1, 0, ep(8)).value;
    const experts = DSV3_MOE_LAYERS * 16 * DSV3_EXPERT;
    // Replicated per rank at any TP: MLA's q_a/kv_a projections, norms (incl. q_a/kv_a norms, not counted), the router, and the
    // rotary cache (163840 positions x qk_rope_head_dim 64 in bfloat16).
    const replicated = 61 * ((7168 * 1536 + 7168 * (512 + 64)) * FP8 + 2 * 7168 * 2) + DSV3_MOE_LAYERS * 7168 * 256 * 2 + 7168 * 2
      + 163840 * 64 * 2;
    expect(tp2 - experts - replicated).toBeCloseTo((tp1 - experts - replicated) / 2, 0);
  });

  test('MXFP4 experts with EP are padded at their full width: gpt-oss-120b over 2 ranks', () => {
    const r = weightBytesPerRank('t', arch(Model.GPT_OSS_120B), 2, 1, 0, ep(1));
    const mxfp4 = 4.25 / 8;
    const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;
    const tpOnly = weightBytesPerRank('t', arch(Model.GPT_OSS_120B), 2, 1, 0);
    // 64 whole experts of intermediate 2880 (Marlin: hidden to 256, intermediate to 128) vs 128 halves of 1440.
    const epExperts = 36 * 64 * 3 * roundUp(2880, 256) * roundUp(2880, 128) * mxfp4;
    const tpExperts = 36 * 128 * 3 * roundUp(2880, 256) * roundUp(1440, 128) * mxfp4;
    expect(tpOnly.value - r.value).toBeCloseTo(tpExperts - epExperts, 0);
  });

  test('an uneven split: the heaviest rank holds ceil(E / ranks), or the whole remainder in older releases (upper bound)', () => {
    // Mixtral-8x7B: 8 experts over 3 ranks -> 3, 3, 2 (recent vLLM) or 2, 2, 4 (older: the remainder on the last rank).
    const r = weightBytesPerRank('t', arch(Model.MIXTRAL_8X7B_V0_1), 1, 1, 0, ep(3));
    const expert = 3 * 4096 * 14336 * 2;
    expect(r.value - r.lower).toBe(0);
    expect(r.upper - r.value).toBe(32 * expert);
    const even = weightBytesPerRank('t', arch(Model.MIXTRAL_8X7B_V0_1), 1, 1, 0, ep(4));
    expect(r.value - even.value).toBe(32 * expert);
  });

  test('data parallelism without EP slices the experts over tp x dp ranks too', () => {
    const one = weightBytesPerRank('t', arch(Model.QWEN3_30B_A3B), 1, 1, 0).value;
    const four = weightBytesPerRank('t', arch(Model.QWEN3_30B_A3B), 1, 1, 0, noEp(4)).value;
    const experts = 48 * 128 * 3 * 2048 * 768 * 2;
    expect(one - four).toBe(experts * 3 / 4);
  });

  test('dense models are unaffected by expert parallelism and data parallelism', () => {
    const a = weightBytesPerRank('t', arch(Model.QWEN3_8B), 2, 1, 0).value;
    expect(weightBytesPerRank('t', arch(Model.QWEN3_8B), 2, 1, 0, ep(4)).value).toBe(a);
  });

  test('the plan carries the EP split and says so', () => {
    const plan = CapacityPlanner.plan({
      architecture: arch(Model.DEEPSEEK_V3),
      acceleratorMemory: Size.gibibytes(139),
      dataParallelSize: 16,
      enableExpertParallel: true,
      numRedundantExperts: 32,
      gpuMemoryUtilization: 0.9,
      maxModelLen: 32768,
    });
    expect(plan.weightBytesPerRank.value).toBe(weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, ep(16, 32)).value);
    expect(plan.notes.join('\n')).toMatch(/the 288 experts are placed whole over 16 ranks/);
  });

  test('an expert-parallel tier is planned and checked at synth time', () => {
    const tier = new DecodeTier(chart(), 'Decode', {
      model: Model.QWEN3_30B_A3B, accelerator: Accelerator.NVIDIA_H100_80GB, tensorParallelSize: 2, enableExpertParallel: true, maxModelLen: 8192,
    });
    expect(tier.capacityPlan).toBeDefined();
    expect(tier._capacity.checks.map(c => c.status)).toEqual(['pass', 'pass']);
  });

  test('fails when numRedundantExperts comes without enableExpertParallel', () => {
    expect(() => CapacityPlanner.plan({ architecture: arch(Model.DEEPSEEK_V3), acceleratorMemory: Size.gibibytes(139), numRedundantExperts: 32 }))
      .toThrow(/CapacityPlanner\.plan: 'numRedundantExperts' \(32\) only applies with enableExpertParallel: true/);
  });

  test('fails when a MoE model carries only weightBytes: the expert split is unknown', () => {
    const architecture = { numAttentionHeads: 8, numHiddenLayers: 2, headDim: 64, numExperts: 8, weightBytes: 1e9 };
    const input = { architecture, acceleratorMemory: Size.gibibytes(80), maxModelLen: 10, enableExpertParallel: true, tensorParallelSize: 2 };
    expect(() => CapacityPlanner.plan(input))
      .toThrow(/'enableExpertParallel' \(true\) needs the expert split of the weights to size them/);
  });
});
