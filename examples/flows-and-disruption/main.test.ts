import { Testing } from 'cdk8s';
import { FlowsAndDisruption } from './main';
import { allowedFlows } from '../../test/private/flow-evaluator';
import { find, synth } from '../../test/util';

describe('example flows-and-disruption', () => {
  test('explicit clients, monitoring, API server and budgets pass the Kubernetes schemas', () => {
    const objects = synth(new FlowsAndDisruption(Testing.app(), 'flows-and-disruption'));
    expect(objects).toMatchSnapshot();
    expect(find(objects, 'PodDisruptionBudget', 'decode').spec.minAvailable).toBe(2);
    expect(find(objects, 'PodDisruptionBudget', 'prefill').spec.maxUnavailable).toBe(1);
    expect(find(objects, 'Deployment', 'router').spec.template.spec.priorityClassName).toBe('llm-serving');
    const flows = allowedFlows(objects);
    // Clients in this namespace and Prometheus pods elsewhere are not the configured peers.
    expect(flows.filter(f => f.startsWith('client->') || f.startsWith('prometheus->'))).toEqual([]);
    // A read-only cache: no internet for the vLLM pods.
    expect(flows.filter(f => /^(prefill|decode)->ip:/.test(f))).toEqual([]);
    const router = find(objects, 'NetworkPolicy', 'router');
    expect(router.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    expect(router.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.0.0.10/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] });
  });
});
