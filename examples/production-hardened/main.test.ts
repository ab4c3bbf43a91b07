import { Testing } from 'cdk8s';
import { ProductionHardened } from './main';
import { allowedFlows } from '../../test/private/flow-evaluator';
import { container, find, synth } from '../../test/util';

describe('example production-hardened', () => {
  test('RDMA, NetworkPolicies, PDBs, priority classes, PodMonitors and KEDA autoscaling pass the schemas', () => {
    const chart = new ProductionHardened(Testing.app(), 'production-hardened');
    const objects = synth(chart);
    expect(objects).toMatchSnapshot();
    const [prefill, decode, router] = ['prefill', 'decode', 'router'].map(c => find(objects, 'Deployment', c));
    for (const tier of [prefill, decode]) {
      expect(container(tier).resources.limits['rdma/ib']).toBe(1);
      expect(container(tier).securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['IPC_LOCK'] });
      expect(tier.spec.template.spec.priorityClassName).toBe('llm-serving');
      expect(tier.spec.strategy.rollingUpdate).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    }
    expect(router.spec.replicas).toBe(2);
    expect(find(objects, 'PodDisruptionBudget', 'decode').spec.minAvailable).toBe(2);
    expect(find(objects, 'PodDisruptionBudget', 'prefill').spec.maxUnavailable).toBe(1);
    expect(find(objects, 'PodDisruptionBudget', 'router').spec.maxUnavailable).toBe(1);
    expect(objects.filter(o => o.kind === 'NetworkPolicy')).toHaveLength(3);
    expect(objects.filter(o => o.kind === 'PodMonitor').map(o => o.metadata.labels.release)).toEqual(['kube-prometheus-stack', 'kube-prometheus-stack', 'kube-prometheus-stack']);
    expect(objects.filter(o => o.kind === 'ScaledObject')).toHaveLength(2);
    // The autoscalers own the tiers' replicas.
    expect(prefill.spec.replicas).toBeUndefined();
    expect(decode.spec.replicas).toBeUndefined();
    const flows = allowedFlows(objects);
    // Only the ingress namespace's pods reach the router; nobody outside the service reaches the tiers.
    expect(flows.filter(f => /^(client|stranger|prometheus)->/.test(f))).toEqual([]);
    expect(flows.filter(f => /->(prefill|decode):/.test(f) && !/^(router|prefill|decode)->/.test(f))).toEqual([]);
    // No internet for any pod: the cache is read-only and the API server is named.
    expect(flows.filter(f => f.includes('ip:internet'))).toEqual([]);
  });
});
