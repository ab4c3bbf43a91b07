import { Size } from 'cdk8s';
import { chart } from './util';
import { AttentionKind, CapacityPlanner, CheckpointDtype, Model, PrefillTier } from '../src';

describe('Model', () => {
  test.each([
    ['LLAMA_3_1_8B_INSTRUCT', Model.LLAMA_3_1_8B_INSTRUCT, 'meta-llama/Llama-3.1-8B-Instruct', 32, 8, 32],
    ['LLAMA_3_1_70B_INSTRUCT', Model.LLAMA_3_1_70B_INSTRUCT, 'meta-llama/Llama-3.1-70B-Instruct', 64, 8, 80],
    ['LLAMA_3_1_405B_INSTRUCT', Model.LLAMA_3_1_405B_INSTRUCT, 'meta-llama/Llama-3.1-405B-Instruct', 128, 8, 126],
  ])('%s carries the facts of its config.json', (_id, model, name, heads, kvHeads, layers) => {
    expect(model.name).toBe(name);
    expect(model.architecture).toMatchObject({ numAttentionHeads: heads, numKeyValueHeads: kvHeads, numHiddenLayers: layers });
    expect(model.attention).toBe(AttentionKind.STANDARD);
  });

  test('DEEPSEEK_V3 is an MLA model', () => {
    expect(Model.DEEPSEEK_V3.name).toBe('deepseek-ai/DeepSeek-V3');
    expect(Model.DEEPSEEK_V3.architecture).toMatchObject({
      numAttentionHeads: 128,
      numKeyValueHeads: 128,
      numHiddenLayers: 61,
      attention: AttentionKind.MLA,
      kvLoraRank: 512,
      qkRopeHeadDim: 64,
      checkpointDtype: CheckpointDtype.FP8,
    });
    expect(Model.DEEPSEEK_V3.attention).toBe(AttentionKind.MLA);
  });

  test.each([
    ['LLAMA_3_3_70B_INSTRUCT', Model.LLAMA_3_3_70B_INSTRUCT, 'meta-llama/Llama-3.3-70B-Instruct'],
    ['QWEN2_5_7B', Model.QWEN2_5_7B, 'Qwen/Qwen2.5-7B'],
    ['QWEN2_5_14B', Model.QWEN2_5_14B, 'Qwen/Qwen2.5-14B'],
    ['QWEN2_5_32B', Model.QWEN2_5_32B, 'Qwen/Qwen2.5-32B'],
    ['QWEN2_5_72B', Model.QWEN2_5_72B, 'Qwen/Qwen2.5-72B'],
    ['QWEN3_0_6B', Model.QWEN3_0_6B, 'Qwen/Qwen3-0.6B'],
    ['QWEN3_1_7B', Model.QWEN3_1_7B, 'Qwen/Qwen3-1.7B'],
    ['QWEN3_4B', Model.QWEN3_4B, 'Qwen/Qwen3-4B'],
    ['QWEN3_8B', Model.QWEN3_8B, 'Qwen/Qwen3-8B'],
    ['QWEN3_14B', Model.QWEN3_14B, 'Qwen/Qwen3-14B'],
    ['QWEN3_32B', Model.QWEN3_32B, 'Qwen/Qwen3-32B'],
    ['QWEN3_30B_A3B', Model.QWEN3_30B_A3B, 'Qwen/Qwen3-30B-A3B'],
    ['QWEN3_235B_A22B', Model.QWEN3_235B_A22B, 'Qwen/Qwen3-235B-A22B'],
    ['MIXTRAL_8X7B_V0_1', Model.MIXTRAL_8X7B_V0_1, 'mistralai/Mixtral-8x7B-v0.1'],
    ['MISTRAL_7B_INSTRUCT_V0_3', Model.MISTRAL_7B_INSTRUCT_V0_3, 'mistralai/Mistral-7B-Instruct-v0.3'],
    ['MISTRAL_SMALL_24B_INSTRUCT_2501', Model.MISTRAL_SMALL_24B_INSTRUCT_2501, 'mistralai/Mistral-Small-24B-Instruct-2501'],
    ['PHI_4', Model.PHI_4, 'microsoft/phi-4'],
    ['GEMMA_3_1B_IT', Model.GEMMA_3_1B_IT, 'google/gemma-3-1b-it'],
    ['GPT_OSS_20B', Model.GPT_OSS_20B, 'openai/gpt-oss-20b'],
    ['GPT_OSS_120B', Model.GPT_OSS_120B, 'openai/gpt-oss-120b'],
    ['DEEPSEEK_R1', Model.DEEPSEEK_R1, 'deepseek-ai/DeepSeek-R1'],
  ])('%s names its repository and carries what sizing needs', (_id, model, name) => {
    expect(model.name).toBe(name);
    const arch = model.architecture!;
    for (const key of ['numAttentionHeads', 'numKeyValueHeads', 'numHiddenLayers', 'hiddenSize', 'intermediateSize', 'vocabSize', 'checkpointDtype'] as const) {
      expect(arch[key]).toBeDefined();
    }
  });

  test('DEEPSEEK_V2_LITE_CHAT is an MLA MoE model without a known context length', () => {
    expect(Model.DEEPSEEK_V2_LITE_CHAT.name).toBe('deepseek-ai/DeepSeek-V2-Lite-Chat');
    expect(Model.DEEPSEEK_V2_LITE_CHAT.attention).toBe(AttentionKind.MLA);
    expect(Model.DEEPSEEK_V2_LITE_CHAT.architecture).toMatchObject({ numExperts: 64, numSharedExperts: 2, firstDenseLayers: 1, kvLoraRank: 512 });
    expect(Model.DEEPSEEK_V2_LITE_CHAT.architecture?.maxPositionEmbeddings).toBeUndefined();
  });

  test('gemma-2-9b-it declares its sliding-window layers (every other one, transformers default layer_types)', () => {
    expect(Model.GEMMA_2_9B_IT.architecture).toMatchObject({
      slidingWindow: 4096, slidingWindowLayers: 21, numHiddenLayers: 42, headDim: 256, tieWordEmbeddings: true,
    });
  });

  test('gemma-3-1b-it declares its sliding-window layers (5 local : 1 global from sliding_window_pattern 6)', () => {
    // 26 layers, full where (i + 1) % 6 == 0: layers 5, 11, 17, 23.
    const full = Array.from({ length: 26 }, (_, i) => i).filter(i => (i + 1) % 6 === 0);
    expect(full).toEqual([5, 11, 17, 23]);
    expect(Model.GEMMA_3_1B_IT.architecture).toMatchObject({
      slidingWindow: 512,
      slidingWindowLayers: 26 - full.length,
      numHiddenLayers: 26,
      headDim: 256,
      numKeyValueHeads: 1,
      maxPositionEmbeddings: 32768,
      tieWordEmbeddings: true,
    });
  });

  test('a Qwen2.5 -Instruct release plans as its base entry with the 32768 context its config.json is set for', () => {
    const instruct = Model.of('Qwen/Qwen2.5-7B-Instruct', { architecture: { ...Model.QWEN2_5_7B.architecture!, maxPositionEmbeddings: 32768 } });
    const plan = CapacityPlanner.plan({ architecture: instruct.architecture!, acceleratorMemory: Size.gibibytes(79), vllmVersion: '0.22.0' });
    expect(plan.maxModelLen).toBe(32768);
    expect(CapacityPlanner.plan({ architecture: Model.QWEN2_5_7B.architecture!, acceleratorMemory: Size.gibibytes(79), vllmVersion: '0.22.0' }).maxModelLen)
      .toBe(131072);
  });

  test('Mistral-7B-Instruct-v0.3 has no sliding window and the 32768-token vocabulary', () => {
    expect(Model.MISTRAL_7B_INSTRUCT_V0_3.architecture).toMatchObject({ vocabSize: 32768, maxPositionEmbeddings: 32768 });
    expect(Model.MISTRAL_7B_INSTRUCT_V0_3.architecture?.slidingWindow).toBeUndefined();
  });

  test('Qwen3-Next declares its gated delta net layers (all but every full_attention_interval-th of 48)', () => {
    expect(Model.QWEN3_NEXT_80B_A3B_THINKING.name).toBe('Qwen/Qwen3-Next-80B-A3B-Thinking');
    expect(Model.QWEN3_NEXT_80B_A3B_THINKING.attention).toBe(AttentionKind.HYBRID_MAMBA);
    expect(Model.QWEN3_NEXT_80B_A3B_THINKING.architecture).toMatchObject({
      numHiddenLayers: 48,
      numKeyValueHeads: 2,
      headDim: 256,
      gatedDeltaNetLayers: { numLayers: 36, numKeyHeads: 16, numValueHeads: 32, keyHeadDim: 128, valueHeadDim: 128, convKernel: 4 },
    });
  });

  test('gpt-oss declares its sliding-window layers', () => {
    expect(Model.GPT_OSS_120B.architecture).toMatchObject({
      slidingWindow: 128, slidingWindowLayers: 18, numHiddenLayers: 36, checkpointDtype: CheckpointDtype.MXFP4,
    });
  });

  test('fails when slidingWindow comes without slidingWindowLayers', () => {
    expect(() => Model.of('org/m', { architecture: { numAttentionHeads: 8, slidingWindow: 4096 } }))
      .toThrow(/Model: 'architecture\.slidingWindowLayers' \(undefined\) must be given together with 'architecture\.slidingWindow' \(4096\)/);
  });

  test('fails when slidingWindowLayers exceeds the layers', () => {
    expect(() => Model.of('org/m', { architecture: { numAttentionHeads: 8, numHiddenLayers: 4, slidingWindow: 128, slidingWindowLayers: 5 } }))
      .toThrow(/Model: 'architecture\.slidingWindowLayers' \(5\) must not exceed numHiddenLayers \(4\)/);
  });

  test('fails on an unknown checkpointDtype', () => {
    expect(() => Model.of('org/m', { architecture: { numAttentionHeads: 8, checkpointDtype: 'int3' as CheckpointDtype } }))
      .toThrow(/Model: 'architecture\.checkpointDtype' \('int3'\) must be one of bfloat16, float16, fp8, mxfp4/);
  });

  test('numParameters may exceed 32 bits', () => {
    expect(Model.of('org/m', { architecture: { numAttentionHeads: 8, numParameters: 671_000_000_000 } }).architecture?.numParameters).toBe(671_000_000_000);
  });

  test('a model by Hugging Face id without architecture is treated as standard attention', () => {
    const model = Model.of('Qwen/Qwen3-8B');
    expect(model.name).toBe('Qwen/Qwen3-8B');
    expect(model.architecture).toBeUndefined();
    expect(model.attention).toBe(AttentionKind.STANDARD);
  });

  test('a model by path inside the model cache', () => {
    expect(Model.of('/model-cache/llama').name).toBe('/model-cache/llama');
  });

  test('attention kind comes from the architecture', () => {
    const model = Model.of('ibm-ai-platform/Bamba-9B', { architecture: { numAttentionHeads: 32, attention: AttentionKind.HYBRID_MAMBA } });
    expect(model.attention).toBe(AttentionKind.HYBRID_MAMBA);
  });

  test('a tier may use any tensor parallel size when the architecture is unknown', () => {
    const tier = new PrefillTier(chart(), 'Prefill', { model: Model.of('org/unknown'), tensorParallelSize: 3 });
    expect(tier.tensorParallelSize).toBe(3);
  });

  test('fails when tensorParallelSize does not divide the number of attention heads', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model: Model.LLAMA_3_1_8B_INSTRUCT, tensorParallelSize: 3 }))
      .toThrow(/PrefillTier 'test\/Prefill': 'tensorParallelSize' \(3\) must divide the number of attention heads of meta-llama\/Llama-3\.1-8B-Instruct \(32\)/);
  });

  test('fails when pipelineParallelSize exceeds the number of layers', () => {
    const tiny = Model.of('org/tiny', { architecture: { numAttentionHeads: 4, numHiddenLayers: 2 } });
    expect(() => new PrefillTier(chart(), 'Prefill', { model: tiny, pipelineParallelSize: 4 }))
      .toThrow(/PrefillTier 'test\/Prefill': 'pipelineParallelSize' \(4\) must not exceed the number of layers of org\/tiny \(2\)/);
  });

  test('fails when the name is empty', () => {
    expect(() => Model.of('')).toThrow(/^Model: 'nameOrPath' \(''\) must be a non-empty Hugging Face id or path without whitespace, e\.g\. 'meta-llama\/Llama-3\.1-8B-Instruct'$/);
  });

  test('fails when the name contains whitespace', () => {
    expect(() => Model.of('meta-llama/Llama 3')).toThrow(/Model: 'nameOrPath' \('meta-llama\/Llama 3'\) must be a non-empty Hugging Face id or path without whitespace/);
  });

  test('fails when numAttentionHeads is 0', () => {
    expect(() => Model.of('org/m', { architecture: { numAttentionHeads: 0 } }))
      .toThrow(/Model: 'architecture\.numAttentionHeads' \(0\) must be an integer >= 1/);
  });

  test('fails when numHiddenLayers is not an integer', () => {
    expect(() => Model.of('org/m', { architecture: { numAttentionHeads: 32, numHiddenLayers: 31.5 } }))
      .toThrow(/Model: 'architecture\.numHiddenLayers' \(31\.5\) must be an integer >= 1/);
  });

  test('fails when numKeyValueHeads is negative', () => {
    expect(() => Model.of('org/m', { architecture: { numAttentionHeads: 32, numKeyValueHeads: -8 } }))
      .toThrow(/Model: 'architecture\.numKeyValueHeads' \(-8\) must be an integer >= 1/);
  });
});
