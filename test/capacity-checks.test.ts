import { Duration } from 'cdk8s';
import { Construct as PdServiceScope } from 'constructs';
import { Accelerator, CapacityPlanner, DecodeTier, Interconnect, Model, PdService, PrefillTier } from '../src';
import { chart } from './util';
import { CAPACITY_WARNING } from '../src/private/sizing-checks';

const warnings = (tier: PrefillTier | DecodeTier) => tier.node.metadata.filter(m => m.type === CAPACITY_WARNING).map(m => m.data as string);

describe('synth-time capacity checks', () => {
  test('a sizable tier carries its plan; the checks it passed are recorded', () => {
    const tier = new DecodeTier(chart(), 'Decode', { model: Model.QWEN3_8B, maxModelLen: 8192 });
    expect(tier.capacityPlan?.maxModelLen).toBe(8192);
    expect(tier.capacityPlan?.vllmVersion).toBe('0.32.0');
    expect(tier.capacityPlan!.maxConcurrency.value).toBeGreaterThan(40);
    expect(tier._capacity.checks.map(c => [c.name, c.status])).toEqual([
      ['weights fit a GPU', 'pass'], ['one maxModelLen request fits the KV cache', 'pass'],
    ]);
    expect(warnings(tier)).toEqual([]);
  });

  test('tiers of one shape get the same plan; a changed architecture is planned anew', () => {
    const c = chart();
    const arch = { ...Model.QWEN3_8B.architecture! };
    const a = new DecodeTier(new PdServiceScope(c, 'A'), 'Decode', { model: Model.of('org/m', { architecture: arch }), maxModelLen: 8192 });
    const b = new DecodeTier(new PdServiceScope(c, 'B'), 'Decode', { model: Model.of('org/m', { architecture: arch }), maxModelLen: 8192 });
    expect(b.capacityPlan).toEqual(a.capacityPlan);
    // Twice the layers: nearly twice the weights per GPU (the embeddings stay), so not the first plan.
    (arch as { numHiddenLayers: number }).numHiddenLayers = arch.numHiddenLayers! * 2;
    const d = new DecodeTier(new PdServiceScope(c, 'D'), 'Decode', { model: Model.of('org/m', { architecture: arch }), maxModelLen: 8192 });
    expect(d.capacityPlan!.weightBytesPerRank.value).toBeGreaterThan(1.5 * a.capacityPlan!.weightBytesPerRank.value);
    expect(d.capacityPlan!.maxConcurrency.value).toBeLessThan(a.capacityPlan!.maxConcurrency.value);
  });

  test('a shared plan is frozen: changing one tier\'s plan from plain JavaScript cannot change another\'s', () => {
    const c = chart();
    const a = new DecodeTier(new PdServiceScope(c, 'A'), 'Decode', { model: Model.QWEN3_8B, maxModelLen: 8192 });
    const b = new DecodeTier(new PdServiceScope(c, 'B'), 'Decode', { model: Model.QWEN3_8B, maxModelLen: 8192 });
    const plan = a.capacityPlan as unknown as { maxModelLen: number; notes: string[]; kvCacheTokens: { value: number } };
    const tokens = b.capacityPlan!.kvCacheTokens.value;
    expect(() => { plan.maxModelLen = 1; }).toThrow(TypeError);
    expect(() => { plan.kvCacheTokens.value = 1; }).toThrow(TypeError);
    expect(() => plan.notes.push('x')).toThrow(TypeError);
    expect(b.capacityPlan!.maxModelLen).toBe(8192);
    expect(b.capacityPlan!.kvCacheTokens.value).toBe(tokens);
  });

  test('a model without architecture is not planned, and says how to plan it', () => {
    const tier = new DecodeTier(chart(), 'Decode', { model: Model.of('org/unknown') });
    expect(tier.capacityPlan).toBeUndefined();
    expect(tier._capacity.skipped).toMatch(/org\/unknown has no architecture: pass Model\.of\(name, \{ architecture \}\)/);
  });

  test('fails when the weights do not fit a GPU, with the numbers', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model: Model.LLAMA_3_1_70B_INSTRUCT }))
      .toThrow(/PrefillTier 'test\/Prefill': 'tensorParallelSize' \(1\) is too small for meta-llama\/Llama-3\.1-70B-Instruct: its weights need 131\.45 GiB per GPU at tensorParallelSize 1, pipelineParallelSize 1, more than the 72\.85 GiB vLLM requests per GPU \(79\.19 GiB x gpuMemoryUtilization 0\.92\); raise tensorParallelSize or pipelineParallelSize/);
  });

  test('fails when one maxModelLen request cannot fit the KV cache, and says what to change', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model: Model.LLAMA_3_1_70B_INSTRUCT, tensorParallelSize: 2 }))
      .toThrow(/DecodeTier 'test\/Decode': 'maxModelLen' \(131072\) does not fit: vLLM refuses to start when one 131072-token request \(20\.00 GiB of KV cache per GPU\) exceeds the available KV cache memory .*; set maxModelLen \(unset: 131072, the model's context length\) to at most \d+, raise gpuMemoryUtilization or tensorParallelSize, or use kvCacheDtype fp8/);
  });

  test('fails when the plan falls short of minConcurrency', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model: Model.QWEN3_8B, maxModelLen: 32768, minConcurrency: 64 }))
      .toThrow(/DecodeTier 'test\/Decode': 'minConcurrency' \(64\) is not met: the plan holds \d+\.\d\dx concurrent 32768-token requests per replica \(between \d+\.\d\dx and \d+\.\d\dx\); raise tensorParallelSize or dataParallelSize/);
  });

  test('dataParallelSize multiplies the concurrency a replica holds', () => {
    const tier = new DecodeTier(chart(), 'Decode', { model: Model.QWEN3_8B, maxModelLen: 32768, dataParallelSize: 8, minConcurrency: 64 });
    expect(tier.capacityPlan!.replicaMaxConcurrency.value).toBeGreaterThanOrEqual(64);
  });

  test('warns, not fails, when only the lower bound falls short of minConcurrency', () => {
    const plan = new DecodeTier(chart(), 'Decode', { model: Model.QWEN3_8B, maxModelLen: 32768 }).capacityPlan!;
    const min = Math.floor(plan.replicaMaxConcurrency.value);
    expect(min).toBeGreaterThan(plan.replicaMaxConcurrency.lower);
    const tier = new DecodeTier(chart(), 'Decode', { model: Model.QWEN3_8B, maxModelLen: 32768, minConcurrency: min });
    expect(warnings(tier)).toEqual([expect.stringMatching(new RegExp(`minConcurrency ${min} is tight: the plan holds`))]);
    expect(tier._capacity.checks.find(c => c.name === `minConcurrency ${min}`)?.status).toBe('warn');
  });

  test('warns when one maxModelLen request fits the estimate but not the lower bound', () => {
    // Llama-3.1-70B at TP 2 and 0.95: about 4.5 GiB of KV cache per GPU (2 to 5.7 GiB), 160 KiB per token.
    const tier = new DecodeTier(chart(), 'Decode', { model: Model.LLAMA_3_1_70B_INSTRUCT, tensorParallelSize: 2, gpuMemoryUtilization: 0.95, maxModelLen: 24576 });
    expect(warnings(tier)).toEqual([expect.stringMatching(/one 24576-token request needs .* GiB of KV cache per GPU; the available memory may be as low as/)]);
  });

  test('fails when minConcurrency is set on a model that cannot be planned', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model: Model.of('org/unknown'), minConcurrency: 4 }))
      .toThrow(/'minConcurrency' \(4\) cannot be checked: the capacity plan is not available \(org\/unknown has no architecture/);
  });

  test('fails when minConcurrency is not a positive integer', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model: Model.QWEN3_8B, minConcurrency: 0 }))
      .toThrow(/'minConcurrency' \(0\) must be an integer >= 1/);
  });

  test('an accelerator without a reported memory is planned with its nominal memory, and the plan says so', () => {
    const tier = new DecodeTier(chart(), 'Decode', { model: Model.QWEN3_8B, accelerator: Accelerator.NVIDIA_H200, maxModelLen: 8192 });
    expect(tier.capacityPlan!.notes.join('\n')).toMatch(/planned with H200's nominal memory/);
    expect(Accelerator.NVIDIA_H100_80GB.reportedMemory.toMebibytes()).toBe(81090);
  });
});

describe('KV transfer budget', () => {
  test('bytes per request follow the decode ranks: GQA heads per rank, all layers, whole blocks', () => {
    const b = CapacityPlanner.kvTransfer({
      architecture: Model.LLAMA_3_1_8B_INSTRUCT.architecture!, promptTokens: 4000, decodeTensorParallelSize: 2,
    });
    // 4000 tokens -> 250 blocks of 16; per rank 2 x 4 heads x 128 x 2 bytes x 32 layers per token.
    expect(b.bytesPerDecodeRank).toBe(2 * 4 * 128 * 2 * 32 * 4000);
    expect(b.bytesPerRequest).toBe(2 * b.bytesPerDecodeRank);
    expect(b.transferSeconds).toBeUndefined();
  });

  test('MLA: every decode rank pulls the whole latent vector', () => {
    const b = CapacityPlanner.kvTransfer({ architecture: Model.DEEPSEEK_V3.architecture!, promptTokens: 1600, decodeTensorParallelSize: 8 });
    expect(b.bytesPerDecodeRank).toBe(576 * 2 * 61 * 1600);
    expect(b.bytesPerRequest).toBe(8 * b.bytesPerDecodeRank);
  });

  test('a PdService plans the transfer over the tiers\' declared interconnect', () => {
    const svc = new PdService(chart(), 'Svc', {
      model: Model.QWEN3_8B,
      interconnect: Interconnect.infiniband({ bandwidthGbps: 400 }),
      prefill: { maxModelLen: 8192 },
      decode: { maxModelLen: 8192 },
      kvTransfer: { typicalPromptTokens: 4096, maxTransferTime: Duration.millis(50) },
    });
    const b = svc.kvTransferBudget!;
    expect(b.bandwidthBytesPerSecond).toBe(50e9);
    expect(b.bytesPerRequest).toBe(2 * 8 * 128 * 2 * 36 * 4096);
    expect(b.transferSeconds).toBeCloseTo(b.bytesPerRequest / 50e9, 9);
  });

  test('fails when the transfer exceeds maxTransferTime', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.QWEN3_8B,
      interconnect: Interconnect.tcp({ bandwidthGbps: 10 }),
      prefill: { maxModelLen: 8192 },
      decode: { maxModelLen: 8192 },
      kvTransfer: { typicalPromptTokens: 8192, maxTransferTime: Duration.millis(100) },
    })).toThrow(/PdService 'test\/Svc': 'kvTransfer\.maxTransferTime' \('100 millis'\) is exceeded: one 8192-token prompt moves 1\.13 GiB of KV from prefill to decode, 966\.4 ms at 10 Gb\/s; use a faster interconnect, kvCacheDtype fp8, or a larger budget/);
  });

  test('fails when maxTransferTime has no bandwidth to plan with', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.QWEN3_8B,
      prefill: { maxModelLen: 8192 },
      decode: { maxModelLen: 8192 },
      kvTransfer: { typicalPromptTokens: 1024, maxTransferTime: Duration.millis(10) },
    })).toThrow(/'kvTransfer\.maxTransferTime' \('10 millis'\) needs a bandwidth: declare the tiers' Interconnect bandwidthGbps/);
  });

  test('an explicit bandwidth works before the interconnect declares one', () => {
    const svc = new PdService(chart(), 'Svc', {
      model: Model.QWEN3_8B,
      prefill: { maxModelLen: 8192 },
      decode: { maxModelLen: 8192 },
      kvTransfer: { typicalPromptTokens: 1024, bandwidthBytesPerSecond: 25e9 },
    });
    expect(svc.kvTransferBudget!.transferSeconds).toBeCloseTo(svc.kvTransferBudget!.bytesPerRequest / 25e9, 9);
  });

  test('fails when kvTransfer is given for a model without architecture', () => {
    expect(() => new PdService(chart(), 'Svc', { model: Model.of('org/unknown'), kvTransfer: { typicalPromptTokens: 1024 } }))
      .toThrow(/'kvTransfer' .* needs the model's architecture to size its KV cache/);
  });
});
