import { Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { composeTiers } from '../../examples/compose-tiers/main';
import { ExampleSharedStorage } from '../../examples/example-shared-storage/main';
import { MooncakeRdma } from '../../examples/mooncake-rdma/main';
import { MultiNixlOffloading } from '../../examples/multi-nixl-offloading/main';
import { OffloadingCpu } from '../../examples/offloading-cpu/main';
import { P2pNcclSameNode } from '../../examples/p2p-nccl-same-node/main';
import { SeedLlama70bNixl } from '../../examples/seed-llama-70b-nixl/main';
import {
  Accelerator, KvConnector, Model, ModelCache, NetworkPeer, PdService, RouterDiscovery, RoutingPolicy, RouterStrategy, VllmImage,
} from '../../src';
import { FlowGraph, networkPolicySpec, PolicyPods, renderPdNetworkPolicies, resolvePortPeer } from '../../src/private/network-policy';
import { PortPeer } from '../../src/private/pod-contribution';
import { chart, Manifest, synth } from '../util';
import { allowedFlows, podsOf } from './flow-evaluator';

/**
 * The flows the PD design needs, written out by hand from the design (never from the library's own
 * derivation), for the evaluator's answer to be compared with.
 */
function designFlows(objects: Manifest[], o: {
  kubernetesApi: boolean;
  /** Connector flows: `src->dst:port`, or `src->dst:*` for every TCP port of dst. */
  kv: string[];
}): string[] {
  const pods = podsOf(objects);
  const portsOf = (name: string) => Object.keys(pods.find(p => p.name === name)!.ports);
  const flows = [
    'client->router:http',
    'prometheus->router:metrics', 'prometheus->prefill:http', 'prometheus->decode:http',
    'router->prefill:http', 'router->decode:http',
    ...['router', 'prefill', 'decode'].flatMap(p => [`${p}->kube-dns:dns-udp`, `${p}->kube-dns:dns-tcp`]),
    // Model download: HTTPS to any address.
    'prefill->ip:internet:https', 'decode->ip:internet:https',
    // The API server for pod discovery; its default CIDR is any address, on 443 and 6443.
    ...(o.kubernetesApi ? ['router->ip:apiserver:https', 'router->ip:internet:https'] : []),
  ];
  for (const f of o.kv) {
    const m = /^(\w+)->(\w+):(.+)$/.exec(f)!;
    flows.push(...(m[3] === '*' ? portsOf(m[2]).map(p => `${m[1]}->${m[2]}:${p}`) : [f]));
  }
  return [...new Set(flows)].sort();
}

const NIXL_FLOWS = ['decode->prefill:nixl-side-0', 'decode->prefill:*', 'prefill->decode:*'];

describe('NetworkPolicies allow exactly the PD flows', () => {
  test('NIXL PdService with Kubernetes discovery (the defaults)', () => {
    const c = chart();
    new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT });
    const objects = synth(c);
    expect(allowedFlows(objects)).toEqual(designFlows(objects, { kubernetesApi: true, kv: NIXL_FLOWS }));
  });

  test('example seed-llama-70b-nixl', () => {
    const objects = synth(new SeedLlama70bNixl(Testing.app(), 'seed'));
    expect(allowedFlows(objects)).toEqual(designFlows(objects, { kubernetesApi: true, kv: NIXL_FLOWS }));
  });

  test('example compose-tiers (standalone tiers and a PdRouter)', () => {
    const objects = synth(composeTiers(Testing.app()));
    expect(allowedFlows(objects)).toEqual(designFlows(objects, { kubernetesApi: true, kv: NIXL_FLOWS }));
  });

  test('example multi-nixl-offloading', () => {
    const objects = synth(new MultiNixlOffloading(Testing.app(), 'multi'));
    expect(allowedFlows(objects)).toEqual(designFlows(objects, { kubernetesApi: true, kv: NIXL_FLOWS }));
  });

  test('example mooncake-rdma: the router and decode query the bootstrap port; both tiers dial random ports', () => {
    const objects = synth(new MooncakeRdma(Testing.app(), 'mooncake'));
    expect(allowedFlows(objects)).toEqual(designFlows(objects, {
      kubernetesApi: false,
      kv: ['router->prefill:mooncake-boot', 'decode->prefill:mooncake-boot', 'decode->prefill:*', 'prefill->decode:*'],
    }));
  });

  test('example p2p-nccl-same-node: engines register with the router; NCCL between the tiers', () => {
    const objects = synth(new P2pNcclSameNode(Testing.app(), 'nccl'));
    expect(allowedFlows(objects)).toEqual(designFlows(objects, {
      kubernetesApi: false,
      kv: ['prefill->router:kv-registry', 'decode->router:kv-registry', 'decode->prefill:*', 'prefill->decode:*'],
    }));
  });

  test('example example-shared-storage: no KV flow between the pods', () => {
    const objects = synth(new ExampleSharedStorage(Testing.app(), 'shared'));
    expect(allowedFlows(objects)).toEqual(designFlows(objects, { kubernetesApi: false, kv: [] }));
  });

  test('example offloading-cpu: a tier without a PdRouter gets no NetworkPolicy', () => {
    const objects = synth(new OffloadingCpu(Testing.app(), 'offload'));
    expect(objects.filter(o => o.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('multi-node tiers: clients, the router and monitoring reach the leaders, never the headless workers', () => {
    const c = chart();
    const wideEp = { accelerator: Accelerator.NVIDIA_H200, dataParallelSize: 16, enableExpertParallel: true };
    new PdService(c, 'Svc', { model: Model.DEEPSEEK_V3, prefill: wideEp, decode: wideEp });
    const objects = synth(c);
    const flows = allowedFlows(objects);
    expect(flows).toEqual(expect.arrayContaining([
      'router->prefill-leader:http', 'router->decode-leader:http', 'prometheus->prefill-leader:http', 'prometheus->decode-leader:http',
      // A group's ranks and the KV transfer between the tiers involve every pod.
      'prefill-worker->prefill-leader:dist-master', 'decode-worker->prefill-worker:ephemeral', 'prefill-worker->decode-worker:nixl-side-0',
    ]));
    expect(flows.filter(f => /^(router|client|prometheus|stranger)->.*-worker:/.test(f))).toEqual([]);
    // The leaders' serving port comes from an ingress-only policy over the leaders; the tier's own policy does not open it.
    const policies = objects.filter(o => o.kind === 'NetworkPolicy' && o.metadata.labels['app.kubernetes.io/component'] === 'decode');
    expect(policies.map(p => [p.spec.policyTypes, p.spec.podSelector.matchLabels['leaderworkerset.sigs.k8s.io/worker-index']]))
      .toEqual([[['Ingress', 'Egress'], undefined], [['Ingress'], '0']]);
    expect(policies[0].spec.ingress.some((r: any) => r.ports.some((p: any) => p.port === 8000))).toBe(false);
  });

  test('NIXL with ucxTcpPortRange: the tiers reach each other on the side channel and the range only', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      kvConnector: KvConnector.nixl({ ucxTcpPortRange: { first: 20000, last: 20127 } }),
    });
    const objects = synth(c);
    // Both tiers listen on the side channel and on the range (pull and push); never below or above the range.
    const ucx = ['ucx-first', 'ucx-last'].flatMap(p => [`decode->prefill:${p}`, `prefill->decode:${p}`]);
    expect(allowedFlows(objects)).toEqual(designFlows(objects, { kubernetesApi: true, kv: ['decode->prefill:nixl-side-0', 'prefill->decode:nixl-side-0', ...ucx] }));
    const prefill = objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.labels['app.kubernetes.io/component'] === 'prefill')!;
    expect(prefill.spec.ingress).toContainEqual({
      from: [{ podSelector: { matchLabels: expect.objectContaining({ 'app.kubernetes.io/component': 'decode' }) } }],
      ports: [{ protocol: 'TCP', port: 20000, endPort: 20127 }],
    });
  });

  test('multi-node tiers with ucxTcpPortRange: every rank of one tier reaches every rank of the other on the range', () => {
    const c = chart();
    const wideEp = { accelerator: Accelerator.NVIDIA_H200, dataParallelSize: 16, enableExpertParallel: true };
    new PdService(c, 'Svc', {
      model: Model.DEEPSEEK_V3,
      kvConnector: KvConnector.nixl({ ucxTcpPortRange: { first: 30000, last: 30255 } }),
      prefill: wideEp,
      decode: wideEp,
    });
    const objects = synth(c);
    const flows = allowedFlows(objects);
    const ranks = ['prefill-leader', 'prefill-worker', 'decode-leader', 'decode-worker'];
    const across = ranks.flatMap(src => ranks.filter(dst => dst.split('-')[0] !== src.split('-')[0])
      .flatMap(dst => [`${src}->${dst}:ucx-first`, `${src}->${dst}:ucx-last`]));
    expect(flows).toEqual(expect.arrayContaining(across));
    // Between the tiers nothing else than the range and the side channel; within a group, still every port (NCCL).
    expect(flows.filter(f => /^(prefill|decode)-\w+->(prefill|decode)-/.test(f) && f.split('-')[0] !== f.split('>')[1].split('-')[0])
      .filter(f => !/:(ucx-first|ucx-last|nixl-side-\d+)$/.test(f))).toEqual([]);
    expect(flows).toContain('prefill-worker->prefill-leader:ephemeral');
  });

  test('configured clients, monitoring, API server and no model download', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      modelCache: ModelCache.persistentVolumeClaim('weights', { readOnly: true }),
      router: {
        networkPolicies: {
          clients: [NetworkPeer.namespace('other')],
          monitoring: [],
          kubernetesApiCidrs: ['172.18.0.2/32'],
          kubernetesApiPorts: [6443],
        },
      },
    });
    const objects = synth(c);
    const flows = allowedFlows(objects);
    expect(flows).toContain('stranger->router:http');
    expect(flows).not.toContain('client->router:http');
    expect(flows.filter(f => f.startsWith('prometheus'))).toEqual([]);
    expect(flows).toContain('router->ip:apiserver:https');
    expect(flows.filter(f => f.includes('ip:internet'))).toEqual([]);
    const router = objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.labels['app.kubernetes.io/component'] === 'router')!;
    expect(router.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '172.18.0.2/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] });
  });

  test("tracing: the tiers and the router open only their OTLP endpoint's port, to any address or to the named collectors", () => {
    const tracing = { otlpTracesEndpoint: 'http://otel-collector.observability:4317' };
    const traced = (networkPolicies?: any) => {
      const c = chart();
      new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, prefill: { tracing }, decode: { tracing }, router: { tracing, networkPolicies } });
      return allowedFlows(synth(c)).filter(f => f.endsWith(':otlp'));
    };
    const pods = ['decode', 'prefill', 'router'];
    expect(traced()).toEqual(pods.flatMap(p => [`${p}->ip:internet:otlp`, `${p}->otel-collector:otlp`]));
    expect(traced({ tracingCollectors: [NetworkPeer.namespace('observability')] })).toEqual(pods.map(p => `${p}->otel-collector:otlp`));
    // Only the pods that trace, on their own endpoint's port.
    const c = chart();
    new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, decode: { tracing: { otlpTracesEndpoint: 'https://otlp.example.com:443' } } });
    const policies = synth(c).filter(o => o.kind === 'NetworkPolicy');
    const egressOn = (component: string, port: number) => policies.find(o => o.metadata.labels['app.kubernetes.io/component'] === component)!
      .spec.egress.filter((r: any) => r.to === undefined && r.ports.length === 1 && r.ports[0].port === port);
    expect(egressOn('decode', 443)).toEqual([{ ports: [{ protocol: 'TCP', port: 443 }] }]);
    expect(egressOn('prefill', 443)).toEqual([]);
    expect(egressOn('router', 443)).toEqual([]);
  });

  test('fails with tracingCollectors when nothing traces, and with an empty list', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT, router: { networkPolicies: { tracingCollectors: [NetworkPeer.namespace('observability')] } },
    })).toThrow(/'networkPolicies.tracingCollectors' \(\["namespace 'observability'"\]\) applies only when a tier or the router traces/);
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT, decode: { tracing: { otlpTracesEndpoint: 'http://c:4317' } }, router: { networkPolicies: { tracingCollectors: [] } },
    })).toThrow(/'networkPolicies.tracingCollectors' \(\[\]\) must name at least one peer/);
  });

  test('NetworkPeer.ANYWHERE: a rule without from', () => {
    const c = chart();
    new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, router: { networkPolicies: { clients: [NetworkPeer.ANYWHERE] } } });
    const objects = synth(c);
    const router = objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.labels['app.kubernetes.io/component'] === 'router')!;
    expect(router.spec.ingress[0]).toEqual({ ports: [{ protocol: 'TCP', port: 8000 }] });
    expect(allowedFlows(objects)).toContain('stranger->router:http');
  });

  test('enabled: false renders none', () => {
    const c = chart();
    new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, router: { networkPolicies: { enabled: false } } });
    expect(synth(c).filter(o => o.kind === 'NetworkPolicy')).toEqual([]);
  });

  test('fails with options beside enabled: false', () => {
    const c = chart();
    expect(() => new PdService(c, 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      router: { networkPolicies: { enabled: false, clients: [NetworkPeer.ANYWHERE] } },
    })).toThrow(/'networkPolicies.clients' \(\["anywhere"\]\) is set but 'networkPolicies.enabled' is false/);
  });

  test('fails with no clients', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT, router: { networkPolicies: { clients: [] } },
    })).toThrow(/'networkPolicies.clients' \(\[\]\) must name at least one peer/);
  });

  test('fails with Kubernetes API settings on a router that does not use the API', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      router: { discovery: RouterDiscovery.STATIC, networkPolicies: { kubernetesApiPorts: [443] } },
    })).toThrow(/'networkPolicies.kubernetesApiPorts' \(\[443\]\) applies only to a router that discovers pods/);
  });

  test('fails with a malformed API server CIDR', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT, router: { networkPolicies: { kubernetesApiCidrs: ['10.0.0.1'] } },
    })).toThrow(/'router.networkPolicies.kubernetesApiCidrs\[0\]' \('10.0.0.1'\) must be an IPv4 or IPv6 CIDR/);
  });

  test('fails with a NetworkPeer that is not one', () => {
    expect(() => new PdService(chart(), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT, router: { networkPolicies: { clients: [{ namespace: 'x' } as any] } },
    })).toThrow(/'router.networkPolicies.clients\[0\]' .* must be a NetworkPeer/);
  });

});

describe('the policy derivation for any pod set', () => {
  const graph = (pods: PolicyPods[]): FlowGraph => ({ pods, clients: [NetworkPeer.SAME_NAMESPACE], monitoring: [] });

  test('SAME_TIER peers and peersOnAnyPort: ingress from and egress to the same pods', () => {
    const worker: PolicyPods = {
      as: PortPeer.DECODE,
      selector: { role: 'worker' },
      ports: [{ name: 'rpc', containerPort: 5000, peers: [PortPeer.SAME_TIER] }],
      peersOnAnyPort: [PortPeer.SAME_TIER],
    };
    const spec = networkPolicySpec({ self: worker, graph: graph([worker]) });
    const self = { podSelector: { matchLabels: { role: 'worker' } } };
    expect(spec.ingress).toEqual([
      { from: [self], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(5000) }] },
      { from: [self], ports: [{ protocol: 'TCP' }] },
    ]);
    expect(spec.egress?.[1]).toEqual({ to: [self], ports: [{ protocol: 'TCP' }] });
  });

  test('every PortPeer maps to a policy peer', () => {
    const pods: PolicyPods[] = [PortPeer.ROUTER, PortPeer.PREFILL, PortPeer.DECODE, PortPeer.EPP]
      .map(as => ({ as, selector: { as }, ports: [], peersOnAnyPort: [] }));
    for (const peer of Object.values(PortPeer)) {
      const s = resolvePortPeer(peer, pods[1], graph(pods));
      expect(s.pods !== undefined || s.external !== undefined).toBe(true);
    }
  });

  test('extra pod sets join the graph and get their own policy', () => {
    const c = chart();
    const picker = new Construct(c, 'Picker');
    const pickerPods: PolicyPods = {
      as: PortPeer.DECODE, selector: { app: 'picker' }, ports: [{ name: 'grpc', containerPort: 9002, peers: [PortPeer.ROUTER] }], peersOnAnyPort: [],
    };
    renderPdNetworkPolicies({
      where: 'test',
      options: undefined,
      router: { scope: c, labels: {}, selector: { app: 'router' }, ports: [] },
      routerNeedsKubernetesApi: false,
      tiers: [],
      extraPods: [{ scope: picker, labels: { app: 'picker' }, pods: () => pickerPods }],
    });
    // Synth order is the construct tree's: the picker's scope comes first.
    const [pickerPolicy, routerPolicy] = synth(c);
    const policies = [routerPolicy, pickerPolicy];
    expect(policies.map(p => p.spec.podSelector.matchLabels)).toEqual([{ app: 'router' }, { app: 'picker' }]);
    expect(policies[0].spec.egress[1]).toEqual({ to: [{ podSelector: { matchLabels: { app: 'picker' } } }], ports: [{ protocol: 'TCP', port: 9002 }] });
    expect(policies[1].spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: { app: 'router' } } }], ports: [{ protocol: 'TCP', port: 9002 }] }]);
  });

  test('a routing policy with per-replica state is unaffected: the flows do not depend on the policy', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      image: VllmImage.official('v0.32.0'),
      kvConnector: KvConnector.nixl(),
      router: { strategy: RouterStrategy.vllmRouter({ prefillPolicy: RoutingPolicy.ROUND_ROBIN }) },
    });
    const objects = synth(c);
    expect(allowedFlows(objects)).toEqual(designFlows(objects, { kubernetesApi: true, kv: NIXL_FLOWS }));
  });
});
