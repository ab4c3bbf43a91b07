import { Testing } from 'cdk8s';
import { OffloadingCpu } from './main';
import { container, find, kvTransferConfig, synth } from '../../test/util';

describe('example offloading-cpu', () => {
  test('a CPU-offloading pool passes the Kubernetes schemas', () => {
    const objects = synth(new OffloadingCpu(Testing.app(), 'offloading-cpu'));
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'decode');
    expect(kvTransferConfig(dep)).toEqual({
      kv_connector: 'OffloadingConnector',
      kv_role: 'kv_both',
      kv_load_failure_policy: 'fail',
      kv_connector_extra_config: { block_size: 64, cpu_bytes_to_use: 64 * 1024 ** 3 },
    });
    // Default for one GPU: max(32 GiB, 20 GiB /dev/shm + 16 GiB) = 36 GiB, plus the 64 GiB offload store.
    expect(container(dep).resources.limits.memory).toBe('100Gi');
    expect(container(dep).resources.requests.memory).toBe('100Gi');
  });
});
