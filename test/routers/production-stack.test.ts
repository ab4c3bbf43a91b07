import { DecodeTier, KvConnector, Model, PdRouter, PdService, PrefillTier, RouterStrategy } from '../../src';
import { chart } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;

function service(props: any = {}, c = chart()) {
  return new PdService(c, 'Svc', {
    model,
    kvConnector: KvConnector.lmcache(),
    ...props,
    router: { strategy: RouterStrategy.productionStackRouter() },
  });
}

// No released production-stack router implements LMCache PD (src/routers/production-stack.ts), so it never renders.
const REFUSAL = /^PdRouter 'test\/Svc\/Router': 'strategy' \('production-stack router'\) cannot route LMCacheConnectorV1: no released router implements LMCache PD: the production-stack router \(vllm-stack-0\.1\.12, main of Aug 2026\) sends prefill no kv_transfer_params\.disagg_spec, without which LMCache moves no KV, and has no --nixl-proxy-\*\/--nixl-peer-\* flags \(only in its unmerged PRs #669, #841, #913; its parser exits on unknown arguments\); vllm-router implements nixl, mooncake and moriio only\. Use KvConnector\.nixl\(\) with RouterStrategy\.vllmRouter\(\) for PD/;

describe('production-stack router', () => {
  test('fails with LMCache PD: no released production-stack router implements it', () => {
    expect(() => service()).toThrow(REFUSAL);
  });

  test('fails with LMCache PD whatever the topology (1P1D, TP 1)', () => {
    expect(() => service({ prefill: { replicas: 1 }, decode: { replicas: 1, tensorParallelSize: 1 } })).toThrow(REFUSAL);
  });

  test('fails for standalone LMCache tiers too', () => {
    const c = chart();
    const kvConnector = KvConnector.lmcache();
    const prefill = new PrefillTier(c, 'Prefill', { model, kvConnector });
    const decode = new DecodeTier(c, 'Decode', { model, kvConnector });
    expect(() => new PdRouter(c, 'Router', { prefill, decode, strategy: RouterStrategy.productionStackRouter() }))
      .toThrow(/^PdRouter 'test\/Router': 'strategy' \('production-stack router'\) cannot route LMCacheConnectorV1: no released router implements LMCache PD/);
  });

  test('fails with a NIXL connector, whose flow it does not implement', () => {
    expect(() => service({ kvConnector: KvConnector.nixl() }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'strategy' \('production-stack router'\) does not implement the NIXL \(pull\) request flow that NixlConnector needs \(production-stack router implements: LMCache PD\); see the RouterStrategy table$/);
  });

  test.each(['', 'bad image'])('fails when the image is %p', (image) => {
    expect(() => RouterStrategy.productionStackRouter({ image }))
      .toThrow(/^RouterStrategy\.productionStackRouter: 'image' \('.*'\) must be an image reference without whitespace$/);
  });
});
