import { Testing } from 'cdk8s';
import { MooncakeRdma } from './main';
import { container, find, kvTransferConfig, synth } from '../../test/util';

describe('example mooncake-rdma', () => {
  test('Mooncake with vllm-router passes the Kubernetes schemas', () => {
    const objects = synth(new MooncakeRdma(Testing.app(), 'mooncake-rdma'));
    expect(objects).toMatchSnapshot();
    const prefill = find(objects, 'Deployment', 'prefill');
    expect(kvTransferConfig(prefill)).toMatchObject({
      kv_connector: 'MooncakeConnector',
      kv_role: 'kv_producer',
      kv_connector_extra_config: { mooncake_protocol: 'rdma', device_name: 'mlx5_0,mlx5_1' },
    });
    expect(prefill.spec.template.metadata.annotations).toEqual({ 'vllm.ai/bootstrap-port': '8998' });
    const args: string[] = container(find(objects, 'Deployment', 'router')).args;
    expect(args.slice(args.indexOf('--kv-connector'), args.indexOf('--kv-connector') + 2)).toEqual(['--kv-connector', 'mooncake']);
    // Static prefill URL with its bootstrap port, reachable through the prefill Service.
    const prefillSvc = find(objects, 'Service', 'prefill');
    expect(args.slice(args.indexOf('--prefill'), args.indexOf('--prefill') + 3)).toEqual(['--prefill', `http://${prefillSvc.metadata.name}:8000`, '8998']);
    expect(prefillSvc.spec.ports).toContainEqual({ name: 'mooncake-boot', port: 8998, targetPort: 'mooncake-boot', protocol: 'TCP' });
  });
});
