import { Model, PdService, RouterDiscovery, RouterStrategy, RoutingPolicy } from '../../src';
import { chart, container, find, synth } from '../util';

const POLICIES = 'random, round_robin, cache_aware, power_of_two, consistent_hash';

describe('vllm-router', () => {
  test('Kubernetes discovery: PD mode, NIXL, default policies, label selectors, namespace from the downward API', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const router = container(find(objects, 'Deployment', 'router'));
    const selector = (labels: { [k: string]: string }) => Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    expect(router.image).toBe('docker.io/vllm/vllm-router:nightly-20260809-d2ba586');
    expect(router.command).toEqual(['vllm-router']);
    expect(router.args).toEqual([
      '--host', '0.0.0.0',
      '--port', '8000',
      '--vllm-pd-disaggregation',
      '--kv-connector', 'nixl',
      '--prefill-policy', 'cache_aware',
      '--decode-policy', 'round_robin',
      '--service-discovery',
      '--service-discovery-namespace', '$(POD_NAMESPACE)',
      '--service-discovery-port', '8000',
      '--prefill-selector', ...selector(svc.prefill.selectorLabels),
      '--decode-selector', ...selector(svc.decode.selectorLabels),
      '--prometheus-host', '0.0.0.0',
      '--prometheus-port', '29000',
    ]);
    expect(selector(svc.prefill.selectorLabels)).toContain('llm-d.ai/role=prefill');
    expect(selector(svc.decode.selectorLabels)).toContain('llm-d.ai/role=decode');
    expect(router.env).toEqual([{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]);
    expect(router.ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'metrics', containerPort: 29000, protocol: 'TCP' },
    ]);
    expect(router.livenessProbe.httpGet).toEqual({ path: '/liveness', port: 'http' });
    expect(router.readinessProbe.httpGet).toEqual({ path: '/readiness', port: 'http' });
    // Discovered workers are waited for after the router listens: no startup probe needed.
    expect(router.startupProbe).toBeUndefined();
  });

  test('static discovery: tier Service URLs, data-parallel size, chosen policies and image', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      prefill: { replicas: 2, dataParallelSize: 2 },
      decode: { replicas: 2, dataParallelSize: 2, port: 8200 },
      router: {
        discovery: RouterDiscovery.STATIC,
        port: 9000,
        strategy: RouterStrategy.vllmRouter({
          image: 'registry.example.com/vllm-router:v0.1.17',
          version: '0.1.17',
          prefillPolicy: RoutingPolicy.POWER_OF_TWO,
          decodePolicy: RoutingPolicy.CONSISTENT_HASH,
        }),
      },
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const router = container(find(objects, 'Deployment', 'router'));
    expect(router.image).toBe('registry.example.com/vllm-router:v0.1.17');
    expect(router.args).toEqual([
      '--host', '0.0.0.0',
      '--port', '9000',
      '--vllm-pd-disaggregation',
      '--kv-connector', 'nixl',
      '--prefill-policy', 'power_of_two',
      '--decode-policy', 'consistent_hash',
      '--prefill', `http://${svc.prefill.serviceName}:8000`,
      '--decode', `http://${svc.decode.serviceName}:8200`,
      '--worker-startup-timeout-secs', '3600',
      '--intra-node-data-parallel-size', '2',
      '--prometheus-host', '0.0.0.0',
      '--prometheus-port', '29000',
    ]);
    expect(router.ports).toContainEqual({ name: 'http', containerPort: 9000, protocol: 'TCP' });
    // Static workers are waited for before the router binds its port: liveness is held off for the same 3600 s budget
    // plus one period (361 x 10 s), or the kubelet would restart the router every 30 s of a model load.
    expect(router.startupProbe).toEqual({
      httpGet: { path: '/liveness', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 361,
    });
  });

  test.each(['my router:v1', 'vllm-router:v1\n'])('fails when image is %p', (image) => {
    expect(() => RouterStrategy.vllmRouter({ image }))
      .toThrow(/^RouterStrategy\.vllmRouter: 'image' \('.*'\) must be an image reference without whitespace$/s);
  });

  test('fails when image is set without version: vllm-router tags carry none', () => {
    expect(() => RouterStrategy.vllmRouter({ image: 'registry.example.com/vllm-router:nightly-20261001-abcdef0' }))
      .toThrow(/^RouterStrategy\.vllmRouter: 'version' \(undefined\) is required with 'image' \(registry\.example\.com\/vllm-router:nightly-20261001-abcdef0\): vllm-router tags carry no version; pass the newest PyPI vllm-router release older than the image, e\.g\. '0\.1\.15'$/);
  });

  test('fails on a vllm-router release older than 0.1.15: --kv-connector (router PR #151) is unconfirmed there', () => {
    expect(() => RouterStrategy.vllmRouter({ image: 'docker.io/vllm/vllm-router:nightly-20260330-4f56d66', version: '0.1.12' }))
      .toThrow(/^RouterStrategy\.vllmRouter: 'version' \('0\.1\.12'\) needs vllm-router releases supported by cdk8s-vllm-pd, which exists in vllm-router >= 0\.1\.15 \(source: .*\); the image is vllm-router 0\.1\.12$/);
  });

  test('fails when version is not a version', () => {
    expect(() => RouterStrategy.vllmRouter({ image: 'r/vllm-router:nightly', version: 'nightly' }))
      .toThrow(/^VllmRouterVersion: 'version' \('nightly'\) must be a vllm-router release version such as '0\.1\.15'$/);
  });

  test('a custom image with a supported version renders that image', () => {
    const strategy = RouterStrategy.vllmRouter({ image: 'registry.example.com/vllm-router:nightly-20261001-abcdef0', version: '0.1.16' });
    const c = chart();
    new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, router: { strategy } });
    expect(container(find(synth(c), 'Deployment', 'router')).image).toBe('registry.example.com/vllm-router:nightly-20261001-abcdef0');
  });

  test('fails when image is empty', () => {
    expect(() => RouterStrategy.vllmRouter({ image: '' }))
      .toThrow(/^RouterStrategy\.vllmRouter: 'image' \(''\) must be an image reference without whitespace$/);
  });

  test('fails when prefillPolicy is not a vllm-router policy', () => {
    expect(() => RouterStrategy.vllmRouter({ prefillPolicy: 'least_loaded' as RoutingPolicy }))
      .toThrow(new RegExp(`^RouterStrategy\\.vllmRouter: 'prefillPolicy' \\('least_loaded'\\) must be one of ${POLICIES}$`));
  });

  test('fails when decodePolicy is not a vllm-router policy', () => {
    expect(() => RouterStrategy.vllmRouter({ decodePolicy: 'RANDOM' as RoutingPolicy }))
      .toThrow(new RegExp(`^RouterStrategy\\.vllmRouter: 'decodePolicy' \\('RANDOM'\\) must be one of ${POLICIES}$`));
  });

  test('fails when prefillPolicy is power_of_two with one prefill replica', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      decode: { replicas: 2 },
      router: { strategy: RouterStrategy.vllmRouter({ prefillPolicy: RoutingPolicy.POWER_OF_TWO }) },
    })).toThrow(/^PdRouter 'test\/Svc\/Router': 'prefillPolicy' \('power_of_two'\) needs at least 2 prefill replicas \(got 1\)$/);
  });

  test('fails when decodePolicy is power_of_two with one decode replica', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      prefill: { replicas: 3 },
      router: { strategy: RouterStrategy.vllmRouter({ decodePolicy: RoutingPolicy.POWER_OF_TWO }) },
    })).toThrow(/^PdRouter 'test\/Svc\/Router': 'decodePolicy' \('power_of_two'\) needs at least 2 decode replicas \(got 1\)$/);
  });

  test('fails when the tiers have different data-parallel sizes', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      prefill: { dataParallelSize: 2 },
      decode: { dataParallelSize: 1 },
    })).toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.dataParallelSize' \(1\) must equal prefill's dataParallelSize \(2\): vllm-router's --intra-node-data-parallel-size applies to both tiers$/);
  });

  test('fails when the tiers have different ports with Kubernetes discovery', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      decode: { port: 8200 },
    })).toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.port' \(8200\) must equal prefill's port \(8000\): vllm-router's --service-discovery-port applies to both tiers$/);
  });
});
