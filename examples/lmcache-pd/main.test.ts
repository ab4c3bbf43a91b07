import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { LmcachePd } from './main';
import { argValue, container, env, find, kvTransferConfig, synth } from '../../test/util';

describe('example lmcache-pd', () => {
  test('LMCache PD with the production-stack router passes the Kubernetes schemas', () => {
    const objects = synth(new LmcachePd(Testing.app(), 'lmcache-pd'));
    expect(objects).toMatchSnapshot();
    const prefill = find(objects, 'Deployment', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    expect(kvTransferConfig(prefill).kv_connector).toBe('LMCacheConnectorV1');
    expect(container(prefill).args).toContain('--no-enable-chunked-prefill');
    expect(container(decode).args).toContain('--no-enable-chunked-prefill');
    expect(env(prefill, 'PYTHONHASHSEED').value).toBe('123');
    expect(env(decode, 'PYTHONHASHSEED').value).toBe('123');
    const configs = objects.filter(o => o.kind === 'ConfigMap').map(o => parse(o.data['lmcache-config.yaml']));
    expect(configs.map(c => c.pd_role).sort()).toEqual(['receiver', 'sender']);
    const router = find(objects, 'Deployment', 'router');
    expect(container(router).args).toContain('disaggregated_prefill');
    expect(configs.find(c => c.pd_role === 'sender').pd_proxy_host).toBe(find(objects, 'Service', 'router').metadata.name);
    expect(argValue(prefill, '--max-model-len')).toBe('16384');
  });
});
