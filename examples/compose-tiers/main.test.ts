import { Testing } from 'cdk8s';
import { composeTiers } from './main';
import { find, synth } from '../../test/util';

describe('example compose-tiers', () => {
  test('synthesizes standalone tiers behind a PdRouter and passes the Kubernetes schemas', () => {
    const objects = synth(composeTiers(Testing.app()));
    expect(objects).toMatchSnapshot();
    expect(find(objects, 'Deployment', 'prefill').spec.replicas).toBe(4);
    expect(find(objects, 'Deployment', 'decode').spec.template.spec.containers[0].resources.limits['nvidia.com/gpu']).toBe(2);
  });
});
