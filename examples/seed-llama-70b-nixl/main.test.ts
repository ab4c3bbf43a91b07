import { Testing } from 'cdk8s';
import { SeedLlama70bNixl } from './main';
import { argValue, container, find, kvTransferConfig, synth } from '../../test/util';

describe('example seed-llama-70b-nixl', () => {
  test('synthesizes the seed topology and passes the Kubernetes schemas', () => {
    const chart = new SeedLlama70bNixl(Testing.app(), 'seed-llama-70b-nixl');
    const objects = synth(chart);
    expect(objects).toMatchSnapshot();

    const prefill = find(objects, 'Deployment', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    expect(prefill.spec.replicas).toBe(1);
    expect(decode.spec.replicas).toBe(2);
    expect(container(prefill).args[0]).toBe('meta-llama/Llama-3.1-70B-Instruct');
    expect(argValue(prefill, '--tensor-parallel-size')).toBe('4');
    expect(container(prefill).resources.limits['nvidia.com/gpu']).toBe(4);
    expect(argValue(decode, '--tensor-parallel-size')).toBe('2');
    expect(container(decode).resources.limits['nvidia.com/gpu']).toBe(2);
    expect(argValue(decode, '--gpu-memory-utilization')).toBe('0.95');
    expect(kvTransferConfig(prefill)).toMatchObject({ kv_connector: 'NixlConnector', kv_role: 'kv_producer' });
    expect(kvTransferConfig(decode)).toMatchObject({ kv_connector: 'NixlConnector', kv_role: 'kv_consumer' });
    expect(find(objects, 'Deployment', 'router').metadata.namespace).toBe('llm');
  });
});
