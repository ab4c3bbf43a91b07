import { chart, find, kvTransferConfig, synth } from './util';
import { DecodeTier, KvRole, Model, TierRole } from '../src';

describe('DecodeTier', () => {
  test('a standalone decode tier: kv_consumer by default, llm-d.ai/role decode', () => {
    const c = chart();
    const tier = new DecodeTier(c, 'Decode', { model: Model.LLAMA_3_1_70B_INSTRUCT, tensorParallelSize: 4, replicas: 2 });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    expect(tier.role).toBe(TierRole.DECODE);
    const dep = find(objects, 'Deployment', 'decode');
    expect(dep.metadata.labels['llm-d.ai/role']).toBe('decode');
    expect(kvTransferConfig(dep).kv_role).toBe('kv_consumer');
  });

  test('kv_both is allowed on decode', () => {
    const c = chart();
    new DecodeTier(c, 'Decode', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvRole: KvRole.KV_BOTH });
    expect(kvTransferConfig(find(synth(c), 'Deployment', 'decode')).kv_role).toBe('kv_both');
  });

  test('fails when given kv_producer', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvRole: KvRole.KV_PRODUCER }))
      .toThrow(/'kvRole' \('kv_producer'\) is not allowed for NixlConnector on a decode tier; allowed: kv_consumer, kv_both/);
  });
});
