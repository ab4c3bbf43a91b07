import { KvConnector, Model, PdService, RouterDiscovery, RouterStrategy } from '../../src';
import { chart, container, find, synth } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;

function service(props: any = {}, router: any = {}, c = chart()) {
  const svc = new PdService(c, 'Svc', {
    model,
    kvConnector: KvConnector.lmcache(),
    ...props,
    router: { strategy: RouterStrategy.productionStackRouter(), ...router },
  });
  return { c, svc };
}

describe('production-stack router', () => {
  test('LMCache PD: Kubernetes pod discovery, disaggregated_prefill, least-privilege RBAC, /health probes', () => {
    const { c, svc } = service();
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'router');
    const router = container(dep);
    const instance = svc.prefill.selectorLabels['app.kubernetes.io/instance'];
    expect(router.image).toBe('docker.io/lmcache/lmstack-router:v0.1.12');
    // The image's ENTRYPOINT is the router: only args are set.
    expect(router.command).toBeUndefined();
    expect(router.args).toEqual([
      '--host', '0.0.0.0',
      '--port', '8000',
      '--service-discovery', 'k8s',
      '--k8s-service-discovery-type', 'pod-ip',
      '--k8s-namespace', '$(POD_NAMESPACE)',
      '--k8s-port', '8000',
      '--k8s-label-selector', `app.kubernetes.io/name=vllm,app.kubernetes.io/instance=${instance},app.kubernetes.io/component in (prefill,decode)`,
      '--routing-logic', 'disaggregated_prefill',
      '--prefill-model-labels', 'prefill',
      '--decode-model-labels', 'decode',
      '--nixl-proxy-host', '0.0.0.0',
      '--nixl-proxy-port', '7500',
      '--nixl-peer-host', '0.0.0.0',
      '--nixl-peer-init-port', '7300',
      '--nixl-peer-alloc-port', '7400',
    ]);
    expect(router.env).toEqual([{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]);
    expect(router.ports).toEqual([
      { name: 'http', containerPort: 8000, protocol: 'TCP' },
      { name: 'lmcache-notify', containerPort: 7500, protocol: 'TCP' },
    ]);
    expect(router.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(router.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });

    // RBAC: a namespaced Role that can only read pods, bound to the router's ServiceAccount.
    const role = find(objects, 'Role');
    expect(role.metadata.namespace).toBe('llm');
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
    const sa = find(objects, 'ServiceAccount');
    const binding = find(objects, 'RoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: 'llm' }]);
    expect(objects.filter(o => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toEqual([]);
    expect(dep.spec.template.spec.serviceAccountName).toBe(sa.metadata.name);
    expect(dep.spec.template.spec.automountServiceAccountToken).toBe(true);
    expect(dep.spec.replicas).toBe(1);

    // The Service: client traffic on http, LMCache transfer notifications on 7500.
    const routerSvc = find(objects, 'Service', 'router');
    expect(routerSvc.spec.ports).toEqual([
      { name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' },
      { name: 'kv-side', port: 7500, targetPort: 7500, protocol: 'TCP' },
    ]);
    expect(routerSvc.spec.selector).toEqual(dep.spec.selector.matchLabels);
    expect(svc.url).toBe(`http://${routerSvc.metadata.name}:8000/v1`);
    expect(svc.router.strategy.displayName).toBe('production-stack router');
    expect(svc.router.strategy.supportedTransports).toEqual(['LMCache PD']);
  });

  test('router and tier ports: --port follows the router, --k8s-port the tiers', () => {
    const { c } = service({ prefill: { port: 8100 }, decode: { port: 8100 } }, { port: 9000 });
    const objects = synth(c);
    const args: string[] = container(find(objects, 'Deployment', 'router')).args;
    expect(args.slice(args.indexOf('--port'), args.indexOf('--port') + 2)).toEqual(['--port', '9000']);
    expect(args.slice(args.indexOf('--k8s-port'), args.indexOf('--k8s-port') + 2)).toEqual(['--k8s-port', '8100']);
    const routerSvc = find(objects, 'Service', 'router');
    expect(routerSvc.spec.ports[0]).toEqual({ name: 'http', port: 9000, targetPort: 'http', protocol: 'TCP' });
    expect(container(find(objects, 'Deployment', 'router')).ports[0]).toEqual({ name: 'http', containerPort: 9000, protocol: 'TCP' });
  });

  test('a custom image', () => {
    const { c } = service({}, { strategy: RouterStrategy.productionStackRouter({ image: 'registry.example.com/lmstack-router:v0.1.13' }) });
    expect(container(find(synth(c), 'Deployment', 'router')).image).toBe('registry.example.com/lmstack-router:v0.1.13');
  });

  test('fails with static discovery', () => {
    expect(() => service({}, { discovery: RouterDiscovery.STATIC }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'discovery' \('static'\) must be RouterDiscovery\.KUBERNETES with the production-stack router$/);
  });

  test('fails with 2 router replicas', () => {
    expect(() => service({}, { replicas: 2 }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'replicas' \(2\) must be 1: LMCache transfer notifications go to one router$/);
  });

  test('fails with 2 decode replicas: it routes 1P1D', () => {
    expect(() => service({ decode: { replicas: 2 } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.replicas' \(2\) must be 1 with the production-stack router: it routes to a single prefill and a single decode endpoint$/);
  });

  test('fails when the tiers listen on different ports', () => {
    expect(() => service({ decode: { port: 8200 } }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'decode\.port' \(8200\) must equal prefill's port \(8000\): --k8s-port applies to both tiers$/);
  });

  test('fails without a chart namespace for its Role', () => {
    expect(() => service({}, {}, chart({})))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'discovery' \('kubernetes'\) needs the chart's namespace for the router's Role and RoleBinding/);
  });

  test('fails with a NIXL connector, whose flow it does not implement', () => {
    expect(() => service({ kvConnector: KvConnector.nixl() }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'strategy' \('production-stack router'\) does not implement the NIXL \(pull\) request flow that NixlConnector needs \(production-stack router implements: LMCache PD\); see the RouterStrategy table$/);
  });

  test.each(['', 'bad image'])('fails when the image is %p', (image) => {
    expect(() => RouterStrategy.productionStackRouter({ image }))
      .toThrow(/^RouterStrategy\.productionStackRouter: 'image' \('.*'\) must be an image reference without whitespace$/);
  });
});
