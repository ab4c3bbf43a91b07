import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing, Yaml } from 'cdk8s';
import {
  DecodeTier, KvBufferDevice, KvConnector, KvRole, Model, PdRouter, PdService,
  PrefillTier, RouterStrategy,
} from '../../src';
import { chart, find, kvTransferConfig, synth } from '../util';

// LMCache PD behind a PdRouter is refused (no released router implements it: src/routers/production-stack.ts);
// standalone tiers with the user's own LMCache PD proxy (proxyHost/proxyPort) render complete configs, which
// conformance/run hands to LMCache's own loader.
const model = Model.LLAMA_3_1_8B_INSTRUCT;
const productionStack = { strategy: RouterStrategy.productionStackRouter() };

function service(props: any = {}, c = chart()) {
  const svc = new PdService(c, 'Svc', { model, kvConnector: KvConnector.lmcache(), router: productionStack, ...props });
  return { c, svc };
}

describe('LMCacheConnectorV1', () => {
  test('fails when enableChunkedPrefill is true', () => {
    expect(() => service({ prefill: { enableChunkedPrefill: true } }))
      .toThrow(/^PrefillTier 'test\/Svc\/Prefill': 'enableChunkedPrefill' \(true\) must be false or unset with LMCacheConnectorV1: LMCache PD is not compatible with chunked prefill$/);
  });

  test('fails when decode sets enableChunkedPrefill true', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model, kvConnector: KvConnector.lmcache(), enableChunkedPrefill: true }))
      .toThrow(/^DecodeTier 'test\/Decode': 'enableChunkedPrefill' \(true\) must be false or unset with LMCacheConnectorV1/);
  });

  test('fails with vllm-router, which does not implement the LMCache PD flow', () => {
    expect(() => service({ router: { strategy: RouterStrategy.vllmRouter() } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'strategy' \('vllm-router'\) does not implement the LMCache PD request flow that LMCacheConnectorV1 needs \(vllm-router implements: NIXL \(pull\), Mooncake, P2pNccl, shared storage\)/);
  });

  test('fails with the production-stack router: no released router implements LMCache PD', () => {
    expect(() => service())
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'strategy' \('production-stack router'\) cannot route LMCacheConnectorV1: no released router implements LMCache PD/);
  });

  test('fails with the default router, which is vllm-router', () => {
    expect(() => service({ router: {} }))
      .toThrow(/'strategy' \('vllm-router'\) does not implement the LMCache PD request flow that LMCacheConnectorV1 needs/);
  });

  test('fails at synth when a tier has no PdRouter: its config carries the router address', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', { model, kvConnector: KvConnector.lmcache() });
    expect(() => Testing.synth(c))
      .toThrow(/PrefillTier 'test\/Prefill': 'kvConnector' \('LMCacheConnectorV1'\) needs a PdRouter for this tier: its config carries the router's address/);
  });

  test('fails when prefill kvRole is kv_both', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model, kvConnector: KvConnector.lmcache(), kvRole: KvRole.KV_BOTH }))
      .toThrow(/^PrefillTier 'test\/Prefill': 'kvRole' \('kv_both'\) is not allowed for LMCacheConnectorV1 on a prefill tier; allowed: kv_producer$/);
  });

  test('fails when pythonHashSeed is negative', () => {
    expect(() => KvConnector.lmcache({ pythonHashSeed: -1 }))
      .toThrow(/^KvConnector\.lmcache: 'pythonHashSeed' \(-1\) must be an integer >= 0$/);
  });

  test('fails when pythonHashSeed exceeds 4294967295', () => {
    expect(() => KvConnector.lmcache({ pythonHashSeed: 4294967296 }))
      .toThrow(/^KvConnector\.lmcache: 'pythonHashSeed' \(4294967296\) must be <= 4294967295$/);
  });

  test('fails when nixlBackends is empty', () => {
    expect(() => KvConnector.lmcache({ nixlBackends: [] }))
      .toThrow(/^KvConnector\.lmcache: 'nixlBackends' \(\[\]\) must list at least one NIXL backend$/);
  });

  test('fails when bufferDevice is not cuda or cpu', () => {
    expect(() => KvConnector.lmcache({ bufferDevice: 'xpu' as KvBufferDevice }))
      .toThrow(/^KvConnector\.lmcache: 'bufferDevice' \('xpu'\) must be one of cuda, cpu$/);
  });

  test('fails when peerAllocPort is within 64 ports of peerInitPort', () => {
    expect(() => KvConnector.lmcache({ peerInitPort: 7300, peerAllocPort: 7310 }))
      .toThrow(/^KvConnector\.lmcache: 'peerAllocPort' \(7310\) must be at least 64 away from peerInitPort \(7300\)/);
  });

  test('fails when prefill and decode use differently configured LMCache connectors', () => {
    const c = chart();
    const prefill = new PrefillTier(c, 'Prefill', { model, kvConnector: KvConnector.lmcache({ pythonHashSeed: 1 }) });
    const decode = new DecodeTier(c, 'Decode', { model, kvConnector: KvConnector.lmcache({ pythonHashSeed: 2 }) });
    expect(() => new PdRouter(c, 'Router', { prefill, decode, strategy: RouterStrategy.productionStackRouter() }))
      .toThrow(/^PdRouter 'test\/Router': 'decode.kvConnector' .* must be configured like prefill's kvConnector/);
  });
});

describe('LMCacheConnectorV1 with decode tensor parallelism', () => {
  test('a decode tier listens on one init and one alloc port per TP rank', () => {
    const tier = new DecodeTier(chart(), 'Decode', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvConnector: KvConnector.lmcache(), tensorParallelSize: 2 });
    expect((tier.kvConnector._render(tier._spec).pod.ports ?? []).map(p => `${p.name}:${p.containerPort}`))
      .toEqual(['lmc-init-0:7300', 'lmc-init-1:7301', 'lmc-alloc-0:7400', 'lmc-alloc-1:7401']);
  });

});

describe('LMCacheConnectorV1 with your own LMCache PD proxy', () => {
  const ownProxy = () => KvConnector.lmcache({ proxyHost: 'lmcache-proxy.llm.svc', proxyPort: 7500 });

  test('standalone tiers render a complete sender and receiver config without a PdRouter', () => {
    const c = chart();
    const kvConnector = ownProxy();
    new PrefillTier(c, 'Prefill', { model, kvConnector, tensorParallelSize: 2 });
    new DecodeTier(c, 'Decode', { model, kvConnector, tensorParallelSize: 2 });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const configOf = (tier: string) => {
      const cm = objects.find(o => o.kind === 'ConfigMap' && o.metadata.labels?.['app.kubernetes.io/component'] === tier)!;
      // cdk8s's own YAML reader (the library writes the file with cdk8s's Yaml.stringify).
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lmcache-')), 'config.yaml');
      fs.writeFileSync(file, Object.values(cm.data as Record<string, string>)[0]);
      return Yaml.load(file)[0];
    };
    expect(configOf('prefill')).toMatchObject({ pd_role: 'sender', pd_proxy_host: 'lmcache-proxy.llm.svc', pd_proxy_port: 7500 });
    expect(configOf('decode')).toMatchObject({ pd_role: 'receiver', pd_peer_init_port: [7300, 7301], pd_peer_alloc_port: [7400, 7401] });
    expect(kvTransferConfig(find(objects, 'Deployment', 'prefill')).kv_role).toBe('kv_producer');
  });

  test('fails when proxyHost is given without proxyPort', () => {
    expect(() => KvConnector.lmcache({ proxyHost: 'lmcache-proxy' }))
      .toThrow(/^KvConnector\.lmcache: 'proxyHost' \('lmcache-proxy'\) must be given together with proxyPort/);
  });

  test('fails when proxyPort is given without proxyHost', () => {
    expect(() => KvConnector.lmcache({ proxyPort: 7500 }))
      .toThrow(/^KvConnector\.lmcache: 'proxyPort' \(7500\) must be given together with proxyHost/);
  });

  test('fails when proxyHost is not a DNS name', () => {
    expect(() => KvConnector.lmcache({ proxyHost: 'Proxy_Host', proxyPort: 7500 }))
      .toThrow(/^KvConnector\.lmcache: 'proxyHost' \('Proxy_Host'\) must be a DNS name or IPv4 address/);
  });

  test('fails behind a PdRouter all the same: no released router implements LMCache PD', () => {
    expect(() => new PdService(chart(), 'Svc', { model, kvConnector: ownProxy(), router: productionStack }))
      .toThrow(/no released router implements LMCache PD/);
  });
});
