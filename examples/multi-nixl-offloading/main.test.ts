import { Testing } from 'cdk8s';
import { MultiNixlOffloading } from './main';
import { container, find, kvTransferConfig, synth } from '../../test/util';

describe('example multi-nixl-offloading', () => {
  test("the seed's NIXL + Offloading chain passes the Kubernetes schemas", () => {
    const objects = synth(new MultiNixlOffloading(Testing.app(), 'multi-nixl-offloading'));
    expect(objects).toMatchSnapshot();
    const decode = find(objects, 'Deployment', 'decode');
    expect(kvTransferConfig(decode)).toEqual({
      kv_connector: 'MultiConnector',
      kv_role: 'kv_both',
      kv_load_failure_policy: 'recompute',
      kv_connector_extra_config: {
        connectors: [
          { kv_connector: 'NixlConnector', kv_role: 'kv_both', kv_buffer_device: 'cuda', kv_connector_extra_config: { backends: ['UCX'] } },
          { kv_connector: 'OffloadingConnector', kv_role: 'kv_both', kv_connector_extra_config: { block_size: 64, cpu_bytes_to_use: 10_000_000_000 } },
        ],
      },
    });
    // 4 GPUs x 32 GiB + 10 GB offload store, rounded up to MiB.
    expect(container(decode).resources.limits.memory).toBe(`${128 * 1024 + Math.ceil(10_000_000_000 / 1024 ** 2)}Mi`);
  });
});
