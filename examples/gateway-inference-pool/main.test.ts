import { Testing } from 'cdk8s';
import { GatewayInferencePool } from './main';
import { validateCustomResource } from '../../test/crd-schema';
import { argValue, container, find, synth } from '../../test/util';

describe('example gateway-inference-pool', () => {
  test('the seed service behind an existing Gateway passes the Kubernetes schemas and the CRDs', () => {
    const chart = new GatewayInferencePool(Testing.app(), 'gateway-inference-pool');
    // synth validates Deployments, Services and RBAC with kubernetes-models and every custom resource
    // (InferencePool, InferenceObjective, HTTPRoute) against its CRD schema and CEL rules.
    const objects = synth(chart);
    expect(objects).toMatchSnapshot();

    const prefill = find(objects, 'Deployment', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    expect(argValue(prefill, '--tensor-parallel-size')).toBe('4');
    expect(argValue(decode, '--tensor-parallel-size')).toBe('2');
    expect(argValue(decode, '--port')).toBe('8200');
    const sidecar = decode.spec.template.spec.initContainers.find((c: any) => c.name === 'routing-sidecar');
    expect(sidecar.args).toContain('--port=8000');
    expect(sidecar.args).toContain('--model-server-port=8200');

    const pool = objects.find(o => o.kind === 'InferencePool')!;
    const route = objects.find(o => o.kind === 'HTTPRoute')!;
    expect(pool.spec.targetPorts).toEqual([{ number: 8000 }]);
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway', namespace: 'gateway-system', sectionName: 'https' }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: pool.metadata.name }]);
    expect(validateCustomResource(route).length).toBeGreaterThan(10);
    expect(objects.filter(o => o.kind === 'InferenceObjective').map(o => o.metadata.name)).toEqual(['interactive', 'batch']);
    const epp = find(objects, 'Deployment', 'router');
    expect(container(epp).args).toContain(`--pool-name=${pool.metadata.name}`);
    expect(find(objects, 'Deployment', 'router').metadata.namespace).toBe('llm');

    // The Gateway's proxies (networkPolicies.clients) reach the EPP's ext_proc port and the decode sidecars.
    const gateway = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'envoy-gateway-system' } } }];
    const ingressOn = (component: string, port: number) => objects.find(o => o.kind === 'NetworkPolicy'
      && o.metadata.labels['app.kubernetes.io/component'] === component)!.spec.ingress.find((r: any) => r.ports[0].port === port).from;
    expect(ingressOn('router', 9002)).toEqual(gateway);
    expect(ingressOn('decode', 8000)).toEqual([...gateway, { podSelector: { matchLabels: epp.spec.selector.matchLabels } }]);
  });
});
