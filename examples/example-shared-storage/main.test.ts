import { Testing } from 'cdk8s';
import { ExampleSharedStorage } from './main';
import { container, find, kvTransferConfig, synth } from '../../test/util';

describe('example example-shared-storage', () => {
  test('ExampleConnector on a shared claim passes the Kubernetes schemas', () => {
    const objects = synth(new ExampleSharedStorage(Testing.app(), 'example-shared-storage'));
    expect(objects).toMatchSnapshot();
    for (const role of ['prefill', 'decode']) {
      const dep = find(objects, 'Deployment', role);
      expect(kvTransferConfig(dep).kv_connector_extra_config).toEqual({ shared_storage_path: '/kv-shared-storage' });
      expect(dep.spec.template.spec.volumes).toContainEqual({ name: 'kv-shared-storage', persistentVolumeClaim: { claimName: 'kv-shared' } });
      expect(container(dep).volumeMounts).toContainEqual({ name: 'kv-shared-storage', mountPath: '/kv-shared-storage' });
      expect(dep.spec.template.metadata.annotations['vllm-pd.cdk8s.io/development-only']).toMatch(/development and testing only/);
    }
  });
});
