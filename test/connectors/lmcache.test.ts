import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Size, Testing, Yaml } from 'cdk8s';
import {
  DecodeTier, KvBufferDevice, KvConnector, KvLoadFailurePolicy, KvRole, Model, NixlBackend, PdRouter, PdService,
  PrefillTier, RouterStrategy,
} from '../../src';
import { expectOnlyDocumentedKeys } from '../kv-transfer-config-keys';
import { argValue, chart, container, env, find, kvTransferConfig, Manifest, synth } from '../util';

/**
 * Parses one YAML document with cdk8s's own parser (YAML 1.1, as LMCache's PyYAML reads it). `yaml` is not a
 * declared dependency of this project, so it is not required directly.
 */
function parseYaml(text: string): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lmcache-config-'));
  try {
    const file = path.join(dir, 'lmcache-config.yaml');
    fs.writeFileSync(file, text);
    const docs = Yaml.load(file);
    expect(docs).toHaveLength(1);
    return docs[0];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const model = Model.LLAMA_3_1_8B_INSTRUCT;
const productionStack = { strategy: RouterStrategy.productionStackRouter() };

/** The parsed LMCache YAML mounted into a tier's pods, found through the pod's `lmcache-config` volume. */
function lmcacheConfig(objects: Manifest[], dep: Manifest): any {
  const volume = dep.spec.template.spec.volumes.find((v: any) => v.name === 'lmcache-config');
  expect(volume).toBeDefined();
  const cms = objects.filter(o => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
  expect(cms).toHaveLength(1);
  expect(Object.keys(cms[0].data)).toEqual(['lmcache-config.yaml']);
  return parseYaml(cms[0].data['lmcache-config.yaml']);
}

function service(props: any = {}, c = chart()) {
  const svc = new PdService(c, 'Svc', { model, kvConnector: KvConnector.lmcache(), router: productionStack, ...props });
  return { c, svc };
}

describe('LMCacheConnectorV1', () => {
  test('PdService with the production-stack router: sender on prefill, receiver on decode', () => {
    const { c, svc } = service({ prefill: { tensorParallelSize: 2 }, decode: { tensorParallelSize: 1 } });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const prefill = find(objects, 'Deployment', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    const routerSvc = find(objects, 'Service', 'router');
    expect(routerSvc.metadata.name).toBe(svc.router.serviceName);

    expect(kvTransferConfig(prefill)).toEqual({
      kv_connector: 'LMCacheConnectorV1',
      kv_role: 'kv_producer',
      kv_load_failure_policy: 'fail',
      kv_connector_extra_config: { discard_partial_chunks: false, lmcache_rpc_port: 'producer1' },
    });
    expect(kvTransferConfig(decode)).toEqual({
      kv_connector: 'LMCacheConnectorV1',
      kv_role: 'kv_consumer',
      kv_load_failure_policy: 'fail',
      kv_connector_extra_config: { discard_partial_chunks: false, lmcache_rpc_port: 'consumer1' },
    });

    // Prefill is the LMCache sender and notifies the router Service on 7500.
    expect(lmcacheConfig(objects, prefill)).toEqual({
      local_cpu: false,
      max_local_cpu_size: 0,
      max_local_disk_size: 0,
      enable_pd: true,
      save_unfull_chunk: true,
      transfer_channel: 'nixl',
      nixl_backends: ['UCX'],
      pd_role: 'sender',
      pd_proxy_host: routerSvc.metadata.name,
      pd_proxy_port: 7500,
      pd_buffer_size: 1073741824,
      pd_buffer_device: 'cuda',
    });
    // Decode is the receiver, listening on one init and one alloc port per TP rank (TP 1 here).
    expect(lmcacheConfig(objects, decode)).toEqual({
      local_cpu: false,
      max_local_cpu_size: 0,
      max_local_disk_size: 0,
      enable_pd: true,
      save_unfull_chunk: true,
      transfer_channel: 'nixl',
      nixl_backends: ['UCX'],
      pd_role: 'receiver',
      pd_peer_host: '0.0.0.0',
      pd_peer_init_port: [7300],
      pd_peer_alloc_port: [7400],
      pd_buffer_size: 2147483648,
      pd_buffer_device: 'cuda',
    });
    // The router Service carries the LMCache notification port.
    expect(routerSvc.spec.ports).toContainEqual({ name: 'kv-side', port: 7500, targetPort: 7500, protocol: 'TCP' });

    // Decode exposes the receiver ports; prefill only its HTTP port.
    expect(container(decode).ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'lmc-init-0', containerPort: 7300, protocol: 'TCP' },
      { name: 'lmc-alloc-0', containerPort: 7400, protocol: 'TCP' },
    ]);
    expect(container(prefill).ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    // The router tells prefill these same ports (--nixl-peer-init-port / --nixl-peer-alloc-port).
    const routerArgs: string[] = container(find(objects, 'Deployment', 'router')).args;
    expect(routerArgs.slice(routerArgs.indexOf('--nixl-peer-init-port'), routerArgs.indexOf('--nixl-peer-init-port') + 2)).toEqual(['--nixl-peer-init-port', '7300']);
    expect(routerArgs.slice(routerArgs.indexOf('--nixl-peer-alloc-port'), routerArgs.indexOf('--nixl-peer-alloc-port') + 2)).toEqual(['--nixl-peer-alloc-port', '7400']);

    for (const [role, dep] of [['prefill', prefill], ['decode', decode]] as const) {
      // The config file is mounted read-only where LMCACHE_CONFIG_FILE points.
      expect(env(dep, 'LMCACHE_CONFIG_FILE')).toEqual({ name: 'LMCACHE_CONFIG_FILE', value: '/etc/lmcache/lmcache-config.yaml' });
      expect(env(dep, 'LMCACHE_USE_EXPERIMENTAL')).toEqual({ name: 'LMCACHE_USE_EXPERIMENTAL', value: 'True' });
      expect(container(dep).volumeMounts).toContainEqual({ name: 'lmcache-config', mountPath: '/etc/lmcache', readOnly: true });
      // LMCache PD is not compatible with chunked prefill: turned off explicitly.
      expect(container(dep).args).toContain('--no-enable-chunked-prefill');
      expect(container(dep).args).not.toContain('--enable-chunked-prefill');
      // production-stack matches pods by the `model` label, which must stay out of the Deployment selector.
      expect(dep.spec.template.metadata.labels.model).toBe(role);
      expect(dep.spec.selector.matchLabels.model).toBeUndefined();
    }
    // Chunk keys are Python hashes: both tiers hash alike.
    expect(env(prefill, 'PYTHONHASHSEED')).toEqual({ name: 'PYTHONHASHSEED', value: '0' });
    expect(env(decode, 'PYTHONHASHSEED')).toEqual(env(prefill, 'PYTHONHASHSEED'));
    // One ConfigMap per tier.
    expect(objects.filter(o => o.kind === 'ConfigMap')).toHaveLength(2);
    expect(svc.prefill.enableChunkedPrefill).toBe(false);
    expect(svc.decode.enableChunkedPrefill).toBe(false);
  });

  test('the rendered JSON uses only KVTransferConfig fields and documented LMCache extra-config keys', () => {
    const { c } = service();
    const objects = synth(c);
    for (const role of ['prefill', 'decode']) {
      expectOnlyDocumentedKeys(kvTransferConfig(find(objects, 'Deployment', role)));
    }
  });

  test('the production-stack router selects both tiers by label and routes with disaggregated_prefill', () => {
    const { c, svc } = service();
    const objects = synth(c);
    const args: string[] = container(find(objects, 'Deployment', 'router')).args;
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(value('--routing-logic')).toBe('disaggregated_prefill');
    expect(value('--prefill-model-labels')).toBe('prefill');
    expect(value('--decode-model-labels')).toBe('decode');
    const instance = svc.prefill.selectorLabels['app.kubernetes.io/instance'];
    expect(value('--k8s-label-selector'))
      .toBe(`app.kubernetes.io/name=vllm,app.kubernetes.io/instance=${instance},app.kubernetes.io/component in (prefill,decode)`);
    // The selector matches both tiers' pods, and the model labels match the pods' `model` label.
    for (const role of ['prefill', 'decode']) {
      const labels = find(objects, 'Deployment', role).spec.template.metadata.labels;
      expect(labels['app.kubernetes.io/name']).toBe('vllm');
      expect(labels['app.kubernetes.io/instance']).toBe(instance);
      expect(['prefill', 'decode']).toContain(labels['app.kubernetes.io/component']);
      expect(labels.model).toBe(value(`--${role}-model-labels`));
    }
  });

  test('options reach the LMCache YAML and the environment of both tiers', () => {
    const { c } = service({
      kvConnector: KvConnector.lmcache({
        pythonHashSeed: 123,
        prefillBufferSize: Size.gibibytes(4),
        decodeBufferSize: Size.gibibytes(8),
        bufferDevice: KvBufferDevice.CPU,
        nixlBackends: [NixlBackend.UCX, NixlBackend.LIBFABRIC],
        peerInitPort: 8300,
        peerAllocPort: 8400,
        kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE,
      }),
      decode: { tensorParallelSize: 1 },
    });
    const objects = synth(c);
    const prefill = find(objects, 'Deployment', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    const p = lmcacheConfig(objects, prefill);
    const d = lmcacheConfig(objects, decode);
    expect(p.pd_buffer_size).toBe(4 * 1024 ** 3);
    expect(d.pd_buffer_size).toBe(8 * 1024 ** 3);
    expect([p.pd_buffer_device, d.pd_buffer_device]).toEqual(['cpu', 'cpu']);
    expect(p.nixl_backends).toEqual(['UCX', 'LIBFABRIC']);
    expect(d.nixl_backends).toEqual(['UCX', 'LIBFABRIC']);
    expect(d.pd_peer_init_port).toEqual([8300]);
    expect(d.pd_peer_alloc_port).toEqual([8400]);
    expect(container(decode).ports.map((x: any) => x.containerPort)).toEqual([8000, 8300, 8400]);
    expect(env(prefill, 'PYTHONHASHSEED')).toEqual({ name: 'PYTHONHASHSEED', value: '123' });
    expect(env(decode, 'PYTHONHASHSEED')).toEqual({ name: 'PYTHONHASHSEED', value: '123' });
    expect(kvTransferConfig(prefill).kv_load_failure_policy).toBe('recompute');
    expect(kvTransferConfig(decode).kv_load_failure_policy).toBe('recompute');
  });

  test('enableChunkedPrefill false is rendered like the connector default', () => {
    const { c } = service({ prefill: { enableChunkedPrefill: false }, decode: { enableChunkedPrefill: false } });
    const objects = synth(c);
    for (const role of ['prefill', 'decode']) {
      expect(container(find(objects, 'Deployment', role)).args).toContain('--no-enable-chunked-prefill');
    }
  });

  test('composes standalone tiers with a PdRouter', () => {
    const c = chart();
    const kvConnector = KvConnector.lmcache();
    const prefill = new PrefillTier(c, 'Prefill', { model, kvConnector });
    const decode = new DecodeTier(c, 'Decode', { model, kvConnector });
    const router = new PdRouter(c, 'Router', { prefill, decode, strategy: RouterStrategy.productionStackRouter() });
    const objects = synth(c);
    expect(lmcacheConfig(objects, find(objects, 'Deployment', 'prefill')).pd_proxy_host).toBe(router.serviceName);
    expect(argValue(find(objects, 'Deployment', 'decode'), '--kv-transfer-config')).toContain('"kv_role":"kv_consumer"');
  });

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

  test('fails with the default router, which is vllm-router', () => {
    expect(() => service({ router: {} }))
      .toThrow(/'strategy' \('vllm-router'\) does not implement the LMCache PD request flow that LMCacheConnectorV1 needs/);
  });

  test('fails with 2 prefill replicas on the production-stack router', () => {
    expect(() => service({ prefill: { replicas: 2 } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'prefill.replicas' \(2\) must be 1 with the production-stack router: it routes to a single prefill and a single decode endpoint$/);
  });

  test('fails with 2 decode replicas on the production-stack router', () => {
    expect(() => service({ decode: { replicas: 2 } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'decode.replicas' \(2\) must be 1 with the production-stack router/);
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

  test('pairs standalone tiers whose connectors are configured alike but spelled differently', () => {
    // Defaults written out and the same size in another unit render the same manifests, so they must pair.
    const c = chart();
    const prefill = new PrefillTier(c, 'Prefill', { model, kvConnector: KvConnector.lmcache() });
    const decode = new DecodeTier(c, 'Decode', {
      model,
      kvConnector: KvConnector.lmcache({ pythonHashSeed: 0, prefillBufferSize: Size.mebibytes(1024), peerInitPort: 7300 }),
    });
    new PdRouter(c, 'Router', { prefill, decode, strategy: RouterStrategy.productionStackRouter() });
    const objects = synth(c);
    expect(env(find(objects, 'Deployment', 'decode'), 'PYTHONHASHSEED')).toEqual(env(find(objects, 'Deployment', 'prefill'), 'PYTHONHASHSEED'));
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

  test('fails with the production-stack router when decode TP is above 1', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      kvConnector: KvConnector.lmcache(),
      decode: { tensorParallelSize: 2 },
      router: { strategy: RouterStrategy.productionStackRouter() },
    })).toThrow(/'decode.tensorParallelSize' \(2\) must be 1 with the production-stack router: it sends LMCache a single receiver port pair/);
  });
});
