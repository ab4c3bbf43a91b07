import { Testing } from 'cdk8s';
import { CapacityPlanning } from './main';
import { argValue, find, synth } from '../../test/util';

describe('example capacity-planning', () => {
  test('a service sized by its capacity plan passes the Kubernetes schemas', () => {
    const chart = new CapacityPlanning(Testing.app(), 'capacity-planning');
    const objects = synth(chart);
    expect(objects).toMatchSnapshot();
    expect(argValue(find(objects, 'Deployment', 'decode'), '--tensor-parallel-size')).toBe('4');
    const decode = chart.service.decode.capacityPlan!;
    expect(decode.replicaMaxConcurrency.value).toBeGreaterThanOrEqual(32);
    expect(chart.service.kvTransferBudget!.transferSeconds! * 1000).toBeLessThan(30);
  });
});
