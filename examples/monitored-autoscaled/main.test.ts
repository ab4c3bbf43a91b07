import { Testing } from 'cdk8s';
import { monitoredAutoscaled } from './main';
import { find, synth } from '../../test/util';

describe('example monitored-autoscaled', () => {
  test('synthesizes monitors and KEDA ScaledObjects that pass the Kubernetes and CRD schemas', () => {
    const objects = synth(monitoredAutoscaled(Testing.app()));
    expect(objects).toMatchSnapshot();
    expect(objects.filter(o => o.kind === 'PodMonitor')).toHaveLength(3);
    expect(find(objects, 'ScaledObject', 'decode').spec).toMatchObject({ minReplicaCount: 2, maxReplicaCount: 8 });
    expect(find(objects, 'Deployment', 'prefill').spec.replicas).toBeUndefined();
    expect(find(objects, 'Deployment', 'decode').spec.replicas).toBeUndefined();
  });
});
