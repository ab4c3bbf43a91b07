import { chart } from './util';
import { AttentionKind, Model, PrefillTier } from '../src';

describe('Model', () => {
  test.each([
    ['LLAMA_3_1_8B_INSTRUCT', Model.LLAMA_3_1_8B_INSTRUCT, 'meta-llama/Llama-3.1-8B-Instruct', 32, 8, 32],
    ['LLAMA_3_1_70B_INSTRUCT', Model.LLAMA_3_1_70B_INSTRUCT, 'meta-llama/Llama-3.1-70B-Instruct', 64, 8, 80],
    ['LLAMA_3_1_405B_INSTRUCT', Model.LLAMA_3_1_405B_INSTRUCT, 'meta-llama/Llama-3.1-405B-Instruct', 128, 8, 126],
  ])('%s carries the facts of its config.json', (_id, model, name, heads, kvHeads, layers) => {
    expect(model.name).toBe(name);
    expect(model.architecture).toEqual({ numAttentionHeads: heads, numKeyValueHeads: kvHeads, numHiddenLayers: layers });
    expect(model.attention).toBe(AttentionKind.STANDARD);
  });

  test('DEEPSEEK_V3 is an MLA model', () => {
    expect(Model.DEEPSEEK_V3.name).toBe('deepseek-ai/DeepSeek-V3');
    expect(Model.DEEPSEEK_V3.architecture).toEqual({
      numAttentionHeads: 128, numKeyValueHeads: 128, numHiddenLayers: 61, attention: AttentionKind.MLA,
    });
    expect(Model.DEEPSEEK_V3.attention).toBe(AttentionKind.MLA);
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
