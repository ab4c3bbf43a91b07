/** The PdService props boundary. */
import { Model, PdService } from '../../src';
import { chart } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
const service = (props: any) => () => new PdService(chart(), 'S', { model, ...props });

const rows: Array<[string, any, string]> = [
  ['a typo in a prop name', { kvconnector: 'x' }, "'kvconnector' ('x') is not a prop of PdServiceProps (did you mean 'kvConnector'?)"],
  ['a tier prop at the top level', { replicas: 2 }, "'replicas' (2) is not a prop of PdServiceProps"],
  ['a shared prop inside a tier (it would be overridden silently)', { prefill: { image: 'x' } }, "'prefill.image' ('x') is not a prop of TierOptions"],
  ['a typo inside decode', { decode: { tensorParalelSize: 2 } }, "'decode.tensorParalelSize' (2) is not a prop of TierOptions (did you mean 'tensorParallelSize'?)"],
  ['decode options that are not an object', { decode: 'big' }, "'decode' ('big') must be an object of TierOptions props"],
  ['decode options that are an array', { decode: [1] }, "'decode' ([1]) must be an object of TierOptions props"],
  ['a tier inside the router options (it would be overridden silently)', { router: { prefill: {} } }, "'router.prefill' ({}) is not a prop of PdRouterOptions"],
  ['a string for router.strategy', { router: { strategy: 'vllm-router' } }, "'router.strategy' ('vllm-router') must be a RouterStrategy"],
  ['a string for router.replicas', { router: { replicas: '1' } }, "'router.replicas' ('1') must be an integer >= 1"],
  ['a string "true" in a tier', { prefill: { enableChunkedPrefill: 'true' } }, "'prefill.enableChunkedPrefill' ('true') must be a boolean"],
  ['decode maxModelLen below prefill maxModelLen', { prefill: { maxModelLen: 8192 }, decode: { maxModelLen: 4096 } },
    "'decode.maxModelLen' (4096) must be >= prefill's maxModelLen (8192): decode must serve every request prefill accepts"],
  ['decode maxModelLen set while prefill takes the model maximum', { decode: { maxModelLen: 4096 } },
    "'decode.maxModelLen' (4096) must be >= prefill's maxModelLen (unset: the model's maximum)"],
];

describe('service props', () => {
  test.each(rows)('fails with %s', (_name, props, fragment) => {
    expect(service(props)).toThrow(fragment);
  });

  test('accepts null tier and router options', () => {
    expect(service({ prefill: null, decode: null, router: null, image: null, hfToken: null })).not.toThrow();
  });

  test('accepts a decode maxModelLen above prefill maxModelLen', () => {
    expect(service({ prefill: { maxModelLen: 4096 }, decode: { maxModelLen: 8192 } })).not.toThrow();
  });

  test('fails with a plain JavaScript call: props given as a list', () => {
    const js: any = [model];
    expect(() => new PdService(chart(), 'S', js)).toThrow("'model' (undefined) is required");
  });
});
