import {
  AutoscalingMetric, DecodeTier, DisruptionBudget, KvConnector, Model, PdRouter, PdService, PrefillTier, RouterStrategy, RoutingPolicy,
  TierAutoscaler, VllmImage,
} from '../../src';
import { warningsOf } from '../../src/private/warn';
import { chart, find, synth } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
// Stateless policies, so no warning is printed by tests that are not about warnings.
const quiet = RouterStrategy.vllmRouter({ prefillPolicy: RoutingPolicy.ROUND_ROBIN });

describe('disruption budgets', () => {
  test('every tier and the router get one pod at a time, unhealthy pods always evictable', () => {
    const c = chart();
    new PdService(c, 'Svc', { model, router: { strategy: quiet } });
    const objects = synth(c);
    for (const component of ['prefill', 'decode', 'router']) {
      const pdb = find(objects, 'PodDisruptionBudget', component);
      const workload = find(objects, 'Deployment', component);
      expect(pdb.spec).toEqual({
        maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: workload.spec.selector.matchLabels },
      });
    }
  });

  test('typed overrides per tier and for the router; none() renders no PDB', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', {
      model,
      prefill: { replicas: 3, disruptionBudget: DisruptionBudget.minAvailable(2) },
      decode: { disruptionBudget: DisruptionBudget.none() },
      router: { strategy: quiet, replicas: 3, disruptionBudget: DisruptionBudget.maxUnavailable(2) },
    });
    const objects = synth(c);
    expect(find(objects, 'PodDisruptionBudget', 'prefill').spec.minAvailable).toBe(2);
    expect(find(objects, 'PodDisruptionBudget', 'prefill').spec.maxUnavailable).toBeUndefined();
    expect(find(objects, 'PodDisruptionBudget', 'router').spec.maxUnavailable).toBe(2);
    expect(objects.filter(o => o.kind === 'PodDisruptionBudget').map(o => o.metadata.labels['app.kubernetes.io/component'])).toEqual(['prefill', 'router']);
    expect(svc.decode.disruptionBudget).toBeUndefined();
    expect(svc.prefill.disruptionBudget).toBeDefined();
  });

  test('fails when minAvailable would block every eviction', () => {
    // A tier's budget is checked at synth: an autoscaler bound after the tier sets the replicas that count.
    const c = chart();
    new PrefillTier(c, 'Prefill', { model, disruptionBudget: DisruptionBudget.minAvailable(1) });
    expect(() => synth(c))
      .toThrow(/'disruptionBudget' \('DisruptionBudget.minAvailable\(1\)'\) must stay below the replicas \(1\): otherwise no pod can ever be evicted/);
    expect(() => new PdService(chart(), 'Svc', { model, router: { strategy: quiet, disruptionBudget: DisruptionBudget.minAvailable(2) } }))
      .toThrow(/PdRouter 'test\/Svc\/Router': 'disruptionBudget' \('DisruptionBudget.minAvailable\(2\)'\) must stay below the replicas \(2\)/);
  });

  test('fails when an autoscaler could scale below a minAvailable budget', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', { model, decode: { replicas: 3, disruptionBudget: DisruptionBudget.minAvailable(2) }, router: { strategy: quiet } });
    expect(() => new TierAutoscaler(c, 'Scaler', { tier: svc.decode, minReplicas: 2, maxReplicas: 6, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] }))
      .toThrow(/DecodeTier 'test\/Svc\/Decode': 'disruptionBudget' \('DisruptionBudget.minAvailable\(2\)'\) must stay below the minReplicas of autoscaler TierAutoscaler 'test\/Scaler' \(2\)/);
    new TierAutoscaler(c, 'Scaler3', { tier: svc.decode, minReplicas: 3, maxReplicas: 6, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] });
    expect(svc.decode.hasAutoscaler).toBe(true);
    // The tier's own replicas (1 by default) no longer count once an autoscaler owns them.
    const c2 = chart();
    const svc2 = new PdService(c2, 'Svc', { model, decode: { disruptionBudget: DisruptionBudget.minAvailable(2) }, router: { strategy: quiet } });
    new TierAutoscaler(c2, 'Scaler', { tier: svc2.decode, minReplicas: 3, maxReplicas: 6, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] });
    expect(find(synth(c2), 'PodDisruptionBudget', 'decode').spec.minAvailable).toBe(2);
  });

  test('fails with budgets of no pods, or not a DisruptionBudget', () => {
    expect(() => DisruptionBudget.maxUnavailable(0)).toThrow(/DisruptionBudget.maxUnavailable: 'pods' \(0\) must be an integer >= 1/);
    expect(() => DisruptionBudget.minAvailable(1.5)).toThrow(/'pods' \(1.5\) must be an integer >= 1/);
    expect(() => new DecodeTier(chart(), 'Decode', { model, disruptionBudget: { maxUnavailable: 1 } as any }))
      .toThrow(/'disruptionBudget' .* must be a DisruptionBudget/);
  });
});

describe('multi-node tiers: the budget counts groups', () => {
  const LLAMA_405B = Model.LLAMA_3_1_405B_INSTRUCT;
  const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

  test('one PDB over every pod of the tier, leaders and workers, one pod at a time: one group at a time', () => {
    const c = chart();
    new DecodeTier(c, 'D', { model: LLAMA_405B, tensorParallelSize: 16, replicas: 3 });
    const objects = synth(c);
    const pdb = find(objects, 'PodDisruptionBudget', 'decode');
    const set = find(objects, 'LeaderWorkerSet', 'decode');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: expect.any(Object) } });
    expect(pdb.spec.selector.matchLabels['leaderworkerset.sigs.k8s.io/worker-index']).toBeUndefined();
    // The pods as LWS labels them (worker-index on every pod, group-key per group): the PDB selects every one.
    const size: number = set.spec.leaderWorkerTemplate.size;
    const pods = Array.from({ length: set.spec.replicas * size }, (_, i) => {
      const [group, index] = [Math.floor(i / size), i % size];
      const template = index === 0 ? set.spec.leaderWorkerTemplate.leaderTemplate : set.spec.leaderWorkerTemplate.workerTemplate;
      return {
        group,
        labels: { ...template.metadata.labels, 'leaderworkerset.sigs.k8s.io/worker-index': String(index), 'leaderworkerset.sigs.k8s.io/group-key': `g${group}` },
      };
    });
    expect(pods.every(p => matches(pdb.spec.selector.matchLabels, p.labels))).toBe(true);
    // A drain that tries every pod back to back, before the disruption controller recomputes the budget: the eviction
    // API admits one (disruptionsAllowed = healthy - (expected - maxUnavailable) = 1, then 0); LWS recreates that
    // pod's whole group, so the recomputed budget admits nothing until the group is Ready again.
    const down = new Set<number>();
    let allowed = pods.length - (pods.length - pdb.spec.maxUnavailable);
    for (const pod of pods) {
      if (allowed <= 0 || down.has(pod.group)) continue;
      allowed--;
      down.add(pod.group);
    }
    expect(down.size).toBe(1);
    const healthy = pods.filter(p => !down.has(p.group)).length;
    expect(healthy - (pods.length - pdb.spec.maxUnavailable)).toBeLessThanOrEqual(0);
  });

  test('none() renders no PDB for a multi-node tier either', () => {
    const c = chart();
    const tier = new DecodeTier(c, 'D', { model: LLAMA_405B, tensorParallelSize: 16, replicas: 2, disruptionBudget: DisruptionBudget.none() });
    expect(synth(c).filter(o => o.kind === 'PodDisruptionBudget')).toEqual([]);
    expect(tier.disruptionBudget).toBeUndefined();
  });

  test('fails with budgets a pod-level PDB cannot bound in groups exactly', () => {
    const tier = (budget: DisruptionBudget) => () => new DecodeTier(chart(), 'D', { model: LLAMA_405B, tensorParallelSize: 16, replicas: 4, disruptionBudget: budget });
    expect(tier(DisruptionBudget.maxUnavailable(2))).toThrow(new RegExp(
      "^DecodeTier 'test/D': 'disruptionBudget' \\('DisruptionBudget.maxUnavailable\\(2\\)'\\) cannot be rendered exactly for a multi-node tier " +
      '\\(LeaderWorkerSet groups of 2 pods\\): its budget counts groups, .*use DisruptionBudget.maxUnavailable\\(1\\) or DisruptionBudget.none\\(\\)$'));
    expect(tier(DisruptionBudget.minAvailable(3))).toThrow(/'disruptionBudget' \('DisruptionBudget.minAvailable\(3\)'\) cannot be rendered exactly for a multi-node tier/);
    expect(tier(DisruptionBudget.minAvailable(1))).toThrow(/'disruptionBudget' \('DisruptionBudget.minAvailable\(1\)'\) cannot be rendered exactly/);
    // A single-node tier keeps any pod count.
    const c = chart();
    new DecodeTier(c, 'D', { model, replicas: 4, disruptionBudget: DisruptionBudget.maxUnavailable(2) });
    expect(find(synth(c), 'PodDisruptionBudget', 'decode').spec.maxUnavailable).toBe(2);
  });
});

describe('rollout and scheduling', () => {
  test('tiers roll without surge; the router surges; priority classes on tiers and router', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model,
      prefill: { priorityClassName: 'gpu-serving' },
      router: { strategy: quiet, priorityClassName: 'serving-critical' },
    });
    const objects = synth(c);
    const [prefill, decode, router] = ['prefill', 'decode', 'router'].map(n => find(objects, 'Deployment', n));
    expect(prefill.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(decode.spec.strategy).toEqual(prefill.spec.strategy);
    expect(router.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(prefill.spec.template.spec.priorityClassName).toBe('gpu-serving');
    expect(decode.spec.template.spec.priorityClassName).toBeUndefined();
    expect(router.spec.template.spec.priorityClassName).toBe('serving-critical');
  });

  test('fails with a priority class that is no object name', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model, priorityClassName: 'Gpu_Serving' }))
      .toThrow(/'priorityClassName' \('Gpu_Serving'\) must be a Kubernetes object name/);
    expect(() => new PdService(chart(), 'Svc', { model, router: { priorityClassName: '' } }))
      .toThrow(/'router.priorityClassName' \(''\) must be a Kubernetes object name/);
  });
});

describe('router replicas', () => {
  test('2 by default, so a drain or crash leaves one router', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', { model, router: { strategy: quiet } });
    expect(svc.router.replicas).toBe(2);
    expect(find(synth(c), 'Deployment', 'router').spec.replicas).toBe(2);
    expect(warningsOf(svc.router)).toEqual([]);
  });

  test('1 with P2pNccl (engines register with one router), recreated on rollout', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', { model, image: VllmImage.official('v0.22.0'), kvConnector: KvConnector.p2pNccl() });
    const router = find(synth(c), 'Deployment', 'router');
    expect(svc.router.replicas).toBe(1);
    expect(router.spec.replicas).toBe(1);
    expect(router.spec.strategy).toEqual({ type: 'Recreate' });
  });

  test('warns where a routing policy keeps per-replica state (cache_aware, power_of_two), once per reason', () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => { writes.push(String(s)); return true; });
    try {
      const c = chart();
      const prefill = new PrefillTier(c, 'Prefill', { model, replicas: 2 });
      const decode = new DecodeTier(c, 'Decode', { model, replicas: 2 });
      const router = new PdRouter(c, 'Router', {
        prefill, decode, strategy: RouterStrategy.vllmRouter({ prefillPolicy: RoutingPolicy.CACHE_AWARE, decodePolicy: RoutingPolicy.POWER_OF_TWO }),
      });
      expect(warningsOf(router)).toEqual([
        expect.stringMatching(/^PdRouter 'test\/Router': 'prefillPolicy' \(cache_aware\) with 2 router replicas: each replica keeps its own approximate prefix tree .*cache_aware\.rs/),
        expect.stringMatching(/^PdRouter 'test\/Router': 'decodePolicy' \(power_of_two\) with 2 router replicas: each replica adds only its own in-flight requests/),
      ]);
      // A second router with the same policies records the warnings but does not print them again.
      const c2 = chart();
      const again = new PdService(c2, 'Svc', {
        model,
        prefill: { replicas: 2 },
        decode: { replicas: 2 },
        router: { strategy: RouterStrategy.vllmRouter({ prefillPolicy: RoutingPolicy.CACHE_AWARE, decodePolicy: RoutingPolicy.POWER_OF_TWO }) },
      });
      expect(warningsOf(again.router)).toHaveLength(2);
      const printed = writes.filter(w => w.startsWith('[cdk8s-vllm-pd] warning:'));
      expect(printed.filter(w => w.includes('power_of_two'))).toHaveLength(1);
      expect(printed.filter(w => w.includes('cache_aware')).length).toBeLessThanOrEqual(1);
    } finally {
      spy.mockRestore();
    }
  });

  test('no warning for the defaults together (2 replicas, cache_aware prefill): a documented trade', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', { model });
    expect(svc.router.replicas).toBe(2);
    expect(warningsOf(svc.router)).toEqual([]);
  });

  test('warns when replicas are chosen with the default cache_aware policy', () => {
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const c = chart();
      const svc = new PdService(c, 'Svc', { model, router: { replicas: 3 } });
      expect(warningsOf(svc.router)).toEqual([
        expect.stringMatching(/^PdRouter 'test\/Svc\/Router': 'prefillPolicy' \(cache_aware\) with 3 router replicas/),
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  test('no warning with one router replica', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', { model, router: { replicas: 1 } });
    expect(warningsOf(svc.router)).toEqual([]);
  });
});
