import { Size } from 'cdk8s';
import { EnvValue } from 'cdk8s-plus-28';
import {
  Accelerator, All2allBackend, CapacityPlanner, CapacityPlanInput, CheckpointDtype, DecodeTier, EnvironmentVariable, Interconnect, Model,
  ModelArchitecture, PdService, PerformanceMode,
} from '../src';
import { chart } from './util';
import { deepEpLowLatencyRdmaBytes, weightBytesPerRank } from '../src/private/sizing';

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
    const plan = CapacityPlanner.plan(wideEp());
    // Redundant experts imply EPLB, whose rearrangement buffer is one more layer of the rank's 18 experts.
    expect(plan.weightBytesPerRank.value).toBe(weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, { ...ep(16, 32), eplb: true }).value);
    expect(plan.notes.join('\n')).toMatch(/the 288 experts are placed whole over 16 ranks/);
  });

  test('EPLB keeps one more MoE layer of the rank\'s local experts (EplbState.add_model expert_buffer)', () => {
    const without = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, ep(16, 32)).value;
    const withEplb = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, { ...ep(16, 32), eplb: true }).value;
    expect(withEplb - without).toBeCloseTo(18 * DSV3_EXPERT, 0);
    // Without redundant experts EPLB is off unless asked for.
    const off = CapacityPlanner.plan(wideEp({ numRedundantExperts: undefined }));
    const on = CapacityPlanner.plan(wideEp({ numRedundantExperts: undefined, enableEplb: true }));
    expect(on.weightBytesPerRank.value - off.weightBytesPerRank.value).toBeCloseTo(16 * DSV3_EXPERT, 0);
    expect(on.notes.join('\n')).toMatch(/EPLB: each rank holds one more MoE layer of its local experts/);
    expect(off.notes.join('\n')).not.toMatch(/EPLB:/);
  });

  test('EPLB\'s upper bound holds two more layers: vLLM 0.22.0\'s NIXL communicator stages sends and receives in buffers of its own', () => {
    const without = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, ep(16, 32));
    const withEplb = weightBytesPerRank('t', arch(Model.DEEPSEEK_V3), 1, 1, 0, { ...ep(16, 32), eplb: true });
    // 288 physical experts over 16 ranks: 18 each, evenly, so the bounds of one layer agree.
    expect(withEplb.upper - without.upper).toBeCloseTo(3 * 18 * DSV3_EXPERT, 0);
    expect(withEplb.lower - without.lower).toBeCloseTo(18 * DSV3_EXPERT, 0);
    expect(CapacityPlanner.plan(wideEp()).notes.join('\n')).toMatch(/the upper bound holds two more, the send and receive buffers of the NIXL EPLB communicator in vLLM 0\.22\.0/);
  });

  test('MLA with an FP8 checkpoint keeps a 16-bit copy of kv_b_proj (W_UK_T, W_UV): 1.91 GiB per rank for DeepSeek-V3 at TP 1', () => {
    // kv_lora_rank 512 x 128 heads x (qk_nope 128 + v 128) x 2 bytes x 61 layers.
    const copy = 61 * 512 * 128 * (128 + 128) * 2;
    expect(copy / 1024 ** 3).toBeCloseTo(1.906, 3);
    const fp8 = { ...arch(Model.DEEPSEEK_V3), weightBytes: 1e9 };
    const bf16 = { ...fp8, checkpointDtype: CheckpointDtype.BFLOAT16 };
    expect(weightBytesPerRank('t', fp8, 1, 1, 0).value - weightBytesPerRank('t', bf16, 1, 1, 0).value).toBe(copy);
    // Split by TP like the heads.
    expect(weightBytesPerRank('t', fp8, 8, 1, 0).value - weightBytesPerRank('t', bf16, 8, 1, 0).value).toBe(copy / 8);
    // The lower bound keeps a quarter: a kv_b_proj left in 16 bits (no copy, but twice its FP8 count) or ROCm's
    // requantized FP8/MXFP4 W_K and W_V hold at least that much.
    const fp8Range = weightBytesPerRank('t', fp8, 1, 1, 0);
    const bf16Range = weightBytesPerRank('t', bf16, 1, 1, 0);
    expect(fp8Range.lower - bf16Range.lower).toBe(copy / 4);
    expect(fp8Range.upper - bf16Range.upper).toBe(copy);
    expect(CapacityPlanner.plan(wideEp()).notes.join('\n')).toMatch(/MLA with an FP8 kv_b_proj: each rank also holds its 16-bit copy/);
  });

  test('fails when enableEplb is false with redundant experts, or set without expert parallelism', () => {
    expect(() => CapacityPlanner.plan(wideEp({ enableEplb: false })))
      .toThrow(/CapacityPlanner\.plan: 'numRedundantExperts' \(32\) needs EPLB: vLLM refuses num_redundant_experts without enable_eplb/);
    expect(() => CapacityPlanner.plan({ architecture: arch(Model.DEEPSEEK_V3), acceleratorMemory: Size.gibibytes(139), enableEplb: true }))
      .toThrow(/CapacityPlanner\.plan: 'enableEplb' \(true\) only applies with enableExpertParallel: true/);
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

/**
 * DeepEP's all-to-all buffers, from the cited formulas (vLLM 0.22.0 and 0.32.0 wheels:
 * vllm/distributed/device_communicators/all2all.py DeepEPHTAll2AllManager / DeepEPLLAll2AllManager._make_all2all_kwargs,
 * VLLM_DEEPEP_BUFFER_SIZE_MB = 1024 in vllm/envs.py; deepseek-ai/DeepEP@73b6ea4a csrc/deep_ep.cpp Buffer::Buffer and
 * csrc/config.hpp get_low_latency_rdma_size_hint, the same at d4f41e4e csrc/legacy/).
 */
const MIB = 1024 ** 2;
// num_nvl_bytes (cudaMalloc'd with 8 barrier signals, 8 buffer pointers and 8 signal pointers) + the 32 MiB workspace.
const NVL = 1024 * MIB + (8 * 4 + 8 * 8 + 8 * 8) + 32 * MIB;
// High throughput across nodes: num_rdma_bytes = VLLM_DEEPEP_BUFFER_SIZE_MB MiB too, from NVSHMEM's heap.
const HT_RDMA = 1024 * MIB;
// Low latency, DeepSeek-V3 (hidden 7168, 56 scales) with 256 + 32 redundant experts and 256 tokens per rank:
// combine message 56 x 4 + 7168 x 2 = 14560 bytes > dispatch message 16 + 7168 x 2 = 14352, so both the send and
// the receive buffers are 288 x 256 x 14560, twice each; two signalling buffers of 288 ints; + 128 of alignment.
const LL_RDMA = 2 * (288 * 256 * 14560) + 2 * (288 * 256 * 14560) + 2 * 1152 + 128;
// NVSHMEM granules (NVSHMEM_CUMEM_GRANULARITY = 2^29, deep_ep/buffer.py) and 256 MiB of NVSHMEM state: the upper bound.
const granules = (rdma: number) => Math.ceil(rdma / 2 ** 29) * 2 ** 29 + 2 ** 28;

const wideEp = (extra: Partial<CapacityPlanInput> = {}): CapacityPlanInput => ({
  architecture: arch(Model.DEEPSEEK_V3),
  acceleratorMemory: Size.gibibytes(139),
  dataParallelSize: 16,
  enableExpertParallel: true,
  numRedundantExperts: 32,
  gpuMemoryUtilization: 0.9,
  maxModelLen: 32768,
  ...extra,
});

/** A DeepSeek-V3 wide-EP decode tier (DP 16 on H200 over InfiniBand) on the given all-to-all backend. */
const wideEpTier = (all2allBackend: All2allBackend, extraEnv?: EnvironmentVariable[]) => new DecodeTier(chart(), 'D', {
  model: Model.DEEPSEEK_V3,
  accelerator: Accelerator.NVIDIA_H200,
  dataParallelSize: 16,
  enableExpertParallel: true,
  maxModelLen: 32768,
  interconnect: Interconnect.infiniband(),
  all2allBackend,
  extraEnv,
});

/** The wide-EP tier on DeepEP high throughput, its extraEnv setting VLLM_DEEPEP_BUFFER_SIZE_MB. */
const deepEpTier = (value: EnvValue) => wideEpTier(All2allBackend.DEEPEP_HIGH_THROUGHPUT, [{ name: 'VLLM_DEEPEP_BUFFER_SIZE_MB', value }]);

describe('capacity planning counts the all-to-all buffers of expert parallelism', () => {
  test('the low-latency RDMA size hint of DeepSeek-V3 wide EP: 4,293,921,152 bytes per rank over 256 tokens', () => {
    expect(LL_RDMA).toBe(4_293_921_152);
    expect(deepEpLowLatencyRdmaBytes(256, 7168, 288)).toBe(LL_RDMA);
    // The dispatch message wins for few experts: 1 expert, 1 token -> 2 x 14352 + 2 x 14560 + 2 x 128 + 128.
    expect(deepEpLowLatencyRdmaBytes(1, 7168, 1)).toBe(2 * 14560 + 2 * 14560 + 2 * 128 + 128);
  });

  test('DeepEP high throughput across nodes: 1 GiB NVLink + 1 GiB RDMA + DeepEP metadata and workspace, and the KV cache shrinks by it', () => {
    const base = CapacityPlanner.plan(wideEp());
    const ht = CapacityPlanner.plan(wideEp({ all2allBackend: All2allBackend.DEEPEP_HIGH_THROUGHPUT, all2allInternode: true }));
    expect(base.all2allBufferBytes).toEqual({ value: 0, lower: 0, upper: 0 });
    expect(ht.all2allBufferBytes).toEqual({ value: NVL + HT_RDMA, lower: NVL + HT_RDMA, upper: NVL + granules(HT_RDMA) });
    expect(ht.all2allBufferBytes.value).toBe(2_181_038_240);
    expect(ht.nonTorchBytes.value - base.nonTorchBytes.value).toBe(NVL + HT_RDMA);
    expect(base.availableKvCacheBytes.value - ht.availableKvCacheBytes.value).toBeCloseTo(NVL + HT_RDMA, 0);
    expect(base.availableKvCacheBytes.lower - ht.availableKvCacheBytes.lower).toBeCloseTo(NVL + granules(HT_RDMA), 0);
    expect(ht.numGpuBlocks.value).toBeLessThan(base.numGpuBlocks.value);
    expect(ht.maxNumBatchedTokens).toBe(8192);
    expect(ht.notes.join('\n')).toMatch(/all-to-all buffers of deepep_high_throughput counted in the non-torch memory: 2\.03 GiB per rank/);
  });

  test('DeepEP high throughput within a node: the NVLink buffer only; unknown: bounds cover both, RDMA assumed above 8 ranks', () => {
    const intra = CapacityPlanner.plan(wideEp({ all2allBackend: All2allBackend.DEEPEP_HIGH_THROUGHPUT, all2allInternode: false }));
    expect(intra.all2allBufferBytes).toEqual({ value: NVL, lower: NVL, upper: NVL });
    const unknown16 = CapacityPlanner.plan(wideEp({ all2allBackend: All2allBackend.DEEPEP_HIGH_THROUGHPUT }));
    expect(unknown16.all2allBufferBytes).toEqual({ value: NVL + HT_RDMA, lower: NVL, upper: NVL + granules(HT_RDMA) });
    const unknown8 = CapacityPlanner.plan(wideEp({ dataParallelSize: 8, all2allBackend: All2allBackend.DEEPEP_HIGH_THROUGHPUT }));
    expect(unknown8.all2allBufferBytes).toEqual({ value: NVL, lower: NVL, upper: NVL + granules(HT_RDMA) });
    expect(unknown8.notes.join('\n')).toMatch(/not known: all2allInternode unset, the bounds cover both/);
  });

  test('DeepEP low latency: 256 batched tokens by default over DP ranks, the RDMA size hint over them, and the KV cache shrinks by it', () => {
    const ll = CapacityPlanner.plan(wideEp({ all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY }));
    expect(ll.maxNumBatchedTokens).toBe(256);
    expect(ll.notes.join('\n')).toMatch(/maxNumBatchedTokens unset: vLLM starts from 256, its default with deepep_low_latency over data-parallel ranks/);
    // vLLM sets that default before --performance-mode throughput doubles it (EngineArgs._set_default_max_num_seqs_and_batched_tokens_args).
    const fast = CapacityPlanner.plan(wideEp({ all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY, performanceMode: PerformanceMode.THROUGHPUT }));
    expect(fast.maxNumBatchedTokens).toBe(512);
    expect(fast.notes.join('\n')).toMatch(/vLLM starts from 256[^]*performanceMode throughput: vLLM doubles/);
    expect(ll.all2allBufferBytes).toEqual({ value: NVL + LL_RDMA, lower: NVL + LL_RDMA, upper: NVL + granules(LL_RDMA) });
    expect(ll.all2allBufferBytes.value).toBe(5_401_217_568);
    // Against vLLM's default backend at the same 256 batched tokens (the same activation peak): exactly the buffers.
    const base = CapacityPlanner.plan(wideEp({ maxNumBatchedTokens: 256 }));
    expect(base.availableKvCacheBytes.value - ll.availableKvCacheBytes.value).toBeCloseTo(NVL + LL_RDMA, 0);
    // The internode flag does not matter to low latency (NVSHMEM always).
    expect(CapacityPlanner.plan(wideEp({ all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY, all2allInternode: false })).all2allBufferBytes)
      .toEqual(ll.all2allBufferBytes);
  });

  test('DeepEP low latency scales with maxNumBatchedTokens (max_num_tokens_per_dp_rank) and the physical experts', () => {
    const ll = (extra: Partial<CapacityPlanInput>) => CapacityPlanner.plan(wideEp({ all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY, ...extra }));
    const at128 = ll({ maxNumBatchedTokens: 128 }).all2allBufferBytes.value;
    expect(at128).toBe(NVL + 2 * (288 * 128 * 14560) * 2 + 2 * 1152 + 128);
    const noRedundant = ll({ numRedundantExperts: 0 }).all2allBufferBytes.value;
    expect(noRedundant).toBe(NVL + 4 * (256 * 256 * 14560) + 2 * 1024 + 128);
    // 8192 batched tokens on decode: 128 GiB of RDMA buffer, more than the GPU: the plan has no KV cache left.
    expect(ll({ maxNumBatchedTokens: 8192 }).availableKvCacheBytes.value).toBeLessThan(0);
  });

  test('DeepEP low latency rounds the hidden size up to a supported one: gpt-oss-120b 2880 -> 3072', () => {
    const plan = CapacityPlanner.plan({
      architecture: arch(Model.GPT_OSS_120B),
      acceleratorMemory: Size.gibibytes(79),
      dataParallelSize: 2,
      enableExpertParallel: true,
      all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY,
      maxModelLen: 8192,
    });
    // hidden 3072 (24 scales): combine 24 x 4 + 3072 x 2 = 6240 > dispatch 16 + 6144; 128 experts, 256 tokens.
    expect(plan.all2allBufferBytes.value).toBe(NVL + 4 * (128 * 256 * 6240) + 2 * 512 + 128);
  });

  test('no all-to-all buffers with dataParallelSize 1 (vLLM builds all-to-all kernels only over DP ranks), nor for dense models', () => {
    const tpOnly = CapacityPlanner.plan({
      architecture: arch(Model.QWEN3_30B_A3B),
      acceleratorMemory: Size.gibibytes(79),
      tensorParallelSize: 2,
      enableExpertParallel: true,
      all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY,
      maxModelLen: 8192,
    });
    expect(tpOnly.all2allBufferBytes).toEqual({ value: 0, lower: 0, upper: 0 });
    expect(tpOnly.maxNumBatchedTokens).toBe(8192);
    expect(tpOnly.notes.join('\n')).toMatch(/all2allBackend deepep_low_latency has no buffers with dataParallelSize 1/);
    const dense = CapacityPlanner.plan({
      architecture: arch(Model.QWEN3_8B),
      acceleratorMemory: Size.gibibytes(79),
      dataParallelSize: 2,
      enableExpertParallel: true,
      all2allBackend: All2allBackend.DEEPEP_HIGH_THROUGHPUT,
      maxModelLen: 8192,
    });
    expect(dense.all2allBufferBytes.value).toBe(0);
  });

  test('wide-EP PD tiers plan with the backend they render: DeepEP high throughput across nodes on prefill, low latency on decode', () => {
    const svc = new PdService(chart(), 'Svc', {
      model: Model.DEEPSEEK_V3,
      interconnect: Interconnect.infiniband(),
      prefill: { accelerator: Accelerator.NVIDIA_H200, dataParallelSize: 16, enableExpertParallel: true, maxModelLen: 32768 },
      decode: { accelerator: Accelerator.NVIDIA_H200, dataParallelSize: 16, enableExpertParallel: true, maxModelLen: 32768 },
    });
    const prefill = svc.prefill.capacityPlan!;
    const decode = svc.decode.capacityPlan!;
    expect(prefill.all2allBufferBytes.value).toBe(NVL + HT_RDMA);
    // 256 + 0 redundant experts here: no EPLB.
    expect(decode.all2allBufferBytes.value).toBe(NVL + 4 * (256 * 256 * 14560) + 2 * 1024 + 128);
    expect(decode.maxNumBatchedTokens).toBe(256);
    // Tiers of one shape but another backend are planned apart (the plan cache keys the backend).
    const agrs = wideEpTier(All2allBackend.ALLGATHER_REDUCESCATTER);
    expect(agrs.capacityPlan!.all2allBufferBytes.value).toBe(0);
    expect(agrs.capacityPlan!.maxNumBatchedTokens).toBe(8192);
  });

  test('VLLM_DEEPEP_BUFFER_SIZE_MB sizes the NVLink (and high-throughput RDMA) buffer; a tier passes the value its extraEnv sets', () => {
    const ht = (mb?: number) => CapacityPlanner.plan(wideEp({
      all2allBackend: All2allBackend.DEEPEP_HIGH_THROUGHPUT, all2allInternode: true, deepEpBufferSizeMb: mb,
    }));
    const meta = (8 * 4 + 8 * 8 + 8 * 8) + 32 * MIB;
    expect(ht(2048).all2allBufferBytes.value).toBe(2 * (2048 * MIB) + meta);
    expect(ht(2048).notes.join('\n')).toMatch(/NVLink buffer of VLLM_DEEPEP_BUFFER_SIZE_MB \(2048 MiB\)/);
    expect(ht().all2allBufferBytes.value).toBe(NVL + HT_RDMA);
    expect(deepEpTier(EnvValue.fromValue('512')).capacityPlan!.all2allBufferBytes.value).toBe(NVL + HT_RDMA - 2 * 512 * MIB);
  });

  test('fails with a VLLM_DEEPEP_BUFFER_SIZE_MB the plan cannot read, and with deepEpBufferSizeMb without DeepEP', () => {
    const tier = (value: EnvValue) => () => deepEpTier(value);
    expect(tier(EnvValue.fromValue('1.5g'))).toThrow(/'extraEnv VLLM_DEEPEP_BUFFER_SIZE_MB' \('1\.5g'\) must be a literal whole number of MiB/);
    expect(tier(EnvValue.fromConfigMap({ name: 'ep' } as any, 'mb'))).toThrow(/\('<valueFrom>'\) must be a literal whole number of MiB/);
    expect(() => CapacityPlanner.plan(wideEp({ deepEpBufferSizeMb: 2048 })))
      .toThrow(/'deepEpBufferSizeMb' \(2048\) only applies with a DeepEP all2allBackend \(deepep_high_throughput or deepep_low_latency\); the backend is allgather_reducescatter/);
  });

  test('fails when all2allBackend is not an All2allBackend: the message names the allowed values', () => {
    expect(() => CapacityPlanner.plan(wideEp({ all2allBackend: { name: 'mori' } as any })))
      .toThrow(/'input\.all2allBackend' \(\{"name":"mori"\}\) must be an All2allBackend \(one of All2allBackend\.ALLGATHER_REDUCESCATTER, All2allBackend\.DEEPEP_HIGH_THROUGHPUT, All2allBackend\.DEEPEP_LOW_LATENCY\)/);
    expect(() => CapacityPlanner.plan(wideEp({ all2allBackend: 'deepep_low_latency' as any })))
      .toThrow(/'input\.all2allBackend' \('deepep_low_latency'\) must be an All2allBackend \(one of /);
  });

  test('fails when all2allBackend or all2allInternode comes without enableExpertParallel', () => {
    const withoutEp = { enableExpertParallel: false, numRedundantExperts: 0 };
    expect(() => CapacityPlanner.plan(wideEp({ ...withoutEp, all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY })))
      .toThrow(/'all2allBackend' \('deepep_low_latency'\) only applies with enableExpertParallel: true/);
    expect(() => CapacityPlanner.plan(wideEp({ ...withoutEp, all2allInternode: true })))
      .toThrow(/'all2allInternode' \(true\) only applies with enableExpertParallel: true/);
  });

  test('fails for DeepEP on a release whose buffer sizes were not read', () => {
    expect(() => CapacityPlanner.plan(wideEp({ vllmVersion: '0.19.0', all2allBackend: All2allBackend.DEEPEP_HIGH_THROUGHPUT })))
      .toThrow(/'all2allBackend' \('deepep_high_throughput'\) is not sized for vLLM 0\.19\.0: DeepEP's buffer sizes were read in vLLM >= 0\.22\.0/);
  });

  test('fails for DeepEP low latency above its largest hidden size (vLLM raises too)', () => {
    const big = { ...arch(Model.DEEPSEEK_V3), hiddenSize: 12288 };
    expect(() => CapacityPlanner.plan(wideEp({ architecture: big, all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY })))
      .toThrow(/'model\.architecture\.hiddenSize' \(12288\) must be at most 8192 for deepep_low_latency/);
  });
});
