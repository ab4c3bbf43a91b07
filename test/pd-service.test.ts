import { Secret } from 'cdk8s-plus-28';
import { argValue, chart, container, env, find, kvTransferConfig, synth, unsized } from './util';
import { KvConnector, Model, PdService, RouterDiscovery, VllmImage } from '../src';

describe('PdService', () => {
  test('minimal service: prefill, decode and router with Kubernetes discovery', () => {
    const c = chart();
    new PdService(c, 'Svc', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT) });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    expect(objects.map(o => `${o.kind}/${o.metadata.labels['app.kubernetes.io/component']}`)).toEqual([
      'Deployment/prefill', 'Service/prefill', 'PodDisruptionBudget/prefill', 'NetworkPolicy/prefill',
      'Deployment/decode', 'Service/decode', 'PodDisruptionBudget/decode', 'NetworkPolicy/decode',
      'ServiceAccount/router', 'Role/router', 'RoleBinding/router', 'Deployment/router', 'Service/router',
      'PodDisruptionBudget/router', 'NetworkPolicy/router',
    ]);
  });

  test('both tiers share model, image, connector and token', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', {
      model: unsized(Model.LLAMA_3_1_70B_INSTRUCT),
      servedModelName: 'llama-70b',
      image: VllmImage.official('v0.26.0'),
      hfToken: { secret: Secret.fromSecretName(c, 'Hf', 'hf-token'), key: 'token' },
      prefill: { tensorParallelSize: 4 },
      decode: { tensorParallelSize: 4, replicas: 2 },
    });
    expect(svc.prefill.kvConnector).toBe(svc.decode.kvConnector);
    const objects = synth(c);
    for (const role of ['prefill', 'decode']) {
      const dep = find(objects, 'Deployment', role);
      expect(container(dep).args[0]).toBe('meta-llama/Llama-3.1-70B-Instruct');
      expect(argValue(dep, '--served-model-name')).toBe('llama-70b');
      expect(container(dep).image).toBe('docker.io/vllm/vllm-openai:v0.26.0');
      expect(env(dep, 'HF_TOKEN')).toEqual({ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } });
    }
    expect(kvTransferConfig(find(objects, 'Deployment', 'prefill')).kv_role).toBe('kv_producer');
    expect(kvTransferConfig(find(objects, 'Deployment', 'decode')).kv_role).toBe('kv_consumer');
    expect(svc.url).toMatch(/^http:\/\/test-svc-router-service-[0-9a-f]+:8000\/v1$/);
  });

  test('static discovery needs no namespace and no RBAC', () => {
    const c = chart({});
    new PdService(c, 'Svc', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), router: { discovery: RouterDiscovery.STATIC } });
    const objects = synth(c);
    expect(objects.map(o => o.kind)).not.toContain('Role');
    expect(objects.map(o => o.kind)).not.toContain('ServiceAccount');
  });

  test('output is byte-identical across runs', () => {
    const render = () => {
      const c = chart();
      new PdService(c, 'Svc', { model: unsized(Model.LLAMA_3_1_8B_INSTRUCT), kvConnector: KvConnector.nixl() });
      return JSON.stringify(synth(c));
    };
    expect(render()).toBe(render());
  });

  test('fails without a model', () => {
    expect(() => new PdService(chart(), 'Svc', {} as any)).toThrow(/PdService 'test\/Svc': 'model' \(undefined\) is required/);
  });

  test("accepts the seed's YAML topology: decode 2 x TP 2 under prefill TP 4 with NIXL (vLLM PR #27274)", () => {
    const svc = new PdService(chart(), 'Svc', {
      model: unsized(Model.LLAMA_3_1_70B_INSTRUCT),
      prefill: { tensorParallelSize: 4 },
      decode: { tensorParallelSize: 2, replicas: 2, gpuMemoryUtilization: 0.95 },
    });
    expect([svc.prefill.tensorParallelSize, svc.decode.tensorParallelSize, svc.decode.replicas]).toEqual([4, 2, 2]);
  });

  test('fails when the seed topology runs on a vLLM release before PR #27274 (0.13.0)', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: unsized(Model.LLAMA_3_1_70B_INSTRUCT),
      image: VllmImage.official('v0.13.0'),
      prefill: { tensorParallelSize: 4 },
      decode: { tensorParallelSize: 2, replicas: 2, gpuMemoryUtilization: 0.95 },
    })).toThrow(/'decode\.tensorParallelSize' \(2\) needs NIXL prefill tensorParallelSize above decode tensorParallelSize, which exists in vLLM >= 0\.14\.0/);
  });
});
