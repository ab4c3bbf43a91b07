import { argValue, chart, container, find, kvTransferConfig, synth } from './util';
import { DecodeTier, KvConnector, KvLoadFailurePolicy, KvRole, Model, PrefillTier, TierRole } from '../src';

describe('KvConnector', () => {
  test('nixl() is the NixlConnector and fails requests on KV load failure by default', () => {
    const connector = KvConnector.nixl();
    expect(connector.displayName).toBe('NixlConnector');
    expect(connector.kvLoadFailurePolicy).toBe(KvLoadFailurePolicy.FAIL);
  });

  test('transport names the request flow a router must implement', () => {
    expect(KvConnector.nixl().transport).toBe('NIXL (pull)');
  });

  test('default kv_role is kv_producer on prefill and kv_consumer on decode', () => {
    const connector = KvConnector.nixl();
    expect(connector._defaultKvRole(TierRole.PREFILL)).toBe(KvRole.KV_PRODUCER);
    expect(connector._defaultKvRole(TierRole.DECODE)).toBe(KvRole.KV_CONSUMER);
    const c = chart();
    expect(new PrefillTier(c, 'Prefill', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvConnector: connector }).kvRole).toBe(KvRole.KV_PRODUCER);
    expect(new DecodeTier(c, 'Decode', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvConnector: connector }).kvRole).toBe(KvRole.KV_CONSUMER);
  });

  test('renders the whole KVTransferConfig as one JSON arg, in a fixed field order, with the failure policy', () => {
    const c = chart();
    new DecodeTier(c, 'Decode', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      kvConnector: KvConnector.nixl({ kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE }),
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'decode');
    const config = kvTransferConfig(dep);
    expect(config).toEqual({
      kv_connector: 'NixlConnector',
      kv_role: 'kv_consumer',
      kv_buffer_device: 'cuda',
      kv_load_failure_policy: 'recompute',
      kv_connector_extra_config: { backends: ['UCX'] },
    });
    expect(Object.keys(config)).toEqual([
      'kv_connector', 'kv_role', 'kv_buffer_device', 'kv_load_failure_policy', 'kv_connector_extra_config',
    ]);
    // Exactly one args element carries the flag, with the JSON after '=' (no separate value element).
    const args = container(dep).args as string[];
    expect(args.filter(a => a.startsWith('--kv-transfer-config'))).toEqual([`--kv-transfer-config=${argValue(dep, '--kv-transfer-config')}`]);
    expect(argValue(dep, '--kv-transfer-config')).toBe(JSON.stringify(config));
  });

  test('the same connector object may serve both tiers', () => {
    const connector = KvConnector.nixl();
    const c = chart();
    const prefill = new PrefillTier(c, 'Prefill', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvConnector: connector });
    const decode = new DecodeTier(c, 'Decode', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvConnector: connector });
    expect(prefill.kvConnector).toBe(decode.kvConnector);
    expect(connector._transferConfig(prefill._context).kv_role).toBe('kv_producer');
    expect(connector._transferConfig(decode._context).kv_role).toBe('kv_consumer');
  });

  test('fails when kvLoadFailurePolicy is not a known policy', () => {
    expect(() => KvConnector.nixl({ kvLoadFailurePolicy: 'ignore' as KvLoadFailurePolicy }))
      .toThrow(/^KvConnector \(NixlConnector\): 'kvLoadFailurePolicy' \('ignore'\) must be one of \["fail","recompute"\]$/);
  });

  test('fails when a tier asks for a kvRole the connector does not allow on that tier', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvRole: KvRole.KV_CONSUMER }))
      .toThrow(/^PrefillTier 'test\/Prefill': 'kvRole' \('kv_consumer'\) is not allowed for NixlConnector on a prefill tier; allowed: kv_producer, kv_both$/);
  });

  test('fails when kvRole is not a kv_role at all', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvRole: 'kv_reader' as KvRole }))
      .toThrow(/DecodeTier 'test\/Decode': 'kvRole' \('kv_reader'\) must be one of kv_producer, kv_consumer, kv_both/);
  });
});
