import { Testing } from 'cdk8s';
import { Llama405bTpPp } from './main';
import { find, lwsGroupPods, synth } from '../../test/util';

describe('example llama-405b-tp-pp', () => {
  test('synthesizes a two-node prefill group (TP 8 x PP 2) and passes the Kubernetes and LWS CRD schemas', () => {
    const chart = new Llama405bTpPp(Testing.app(), 'llama-405b-tp-pp');
    const objects = synth(chart);
    expect(objects).toMatchSnapshot();

    const prefill = find(objects, 'LeaderWorkerSet', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    expect(prefill.spec.replicas).toBe(1);
    expect(decode.spec.replicas).toBe(2);
    expect(decode.spec.template.spec.containers[0].args).toContain('--tensor-parallel-size=8');
    const args = (o: any, i: number) => lwsGroupPods(o, 'llm')[i].template.spec.containers[0].args as string[];
    expect(args(prefill, 0)).toEqual(expect.arrayContaining(['--tensor-parallel-size=8', '--pipeline-parallel-size=2', '--nnodes=2', '--node-rank=0']));
    expect(args(prefill, 1)).toEqual(expect.arrayContaining(['--node-rank=1', '--headless']));
    expect(prefill.spec.leaderWorkerTemplate.size).toBe(2);
    expect(prefill.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(8);
    expect(JSON.parse(args(prefill, 1).find(a => a.startsWith('--kv-transfer-config='))!.split('=').slice(1).join('=')).kv_connector)
      .toBe('NixlPushConnector');
  });
});
