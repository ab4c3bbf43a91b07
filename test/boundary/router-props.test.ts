/** The PdRouter props boundary and its cross-object rules. */
import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator, DecodeTier, KvConnector, Model, PdRouter, PrefillTier, VllmImage } from '../../src';
import { chart } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;

function pair(scope: Construct, props: any = {}) {
  return {
    prefill: new PrefillTier(scope, 'Prefill', { model, ...props.prefill, ...props.shared }),
    decode: new DecodeTier(scope, 'Decode', { model, ...props.decode, ...props.shared }),
  };
}

const rows: Array<[string, () => unknown, string]> = [
  ['a typo in a prop name', () => {
    const c = chart();
    new PdRouter(c, 'R', { ...pair(c), replica: 2 } as any);
  }, "'replica' (2) is not a prop of PdRouterProps (did you mean 'replicas'?)"],
  ['the decode tier handed in as prefill', () => {
    const c = chart();
    const { decode } = pair(c);
    new PdRouter(c, 'R', { prefill: decode, decode } as any);
  }, "'prefill' ('<DecodeTier>') must be a PrefillTier (the PrefillTier of this PD pair)"],
  ['the tiers swapped', () => {
    const c = chart();
    const { prefill, decode } = pair(c);
    new PdRouter(c, 'R', { prefill: decode, decode: prefill } as any);
  }, "'prefill' ('<DecodeTier>') must be a PrefillTier"],
  ['a plain object for a tier', () => {
    const c = chart();
    const { decode } = pair(c);
    new PdRouter(c, 'R', { prefill: { role: 'prefill' }, decode } as any);
  }, "'prefill' ({\"role\":\"prefill\"}) must be a PrefillTier"],
  ['a string port', () => {
    const c = chart();
    new PdRouter(c, 'R', { ...pair(c), port: '8000' } as any);
  }, "'port' ('8000') must be an integer >= 1"],
  ['tiers in another namespace', () => {
    const app = Testing.app();
    const tiers = new Chart(app, 'tiers', { namespace: 'a' });
    const routing = new Chart(app, 'routing', { namespace: 'b' });
    new PdRouter(routing, 'R', pair(tiers));
  }, "'prefill' ('tiers/Prefill') is in namespace 'a' but the router is in 'b'"],
  ['tiers without a namespace under a namespaced router', () => {
    const app = Testing.app();
    const tiers = new Chart(app, 'tiers');
    new PdRouter(new Chart(app, 'routing', { namespace: 'b' }), 'R', pair(tiers));
  }, "is in namespace (none) but the router is in 'b'"],
  ['a chart namespace that is not a DNS-1123 label', () => {
    const c = chart({ namespace: 'LLM_serving' });
    new PdRouter(c, 'R', pair(c));
  }, "'chart namespace' ('LLM_serving') must be a DNS-1123 label"],
  ['P2pNccl pods pinned to one node with more GPUs than it has', () => {
    const c = chart();
    const shared = { kvConnector: KvConnector.p2pNccl(), image: VllmImage.official('v0.22.0'), accelerator: Accelerator.NVIDIA_H100_80GB.withGpusPerNode(4) };
    new PdRouter(c, 'R', { ...pair(c, { shared, prefill: { replicas: 2 }, decode: { replicas: 2, tensorParallelSize: 2 } }), discovery: 'static' } as any);
  }, "'prefill and decode GPUs' (6) exceed the 4 GPUs one H100-80GB node has, and P2pNcclConnector pins every pod of the pair to one node"],
  ['P2pNccl pods pinned to one node on different accelerators', () => {
    const c = chart();
    const shared = { kvConnector: KvConnector.p2pNccl(), image: VllmImage.official('v0.22.0') };
    new PdRouter(c, 'R', pair(c, { shared, decode: { accelerator: Accelerator.NVIDIA_H200 } }));
  }, "'decode.accelerator' ('H200') must be prefill's accelerator (H100-80GB): P2pNcclConnector schedules both tiers onto one node"],
];

describe('router props', () => {
  test.each(rows)('fails with %s', (_name, fn, fragment) => {
    expect(fn).toThrow(fragment);
  });

  test('accepts P2pNccl pods that fit one node', () => {
    const c = chart();
    const shared = { kvConnector: KvConnector.p2pNccl(), image: VllmImage.official('v0.22.0') };
    expect(() => new PdRouter(c, 'R', pair(c, { shared, prefill: { replicas: 2 }, decode: { replicas: 2, tensorParallelSize: 2 } }))).not.toThrow();
  });

  test('accepts P2pNccl across nodes (sameNode: false) beyond one node', () => {
    const c = chart();
    const shared = { kvConnector: KvConnector.p2pNccl({ sameNode: false }), image: VllmImage.official('v0.22.0') };
    expect(() => new PdRouter(c, 'R', pair(c, { shared, prefill: { replicas: 8 }, decode: { replicas: 8 } }))).not.toThrow();
  });

  test('accepts tiers in another chart of the same namespace', () => {
    const app = Testing.app();
    const tiers = new Chart(app, 'tiers', { namespace: 'llm' });
    expect(() => new PdRouter(new Chart(app, 'routing', { namespace: 'llm' }), 'R', pair(tiers))).not.toThrow();
  });

  test('accepts null options', () => {
    const c = chart();
    expect(() => new PdRouter(c, 'R', { ...pair(c), strategy: null, replicas: null, port: null, discovery: null } as any)).not.toThrow();
  });

  test('fails with a plain JavaScript call: tier names instead of tiers', () => {
    const c = chart();
    pair(c);
    const js: any = { prefill: 'Prefill', decode: 'Decode' };
    expect(() => new PdRouter(c, 'R', js)).toThrow("'prefill' ('Prefill') must be a PrefillTier");
  });
});
