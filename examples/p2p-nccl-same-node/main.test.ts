import { Testing } from 'cdk8s';
import { P2pNcclSameNode } from './main';
import { container, find, kvTransferConfig, synth } from '../../test/util';

describe('example p2p-nccl-same-node', () => {
  test('P2pNccl on one node passes the Kubernetes schemas', () => {
    const objects = synth(new P2pNcclSameNode(Testing.app(), 'p2p-nccl-same-node'));
    expect(objects).toMatchSnapshot();
    const prefill = find(objects, 'Deployment', 'prefill');
    const routerSvc = find(objects, 'Service', 'router');
    expect(kvTransferConfig(prefill)).toMatchObject({
      kv_connector: 'P2pNcclConnector',
      kv_role: 'kv_producer',
      kv_connector_extra_config: { proxy_ip: routerSvc.metadata.name, proxy_port: '30001', http_port: '8000' },
    });
    expect(prefill.spec.template.spec.hostIPC).toBe(true);
    expect(prefill.spec.template.spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey)
      .toBe('kubernetes.io/hostname');
    expect(container(find(objects, 'Deployment', 'router')).args).toContain('--vllm-discovery-address');
  });
});
