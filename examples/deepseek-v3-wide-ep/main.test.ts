import { Testing } from 'cdk8s';
import { DeepseekV3WideEp } from './main';
import { find, lwsGroupPods, synth } from '../../test/util';

describe('example deepseek-v3-wide-ep', () => {
  test('synthesizes two-node wide-EP groups for both tiers and passes the Kubernetes and LWS CRD schemas', () => {
    const chart = new DeepseekV3WideEp(Testing.app(), 'deepseek-v3-wide-ep');
    const objects = synth(chart);
    expect(objects).toMatchSnapshot();

    const args = (o: any, i: number) => lwsGroupPods(o, 'llm')[i].template.spec.containers[0].args as string[];
    for (const [role, backend] of [['prefill', 'deepep_high_throughput'], ['decode', 'deepep_low_latency']]) {
      const set = find(objects, 'LeaderWorkerSet', role);
      expect(set.spec.leaderWorkerTemplate.size).toBe(2);
      expect(args(set, 0)).toEqual(expect.arrayContaining([
        '--data-parallel-size=16', '--data-parallel-size-local=8', '--nnodes=2', '--node-rank=0',
        `--data-parallel-address=${set.metadata.name}-0.${set.metadata.name}.llm`, '--enable-expert-parallel',
        `--all2all-backend=${backend}`, '--enable-eplb',
      ]));
      expect(args(set, 1)).toEqual(expect.arrayContaining(['--node-rank=1', '--headless']));
      const leader = set.spec.leaderWorkerTemplate.leaderTemplate.spec.containers[0];
      expect(leader.resources.limits['nvidia.com/gpu']).toBe(8);
      expect(leader.securityContext.capabilities.add).toContain('IPC_LOCK');
      expect(leader.resources.limits['rdma/ib']).toBe(1);
      expect(find(objects, 'Service', role).spec.selector['leaderworkerset.sigs.k8s.io/worker-index']).toBe('0');
    }
    // vllm-router addresses the 16 DP ranks behind each leader (X-data-parallel-rank).
    const router = find(objects, 'Deployment', 'router').spec.template.spec.containers[0].args as string[];
    expect(router[router.indexOf('--intra-node-data-parallel-size') + 1]).toBe('16');
  });
});
