import { DecodeTier, KvConnector, Model, NixlBackend, PrefillTier } from '../../src';
import { validatePair } from '../../src/private/pair-rules';
import { chart } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;

describe('pair-rules', () => {
  test('connectors configured alike but spelled differently pair', () => {
    const c = chart();
    const prefill = new PrefillTier(c, 'P', { model, kvConnector: KvConnector.nixl() });
    const decode = new DecodeTier(c, 'D', { model, kvConnector: KvConnector.nixl({ backends: [NixlBackend.UCX] }) });
    expect(() => validatePair('X', prefill._spec, decode._spec)).not.toThrow();
  });

  test('fails naming the first rendered difference between the connectors', () => {
    const c = chart();
    const prefill = new PrefillTier(c, 'P', { model, kvConnector: KvConnector.nixl() });
    const decode = new DecodeTier(c, 'D', { model, kvConnector: KvConnector.nixl({ sideChannelPort: 5700 }) });
    expect(() => validatePair('X', prefill._spec, decode._spec))
      .toThrow(/^X: 'decode\.kvConnector' \('NixlConnector'\) must be configured like prefill's kvConnector \(NixlConnector\): rendered on the prefill tier, env\.1\.value is "5700" for decode's connector but "5600" for prefill's$/);
  });

  test('fails when the tokenizers differ', () => {
    const c = chart();
    const prefill = new PrefillTier(c, 'P', { model, tokenizer: 'a/tok' });
    const decode = new DecodeTier(c, 'D', { model });
    expect(() => validatePair('X', prefill._spec, decode._spec))
      .toThrow(/^X: 'decode\.tokenizer' \(undefined\) must equal prefill's tokenizer \("a\/tok"\): both tiers must use the same tokenizer$/);
  });

  test('renders each connector signature once per tier context, and not at all for one shared connector', () => {
    const c = chart();
    const shared = KvConnector.nixl();
    const prefill = new PrefillTier(c, 'P', { model, kvConnector: shared });
    const decode = new DecodeTier(c, 'D', { model, kvConnector: shared });
    const signature = jest.spyOn(KvConnector.prototype, '_signature');
    try {
      validatePair('X', prefill._spec, decode._spec);
      expect(signature).not.toHaveBeenCalled();
      const other = new DecodeTier(chart(), 'D', { model, kvConnector: KvConnector.nixl() });
      validatePair('X', prefill._spec, other._spec);
      // Two connectors x two tier contexts.
      expect(signature).toHaveBeenCalledTimes(4);
    } finally {
      signature.mockRestore();
    }
  });
});
