import { Chart } from 'cdk8s';
import { DecodeTier, Model, PdRouter, PdService, PrefillTier } from '../src';
import { app, chart, find, Manifest, message, synth, unsized } from './util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
const names = (objects: Manifest[]) => objects.map(o => `${o.kind}/${o.metadata.name}`);

describe('stable names', () => {
  test('object names never change when replica counts or unrelated props change', () => {
    const render = (props: any) => {
      const c = chart();
      new PdService(c, 'Svc', { model, ...props });
      return names(synth(c));
    };
    const base = render({});
    expect(base.length).toBeGreaterThan(0);
    for (const props of [
      { prefill: { replicas: 3 }, decode: { replicas: 5 } },
      { prefill: { tensorParallelSize: 2 }, decode: { tensorParallelSize: 4, gpuMemoryUtilization: 0.95 } },
      { servedModelName: 'llama', router: { replicas: 3, port: 9000 } },
      // An unrelated prop: the model (unsized: the test is about names, not capacity).
      { model: unsized(Model.LLAMA_3_1_70B_INSTRUCT) },
    ]) {
      expect(render(props)).toEqual(base);
    }
  });

  test('serviceName and workloadName give the endpoints and workloads names without a hash', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', {
      model,
      prefill: { serviceName: 'llama-prefill', workloadName: 'llama-prefill' },
      decode: { serviceName: 'llama-decode', workloadName: 'llama-decode' },
      router: { serviceName: 'llama' },
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    expect(find(objects, 'Service', 'prefill').metadata.name).toBe('llama-prefill');
    expect(find(objects, 'Deployment', 'prefill').metadata.name).toBe('llama-prefill');
    expect(find(objects, 'Deployment', 'decode').metadata.name).toBe('llama-decode');
    expect(find(objects, 'Service', 'router').metadata.name).toBe('llama');
    expect(svc.url).toBe('http://llama:8000/v1');
    expect(svc.prefill.serviceName).toBe('llama-prefill');
    // The router dials the tiers by their Services' names (static discovery reads them).
    const c2 = chart();
    new PdService(c2, 'Svc', {
      model, prefill: { serviceName: 'p' }, decode: { serviceName: 'd' }, router: { discovery: 'static' as any },
    });
    const args: string[] = find(synth(c2), 'Deployment', 'router').spec.template.spec.containers[0].args;
    expect(args).toEqual(expect.arrayContaining(['--prefill', 'http://p:8000', '--decode', 'http://d:8000']));
  });

  test('fails on names Kubernetes would refuse or that collide', () => {
    expect(message(() => new PrefillTier(chart(), 'P', { model, serviceName: '1llama' })))
      .toMatch(/^PrefillTier 'test\/P': 'serviceName' \('1llama'\) must be a Service name \(DNS-1035 label\)/);
    expect(message(() => new PrefillTier(chart(), 'P', { model, serviceName: 'a'.repeat(64) })))
      .toMatch(/'serviceName' \('a{64}'\) must be a Service name/);
    expect(message(() => new DecodeTier(chart(), 'D', { model, workloadName: 'Llama' })))
      .toMatch(/^DecodeTier 'test\/D': 'workloadName' \('Llama'\) must be a Kubernetes object name/);
    expect(message(() => new PdService(chart(), 'Svc', { model, router: { serviceName: 'llama_router' } })))
      .toMatch(/^PdService 'test\/Svc': 'router\.serviceName' \('llama_router'\) must be a Service name/);
    const c = chart();
    new PrefillTier(c, 'P', { model, serviceName: 'llama' });
    expect(message(() => new DecodeTier(c, 'D', { model, serviceName: 'llama' })))
      .toMatch(/^DecodeTier 'test\/D': 'serviceName' \('llama'\) is already the name of a Service in namespace 'llm' \(from PrefillTier 'test\/P'\): one namespace holds one Service of each name/);
    const c3 = chart();
    const p3 = new PrefillTier(c3, 'P', { model, serviceName: 'llama' });
    const d3 = new DecodeTier(c3, 'D', { model });
    expect(message(() => new PdRouter(c3, 'R', { prefill: p3, decode: d3, serviceName: 'llama' })))
      .toMatch(/^PdRouter 'test\/R': 'serviceName' \('llama'\) is already the name of a Service in namespace 'llm' \(from PrefillTier 'test\/P'\)/);
  });

  test('fails on fixed names that collide across services of one app and namespace, and allows them in other namespaces', () => {
    const a = app();
    const fixed = { prefill: { serviceName: 'llama-prefill', workloadName: 'llama-prefill' }, decode: { serviceName: 'llama-decode' } };
    new PdService(new Chart(a, 'one', { namespace: 'llm' }), 'Svc', { model, ...fixed });
    // The same names in another namespace are other objects.
    new PdService(new Chart(a, 'two', { namespace: 'llm-canary' }), 'Svc', { model, ...fixed });
    const three = new Chart(a, 'three', { namespace: 'llm' });
    expect(message(() => new PdService(three, 'Svc', { model, prefill: { workloadName: 'llama-prefill' } })))
      .toMatch(/^PrefillTier 'three\/Svc\/Prefill': 'workloadName' \('llama-prefill'\) is already the name of a Deployment in namespace 'llm' \(from PrefillTier 'one\/Svc\/Prefill'\)/);
    expect(message(() => new PdService(new Chart(a, 'four', { namespace: 'llm' }), 'Svc', { model, decode: { serviceName: 'llama-decode' } })))
      .toMatch(/^DecodeTier 'four\/Svc\/Decode': 'serviceName' \('llama-decode'\) is already the name of a Service in namespace 'llm' \(from DecodeTier 'one\/Svc\/Decode'\)/);
  });
});
