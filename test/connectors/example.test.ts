import {
  DecodeTier, KvConnector, KvLoadFailurePolicy, KvRole, Model, PdService, PrefillTier, RouterStrategy, VllmImage,
} from '../../src';
import { expectOnlyDocumentedKeys } from '../kv-transfer-config-keys';
import { chart, container, find, kvTransferConfig, Manifest, synth } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
const DEVELOPMENT_ONLY = 'vllm-pd.cdk8s.io/development-only';

function service(props: any = {}, c = chart()) {
  const svc = new PdService(c, 'Svc', {
    model,
    kvConnector: KvConnector.example({ claimName: 'kv-cache-rwx' }),
    router: { strategy: RouterStrategy.vllmRouter() },
    ...props,
  });
  return { c, svc };
}

function pod(dep: Manifest): any {
  return dep.spec.template.spec;
}

describe('ExampleConnector', () => {
  test('PdService on vLLM 0.32.0: ExampleConnector, the RWX claim mounted into both tiers, development-only annotation', () => {
    const { c } = service();
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    for (const [role, kvRole] of [['prefill', 'kv_producer'], ['decode', 'kv_consumer']]) {
      const dep = find(objects, 'Deployment', role);
      expect(kvTransferConfig(dep)).toEqual({
        kv_connector: 'ExampleConnector',
        kv_role: kvRole,
        kv_load_failure_policy: 'fail',
        kv_connector_extra_config: { shared_storage_path: '/kv-shared-storage' },
      });
      expect(pod(dep).volumes).toContainEqual({ name: 'kv-shared-storage', persistentVolumeClaim: { claimName: 'kv-cache-rwx' } });
      expect(container(dep).volumeMounts).toContainEqual({ name: 'kv-shared-storage', mountPath: '/kv-shared-storage' });
      expect(dep.spec.template.metadata.annotations[DEVELOPMENT_ONLY]).toMatch(/development and testing only/);
      // Shared storage needs no extra ports.
      expect(container(dep).ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    }
    // vllm-router drives it with the prefill-then-decode (NIXL) flow.
    const args: string[] = container(find(objects, 'Deployment', 'router')).args;
    expect(args.slice(args.indexOf('--kv-connector'), args.indexOf('--kv-connector') + 2)).toEqual(['--kv-connector', 'nixl']);
    // The library does not create the claim: it must exist.
    expect(objects.filter(o => o.kind === 'PersistentVolumeClaim')).toEqual([]);
  });

  test('the rendered JSON uses only KVTransferConfig fields and documented Example extra-config keys', () => {
    const { c } = service();
    const objects = synth(c);
    for (const role of ['prefill', 'decode']) {
      expectOnlyDocumentedKeys(kvTransferConfig(find(objects, 'Deployment', role)));
    }
  });

  test('vLLM 0.12.0 renders the old name SharedStorageConnector', () => {
    const { c } = service({
      image: VllmImage.official('v0.12.0'),
      kvConnector: KvConnector.example({ claimName: 'kv', sharedStoragePath: '/mnt/kv', kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE }),
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    for (const [role, kvRole] of [['prefill', 'kv_producer'], ['decode', 'kv_consumer']]) {
      const dep = find(objects, 'Deployment', role);
      const config = kvTransferConfig(dep);
      expect(config).toEqual({
        kv_connector: 'SharedStorageConnector',
        kv_role: kvRole,
        kv_load_failure_policy: 'recompute',
        kv_connector_extra_config: { shared_storage_path: '/mnt/kv' },
      });
      expectOnlyDocumentedKeys(config);
      expect(pod(dep).volumes).toContainEqual({ name: 'kv-shared-storage', persistentVolumeClaim: { claimName: 'kv' } });
      expect(container(dep).volumeMounts).toContainEqual({ name: 'kv-shared-storage', mountPath: '/mnt/kv' });
      expect(dep.spec.template.metadata.annotations).toHaveProperty([DEVELOPMENT_ONLY]);
    }
  });

  test('vLLM 0.15.0 renders the new name ExampleConnector', () => {
    const tier = new PrefillTier(chart(), 'Prefill', { model, image: VllmImage.official('v0.15.0'), kvConnector: KvConnector.example({ claimName: 'kv' }) });
    expect(tier.kvConnector._transferConfig(tier._context).kv_connector).toBe('ExampleConnector');
  });

  test.each(['v0.13.0', 'v0.14.1'])('fails on %s, where which name is registered is unconfirmed', (tag) => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model, image: VllmImage.official(tag), kvConnector: KvConnector.example({ claimName: 'kv' }) }))
      .toThrow(/'kvConnector' \('ExampleConnector'\) cannot be named for vLLM 0\.1[34]\.\d: SharedStorageConnector exists in vLLM < 0\.13\.0, ExampleConnector in vLLM >= 0\.15\.0, and which releases in between carry which name is unconfirmed \(PR #30201\)/);
  });

  test('both tiers may run as kv_both', () => {
    const c = chart();
    const kvConnector = KvConnector.example({ claimName: 'kv' });
    new PrefillTier(c, 'Prefill', { model, kvConnector, kvRole: KvRole.KV_BOTH });
    new DecodeTier(c, 'Decode', { model, kvConnector, kvRole: KvRole.KV_BOTH });
    const objects = synth(c);
    expect(kvTransferConfig(find(objects, 'Deployment', 'prefill')).kv_role).toBe('kv_both');
    expect(kvTransferConfig(find(objects, 'Deployment', 'decode')).kv_role).toBe('kv_both');
  });

  test('fails when decode kvRole is kv_producer', () => {
    expect(() => new DecodeTier(chart(), 'Decode', { model, kvConnector: KvConnector.example({ claimName: 'kv' }), kvRole: KvRole.KV_PRODUCER }))
      .toThrow(/^DecodeTier 'test\/Decode': 'kvRole' \('kv_producer'\) is not allowed for ExampleConnector on a decode tier; allowed: kv_consumer, kv_both$/);
  });

  test('fails with the production-stack router', () => {
    expect(() => service({ router: { strategy: RouterStrategy.productionStackRouter() } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'strategy' \('production-stack router'\) does not implement the shared storage request flow that ExampleConnector needs \(production-stack router implements: LMCache PD\)/);
  });

  test.each(['', 'Kv_Cache', '-kv', 'kv cache'])('fails when claimName is %p', (claimName) => {
    expect(() => KvConnector.example({ claimName }))
      .toThrow(/^KvConnector\.example: 'claimName' \('.*'\) must name an existing ReadWriteMany PersistentVolumeClaim \(RFC 1123 subdomain\)$/);
  });

  test('fails when claimName is missing', () => {
    expect(() => KvConnector.example({} as any))
      .toThrow(/^KvConnector\.example: 'claimName' \(undefined\) must name an existing ReadWriteMany PersistentVolumeClaim/);
  });

  test.each(['relative/path', '/', '/with space'])('fails when sharedStoragePath is %p', (sharedStoragePath) => {
    expect(() => KvConnector.example({ claimName: 'kv', sharedStoragePath }))
      .toThrow(/^KvConnector\.example: 'sharedStoragePath' \('.*'\) must be an absolute directory other than '\/', e\.g\. '\/kv-shared-storage'$/);
  });
});
