import { chart, find, kvTransferConfig, synth } from './util';
import { KvRole, Model, PrefillTier, TierRole } from '../src';

describe('PrefillTier', () => {
  test('a standalone prefill tier: kv_producer, llm-d.ai/role prefill', () => {
    const c = chart();
    const tier = new PrefillTier(c, 'Prefill', { model: Model.LLAMA_3_1_70B_INSTRUCT, tensorParallelSize: 4 });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    expect(tier.role).toBe(TierRole.PREFILL);
    expect(tier.kvRole).toBe(KvRole.KV_PRODUCER);
    expect(tier.gpusPerPod).toBe(4);
    const dep = find(objects, 'Deployment', 'prefill');
    expect(dep.metadata.labels['llm-d.ai/role']).toBe('prefill');
    expect(kvTransferConfig(dep)).toEqual({
      kv_connector: 'NixlConnector',
      kv_role: 'kv_producer',
      kv_buffer_device: 'cuda',
      kv_load_failure_policy: 'fail',
      kv_connector_extra_config: { backends: ['UCX'] },
    });
  });

  test('kv_both is allowed on prefill (NIXL does not distinguish roles)', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvRole: KvRole.KV_BOTH });
    expect(kvTransferConfig(find(synth(c), 'Deployment', 'prefill')).kv_role).toBe('kv_both');
  });

  test('fails when given a decode-only kv role', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvRole: KvRole.KV_CONSUMER }))
      .toThrow(/'kvRole' \('kv_consumer'\) is not allowed for NixlConnector on a prefill tier; allowed: kv_producer, kv_both/);
  });
});
