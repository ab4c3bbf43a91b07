import { Testing } from 'cdk8s';
import { Model, PdService, PrefillTier, TierRole } from '../../src';
import { PortPeer } from '../../src/private/pod-contribution';
import { resolveTierSpec } from '../../src/private/tier-spec';
import { mergeTierPod, renderTierPodTemplate } from '../../src/private/workload';
import { chart, synth } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
const spec = resolveTierSpec({ where: "DecodeTier 'D'", role: TierRole.DECODE, instance: 'svc', props: { model } });

describe('workload renderer', () => {
  test('contributed sidecars become native sidecars; resources and capabilities reach the vLLM container', () => {
    const pod = mergeTierPod(spec, {
      connector: { from: 'NixlConnector', pod: spec.kvConnector._render(spec).pod },
      router: {
        from: 'a router',
        pod: {
          sidecars: [{ name: 'routing-sidecar', image: 'example.com/sidecar:v1' }],
          initContainers: [{ name: 'init', image: 'example.com/init:v1' }],
          resources: { 'rdma/ib': 1 },
          capabilities: ['IPC_LOCK'],
          ports: [{ name: 'sidecar', containerPort: 8200, peers: [PortPeer.CLIENTS] }],
        },
      },
    });
    const template = renderTierPodTemplate(spec, pod, []);
    expect(template.spec!.initContainers!.map(c => [c.name, c.restartPolicy])).toEqual([['init', undefined], ['routing-sidecar', 'Always']]);
    const vllm = template.spec!.containers[0];
    expect(vllm.securityContext!.capabilities).toEqual({ drop: ['ALL'], add: ['IPC_LOCK'] });
    // Contributed containers get the restricted container settings too.
    for (const c of template.spec!.initContainers!) expect(c.securityContext!.allowPrivilegeEscalation).toBe(false);
    expect(vllm.resources!.limits!['rdma/ib'].value).toBe(1);
    expect(vllm.ports!.map(p => p.name)).toEqual(['http', 'nixl-side-0', 'sidecar']);
  });

  test('a tier without contributions renders no init containers and adds no capability', () => {
    const pod = mergeTierPod(spec, { connector: { from: 'NixlConnector', pod: spec.kvConnector._render(spec).pod } });
    const template = renderTierPodTemplate(spec, pod, []);
    expect(template.spec!.initContainers).toBeUndefined();
    expect(template.spec!.containers[0].securityContext!.capabilities).toEqual({ drop: ['ALL'], add: undefined });
  });

  test('replicas is left out once an autoscaler is bound (IScalable pattern)', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', { model, decode: { replicas: 3 } });
    expect(svc.decode.hasAutoscaler).toBe(false);
    svc.decode.markHasAutoscaler();
    expect(svc.decode.hasAutoscaler).toBe(true);
    const deployments = synth(c).filter(o => o.kind === 'Deployment');
    const decode = deployments.find(o => o.metadata.labels['app.kubernetes.io/component'] === 'decode')!;
    const prefill = deployments.find(o => o.metadata.labels['app.kubernetes.io/component'] === 'prefill')!;
    expect('replicas' in decode.spec).toBe(false);
    expect(prefill.spec.replicas).toBe(1);
  });

  test('the workload object is exposed for escape hatches', () => {
    const c = chart();
    const tier = new PrefillTier(c, 'P', { model });
    expect(tier.workload).toBe(tier.deployment);
    expect(tier.workload.kind).toBe('Deployment');
    tier.workload.metadata.addAnnotation('example.com/owner', 'team-a');
    expect(Testing.synth(c)[0].metadata.annotations).toEqual({ 'example.com/owner': 'team-a' });
  });

  test('fails when a router contribution collides with the tier, at bind time', () => {
    const tier = new PrefillTier(chart(), 'P', { model });
    expect(() => tier._bindRouter('test/R', { serviceName: 'r' }, 'a router', { labels: { 'app.kubernetes.io/name': 'other' } }))
      .toThrow(/^PrefillTier 'test\/P': 'label' \('app\.kubernetes\.io\/name'\) is set to 'vllm' by the tier and to 'other' by a router$/);
    expect(() => tier._bindRouter('test/R2', { serviceName: 'r' }, 'a router', { ports: [{ name: 'x', containerPort: 5600, peers: [] }] }))
      .toThrow(/'container port 'x'' \(5600\) collides with container port 'nixl-side-0'/);
  });
});
