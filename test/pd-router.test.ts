import { Duration } from 'cdk8s';
import { argValue, chart, container, find, synth, unsized } from './util';
import {
  AttentionKind, DecodeTier, KvCacheDtype, KvConnector, KvLoadFailurePolicy, Model, NixlTransferMode, PdRouter, PrefillTier,
  RouterDiscovery, RouterStrategy, RoutingPolicy, VllmImage,
} from '../src';

const model = unsized(Model.LLAMA_3_1_70B_INSTRUCT);

function tiers(c = chart(), p: any = {}, d: any = {}) {
  const prefill = new PrefillTier(c, 'Prefill', { model, tensorParallelSize: 4, ...p });
  const decode = new DecodeTier(c, 'Decode', { model, tensorParallelSize: 4, ...d });
  return { c, prefill, decode };
}

describe('PdRouter', () => {
  test('composes standalone tiers: vllm-router with Kubernetes discovery and least-privilege RBAC', () => {
    const { c, prefill, decode } = tiers();
    const router = new PdRouter(c, 'Router', { prefill, decode });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'router');
    const pod = dep.spec.template.spec;
    expect(container(dep).command).toEqual(['vllm-router']);
    expect(container(dep).args).toEqual([
      '--host', '0.0.0.0', '--port', '8000', '--vllm-pd-disaggregation', '--kv-connector', 'nixl',
      '--prefill-policy', 'cache_aware', '--decode-policy', 'round_robin',
      '--service-discovery', '--service-discovery-namespace', '$(POD_NAMESPACE)', '--service-discovery-port', '8000',
      '--prefill-selector', 'app.kubernetes.io/name=vllm', 'app.kubernetes.io/instance=test',
      'app.kubernetes.io/component=prefill', 'llm-d.ai/role=prefill',
      '--decode-selector', 'app.kubernetes.io/name=vllm', 'app.kubernetes.io/instance=test',
      'app.kubernetes.io/component=decode', 'llm-d.ai/role=decode',
      '--prometheus-host', '0.0.0.0', '--prometheus-port', '29000',
    ]);
    expect(container(dep).env).toEqual([{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]);
    expect(container(dep).readinessProbe.httpGet.path).toBe('/readiness');
    expect(container(dep).livenessProbe.httpGet.path).toBe('/liveness');
    const role = find(objects, 'Role');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const sa = find(objects, 'ServiceAccount');
    const binding = find(objects, 'RoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'llm' }]);
    expect(pod.serviceAccountName).toBe(sa.metadata.name);
    expect(pod.automountServiceAccountToken).toBe(true);
    const svc = find(objects, 'Service', 'router');
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    expect(router.url).toBe(`http://${svc.metadata.name}:8000/v1`);
    // The router's selectors match the tiers' pods exactly.
    for (const [flag, tier] of [['--prefill-selector', prefill], ['--decode-selector', decode]] as const) {
      const i = container(dep).args.indexOf(flag);
      const pairs = container(dep).args.slice(i + 1, i + 5);
      expect(Object.fromEntries(pairs.map((p: string) => p.split('=')))).toEqual(tier.selectorLabels);
    }
  });

  test('static discovery points at the tier Services and needs no API access', () => {
    const { c, prefill, decode } = tiers(chart({}), { startupTimeout: Duration.minutes(90) }, {});
    new PdRouter(c, 'Router', { prefill, decode, discovery: RouterDiscovery.STATIC, port: 9000, replicas: 2 });
    const objects = synth(c);
    const dep = find(objects, 'Deployment', 'router');
    const args: string[] = container(dep).args;
    expect(args.slice(args.indexOf('--prefill'), args.indexOf('--prefill') + 2)).toEqual(['--prefill', `http://${prefill.serviceName}:8000`]);
    expect(args.slice(args.indexOf('--decode'), args.indexOf('--decode') + 2)).toEqual(['--decode', `http://${decode.serviceName}:8000`]);
    expect(args).not.toContain('--service-discovery');
    // Static workers get the longest tier startup budget (90 min here) before the router gives up on them.
    expect(args.slice(args.indexOf('--worker-startup-timeout-secs'), args.indexOf('--worker-startup-timeout-secs') + 2))
      .toEqual(['--worker-startup-timeout-secs', '5400']);
    expect(dep.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(dep.spec.replicas).toBe(2);
    expect(find(objects, 'Service', 'router').spec.ports[0].port).toBe(9000);
    expect(objects.filter(o => ['Role', 'RoleBinding', 'ServiceAccount'].includes(o.kind))).toEqual([]);
  });

  test('data parallel tiers get DP-aware routing', () => {
    const { c, prefill, decode } = tiers(chart(), { tensorParallelSize: 2, dataParallelSize: 2 }, { tensorParallelSize: 2, dataParallelSize: 2 });
    new PdRouter(c, 'Router', {
      prefill, decode, strategy: RouterStrategy.vllmRouter({ prefillPolicy: RoutingPolicy.ROUND_ROBIN, decodePolicy: RoutingPolicy.RANDOM }),
    });
    const args: string[] = container(find(synth(c), 'Deployment', 'router')).args;
    expect(args.slice(args.indexOf('--intra-node-data-parallel-size'), args.indexOf('--intra-node-data-parallel-size') + 2))
      .toEqual(['--intra-node-data-parallel-size', '2']);
    expect(args).toContain('round_robin');
    expect(args).toContain('random');
  });

  test('MLA models may run decode TP below prefill TP with NIXL', () => {
    const c = chart();
    const prefill = new PrefillTier(c, 'P', { model: unsized(Model.DEEPSEEK_V3), tensorParallelSize: 8 });
    const decode = new DecodeTier(c, 'D', { model: unsized(Model.DEEPSEEK_V3), tensorParallelSize: 4 });
    expect(() => new PdRouter(c, 'R', { prefill, decode })).not.toThrow();
    expect(argValue(find(synth(c), 'Deployment', 'decode'), '--tensor-parallel-size')).toBe('4');
  });

  test('NIXL decode TP may be below prefill TP while prefill TP is within the KV heads (PR #27274)', () => {
    const { c, prefill, decode } = tiers(chart(), { tensorParallelSize: 4 }, { tensorParallelSize: 2 });
    expect(() => new PdRouter(c, 'Router', { prefill, decode })).not.toThrow();
  });

  test('fails when NIXL decode TP is below prefill TP and prefill replicates KV heads', () => {
    const gqa2 = Model.of('org/gqa2', { architecture: { numAttentionHeads: 16, numKeyValueHeads: 2 } });
    const { c, prefill, decode } = tiers(chart(), { model: gqa2, tensorParallelSize: 4 }, { model: gqa2, tensorParallelSize: 2 });
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/PdRouter 'test\/Router': 'decode.tensorParallelSize' \(2\) must be >= prefill's tensorParallelSize \(4\) with NixlConnector on vLLM 0\.32\.0: prefill TP 4 exceeds the model's 2 KV heads/);
  });

  test('fails when a hybrid Mamba model uses different TP with NIXL', () => {
    const mamba = Model.of('org/hybrid', { architecture: { numAttentionHeads: 32, attention: AttentionKind.HYBRID_MAMBA } });
    const c = chart();
    const prefill = new PrefillTier(c, 'P', { model: mamba, tensorParallelSize: 2 });
    const decode = new DecodeTier(c, 'D', { model: mamba, tensorParallelSize: 4 });
    expect(() => new PdRouter(c, 'R', { prefill, decode }))
      .toThrow(/'decode.tensorParallelSize' \(4\) must equal prefill's tensorParallelSize \(2\) for hybrid Mamba models/);
  });

  test('fails when decode block size is smaller than prefill block size', () => {
    const { c, prefill, decode } = tiers(chart(), { blockSize: 128 }, { blockSize: 64 });
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/'decode.blockSize' \(64\) must be >= prefill's blockSize \(128\)/);
  });

  test('fails when block size is set on one tier only', () => {
    const { c, prefill, decode } = tiers(chart(), { blockSize: 128 }, {});
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/'decode.blockSize' \(undefined\) must be set on both tiers or on neither \(prefill: 128\)/);
  });

  test('fails when the tiers serve different models', () => {
    const c = chart();
    const prefill = new PrefillTier(c, 'P', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT) });
    const decode = new DecodeTier(c, 'D', { model: unsized(Model.LLAMA_3_1_70B_INSTRUCT) });
    expect(() => new PdRouter(c, 'R', { prefill, decode }))
      .toThrow(/'decode.model' \('meta-llama\/Llama-3.1-70B-Instruct'\) must equal prefill's model \("meta-llama\/Llama-3.1-8B-Instruct"\)/);
  });

  test('fails when the tiers run different vLLM versions', () => {
    const { c, prefill, decode } = tiers(chart(), { image: VllmImage.official('v0.26.0') }, {});
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/'decode.image version' \('0.32.0'\) must equal prefill's image version \("0.26.0"\)/);
  });

  test('fails when the KV cache dtypes differ', () => {
    const { c, prefill, decode } = tiers(chart(), { kvCacheDtype: KvCacheDtype.FP8 }, {});
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/'decode.kvCacheDtype' \(undefined\) must equal prefill's kvCacheDtype \("fp8"\)/);
  });

  test('fails when the connectors are configured differently', () => {
    const { c, prefill, decode } = tiers(chart(), {}, { kvConnector: KvConnector.nixl({ kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE }) });
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/'decode.kvConnector' .* must be configured like prefill's kvConnector/);
  });

  test('fails when Kubernetes discovery has no namespace for its RBAC', () => {
    const { c, prefill, decode } = tiers(chart({}));
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/'discovery' \('kubernetes'\) needs the chart's namespace for the router's Role and RoleBinding/);
  });

  test('fails when tiers listen on different ports under Kubernetes discovery', () => {
    const { c, prefill, decode } = tiers(chart(), {}, { port: 8200 });
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/'decode.port' \(8200\) must equal prefill's port \(8000\): vllm-router's --service-discovery-port applies to both tiers/);
  });

  test('fails when data parallel sizes differ', () => {
    const { c, prefill, decode } = tiers(chart(), { dataParallelSize: 2 }, {});
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/'decode.dataParallelSize' \(1\) must equal prefill's dataParallelSize \(2\)/);
  });

  test('fails when power_of_two has fewer than two workers', () => {
    const { c, prefill, decode } = tiers();
    expect(() => new PdRouter(c, 'Router', { prefill, decode, strategy: RouterStrategy.vllmRouter({ decodePolicy: RoutingPolicy.POWER_OF_TWO }) }))
      .toThrow(/'decodePolicy' \('power_of_two'\) needs at least 2 decode replicas \(got 1\)/);
  });

  test.each([0, 70000])('fails when the router port is %p', (port) => {
    const { c, prefill, decode } = tiers();
    expect(() => new PdRouter(c, 'Router', { prefill, decode, port })).toThrow(/'port' \(\d+\) must be/);
  });
});

describe('PdRouter and connector request flows', () => {
  test('fails when the router does not implement the connector flow (NIXL push on vllm-router)', () => {
    const kvConnector = KvConnector.nixl({ transferMode: NixlTransferMode.PUSH });
    const { c, prefill, decode } = tiers(chart(), { kvConnector }, { kvConnector });
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/'strategy' \('vllm-router'\) does not implement the NIXL \(push\) request flow that NixlPushConnector needs/);
  });

  test('fails when a tier is already routed by another PdRouter', () => {
    const { c, prefill, decode } = tiers();
    new PdRouter(c, 'Router', { prefill, decode });
    expect(() => new PdRouter(c, 'Router2', { prefill, decode }))
      .toThrow(/PdRouter 'test\/Router2': 'prefill' \('test\/Prefill'\) is already routed by PdRouter 'test\/Router'/);
  });
});

describe('PdRouter port rules', () => {
  test("fails when the router port is vllm-router's metrics port", () => {
    const { c, prefill, decode } = tiers();
    expect(() => new PdRouter(c, 'Router', { prefill, decode, port: 29000 }))
      .toThrow(/'port' \(29000\) collides with the router's metrics port \(29000\); choose another port/);
  });
});
