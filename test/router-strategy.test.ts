import { chart } from './util';
import { KvConnector, Model, NixlTransferMode, PdService, RouterStrategy, RoutingPolicy } from '../src';

describe('RouterStrategy', () => {
  test('vllmRouter() implements the NIXL pull, Mooncake, P2pNccl and shared-storage flows', () => {
    const strategy = RouterStrategy.vllmRouter();
    expect(strategy.displayName).toBe('vllm-router');
    expect(strategy.supportedTransports).toEqual(['NIXL (pull)', 'Mooncake', 'P2pNccl', 'shared storage']);
  });

  test('productionStackRouter() implements the LMCache PD flow', () => {
    const strategy = RouterStrategy.productionStackRouter();
    expect(strategy.displayName).toBe('production-stack router');
    expect(strategy.supportedTransports).toEqual(['LMCache PD']);
  });

  test('the flow a connector needs is one a strategy names', () => {
    expect(RouterStrategy.vllmRouter().supportedTransports).toContain(KvConnector.nixl().transport);
    expect(RouterStrategy.vllmRouter().supportedTransports).not.toContain(KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }).transport);
  });

  test('supportedTransports is a copy: changing it does not change the strategy', () => {
    const strategy = RouterStrategy.vllmRouter();
    strategy.supportedTransports.push('NIXL (push)');
    expect(strategy.supportedTransports).toEqual(['NIXL (pull)', 'Mooncake', 'P2pNccl', 'shared storage']);
  });

  test('each call returns a new strategy', () => {
    expect(RouterStrategy.vllmRouter()).not.toBe(RouterStrategy.vllmRouter());
  });

  test('a PdService uses vllm-router unless told otherwise', () => {
    const svc = new PdService(chart(), 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT });
    expect(svc.router.strategy.displayName).toBe('vllm-router');
  });

  test('a PdService uses the strategy it is given', () => {
    const strategy = RouterStrategy.vllmRouter({ prefillPolicy: RoutingPolicy.RANDOM });
    const svc = new PdService(chart(), 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, router: { strategy } });
    expect(svc.router.strategy).toBe(strategy);
  });

  test('fails when the strategy does not implement the flow the connector needs', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      kvConnector: KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }),
    })).toThrow(/^PdRouter 'test\/Svc\/Router': 'strategy' \('vllm-router'\) does not implement the NIXL \(push\) request flow that NixlPushConnector needs \(vllm-router implements: NIXL \(pull\), Mooncake, P2pNccl, shared storage\)/);
  });

  test('fails when the production-stack router is asked to route NIXL', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      router: { strategy: RouterStrategy.productionStackRouter() },
    })).toThrow(/^PdRouter 'test\/Svc\/Router': 'strategy' \('production-stack router'\) does not implement the NIXL \(pull\) request flow that NixlConnector needs \(production-stack router implements: LMCache PD\)/);
  });

  test('fails when vllmRouter() is given invalid options', () => {
    expect(() => RouterStrategy.vllmRouter({ prefillPolicy: 'fastest' as RoutingPolicy }))
      .toThrow(/^RouterStrategy\.vllmRouter: 'prefillPolicy' \('fastest'\) must be one of random, round_robin, cache_aware, power_of_two, consistent_hash$/);
  });

  test('fails when productionStackRouter() is given an image with whitespace', () => {
    expect(() => RouterStrategy.productionStackRouter({ image: 'lmcache/lmstack-router :v0.1.12' }))
      .toThrow(/^RouterStrategy\.productionStackRouter: 'image' \('lmcache\/lmstack-router :v0\.1\.12'\) must be an image reference without whitespace$/);
  });
});
