import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Testing, Yaml } from 'cdk8s';
import {
  Accelerator, EndpointPickerFailureMode, Interconnect, KvConnector, KvLoadFailurePolicy, Model, MonitorKind, NetworkPeer, NixlTransferMode,
  PdDecider, PdRouter, PdService, RouterDiscovery, RouterStrategy, ScrapeScheme, VllmImage,
} from '../../src';
import { warningsOf } from '../../src/private/warn';
import { validateCustomResource } from '../crd-schema';
import { allowedFlows } from '../private/flow-evaluator';
import { app, chart, container, find, lwsGroupPods, Manifest, message, synth } from '../util';

const only = (objects: Manifest[], kind: string) => {
  const hits = objects.filter(o => o.kind === kind);
  if (hits.length !== 1) throw new Error(`expected one ${kind}, found ${hits.length}`);
  return hits[0];
};
const sidecarOf = (decode: Manifest) => decode.spec.template.spec.initContainers.find((c: any) => c.name === 'routing-sidecar');
const eppConfig = (objects: Manifest[]) => {
  const cm = objects.find(o => o.kind === 'ConfigMap' && o.metadata.labels?.['app.kubernetes.io/name'] === 'llm-d-epp')!;
  // cdk8s's own YAML reader (the library writes the file with cdk8s's Yaml.stringify).
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'epp-')), 'epp-config.yaml');
  fs.writeFileSync(file, cm.data['epp-config.yaml']);
  return Yaml.load(file)[0];
};
// The Gateway's data plane must be named with llmD() (networkPolicies.clients); here it runs in the chart's namespace.
const GATEWAY_IN_NAMESPACE = { clients: [NetworkPeer.SAME_NAMESPACE] };
const llmdService = (strategy = RouterStrategy.llmD(), extra: any = {}) => {
  const c = chart();
  const networkPolicies = GATEWAY_IN_NAMESPACE;
  const svc = new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, ...extra, router: { strategy, networkPolicies, ...extra.router } });
  return { c, svc };
};

describe('llm-d router', () => {
  test('defaults: EPP, pool over both tiers, decode sidecar on the tier port, vLLM moved to 8200', () => {
    const { c, svc } = llmdService();
    const objects = synth(c);
    expect(objects).toMatchSnapshot();

    const prefill = find(objects, 'Deployment', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    const epp = objects.find(o => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/name'] === 'llm-d-epp')!;
    const pool = only(objects, 'InferencePool');
    const eppService = objects.find(o => o.kind === 'Service' && o.metadata.labels['app.kubernetes.io/name'] === 'llm-d-epp')!;

    // No vllm-router of ours: the EPP is the PdRouter's Deployment, its Service the PdRouter's Service.
    expect(objects.filter(o => o.kind === 'Deployment').map(o => o.metadata.labels['app.kubernetes.io/name'])).toEqual(['vllm', 'vllm', 'llm-d-epp']);
    expect(svc.router.deployment.name).toBe(epp.metadata.name);
    expect(svc.router.serviceName).toBe(eppService.metadata.name);
    expect(objects.some(o => o.kind === 'HTTPRoute' || o.kind === 'InferenceObjective')).toBe(false);
    expect(message(() => svc.url)).toMatch(/no url: clients call the Gateway whose HTTPRoute points at the InferencePool/);

    // Decode: sidecar is a native sidecar on the tier's port 8000; vLLM listens on 8200 behind it.
    const sidecar = sidecarOf(decode);
    expect(sidecar).toMatchObject({ image: 'ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.10.0', restartPolicy: 'Always' });
    expect(sidecar.args).toEqual(['--port=8000', '--model-server-port=8200', '--kv-connector=nixlv2', '--secure-proxy=false']);
    expect(sidecar.ports).toEqual([{ name: 'sidecar', containerPort: 8000, protocol: 'TCP' }]);
    const vllm = container(decode);
    expect(vllm.args).toContain('--port=8200');
    expect(vllm.ports.find((p: any) => p.name === 'http')).toEqual({ name: 'http', containerPort: 8200, protocol: 'TCP' });
    expect(vllm.ports.some((p: any) => p.containerPort === 8000)).toBe(false);
    // Prefill keeps vLLM on the tier's port, which is the pool's target port.
    expect(container(prefill).args).toContain('--port=8000');
    expect(prefill.spec.template.spec.initContainers).toBeUndefined();

    // The pool: both tiers' pods (the role label tells them apart), one target port = prefill vLLM = decode sidecar.
    expect(pool.apiVersion).toBe('inference.networking.k8s.io/v1');
    expect(pool.spec.targetPorts).toEqual([{ number: 8000 }]);
    for (const tier of [prefill, decode]) {
      expect(tier.spec.template.metadata.labels).toMatchObject(pool.spec.selector.matchLabels);
    }
    expect(prefill.spec.template.metadata.labels['llm-d.ai/role']).toBe('prefill');
    expect(decode.spec.template.metadata.labels['llm-d.ai/role']).toBe('decode');
    expect(epp.spec.template.metadata.labels).not.toMatchObject(pool.spec.selector.matchLabels);
    expect(pool.spec.endpointPickerRef).toEqual({ name: eppService.metadata.name, port: { number: 9002 }, failureMode: 'FailClose' });

    // The EPP: its pool by name, the config file mounted from the ConfigMap, ext-proc/health/metrics ports.
    const e = container(epp);
    expect(e.image).toBe('ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.10.0');
    expect(e.args).toEqual([
      `--pool-name=${pool.metadata.name}`,
      '--pool-namespace=llm',
      '--pool-group=inference.networking.k8s.io',
      '--config-file=/config/epp-config.yaml',
      '--grpc-port=9002',
      '--grpc-health-port=9003',
      '--metrics-port=9090',
      '--tracing=false',
      '--metrics-endpoint-auth=false',
      // Two router replicas by default: leader election, only the leader is ready.
      '--ha-enable-leader-election',
    ]);
    expect(epp.spec.replicas).toBe(2);
    expect(e.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['grpc', 9002], ['grpc-health', 9003], ['metrics', 9090]]);
    expect(e.readinessProbe.grpc).toEqual({ port: 9003, service: 'readiness' });
    expect(e.livenessProbe.grpc).toEqual({ port: 9003, service: 'liveness' });
    expect(epp.spec.strategy).toEqual({ type: 'Recreate' });
    // No PDB for the EPP under leader election (it would block every drain of the leader's node).
    expect(objects.filter(o => o.kind === 'PodDisruptionBudget').map(o => o.metadata.labels['app.kubernetes.io/component'])).toEqual(['prefill', 'decode']);
    expect(eppService.spec.ports.map((p: any) => [p.name, p.port, p.appProtocol])).toEqual([
      ['grpc-ext-proc', 9002, 'kubernetes.io/h2c'], ['http-metrics', 9090, undefined],
    ]);

    // Least privilege: read-only, namespaced, only what the EPP watches; a Lease for leader election.
    const roles = objects.filter(o => o.kind === 'Role');
    expect(roles).toHaveLength(2);
    expect(roles[1].rules[0]).toEqual({ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] });
    expect(roles[0].rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['llm-d.ai'], resources: ['inferenceobjectives', 'inferencemodelrewrites'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(objects.some(o => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')).toBe(false);

    // NetworkPolicies from the declared peers: the Gateway (the policies' clients) reaches the EPP's ext-proc
    // port and decode's sidecar; the EPP scrapes both tiers through the pool's target port; the sidecars call
    // prefill; decode's moved vLLM port takes only monitoring (the sidecar dials it over localhost).
    const policy = (name: string, component: string) => objects.find(o => o.kind === 'NetworkPolicy'
      && o.metadata.labels['app.kubernetes.io/name'] === name && o.metadata.labels['app.kubernetes.io/component'] === component)!;
    const eppSelector = { podSelector: { matchLabels: epp.spec.selector.matchLabels } };
    const decodeSelector = { podSelector: { matchLabels: decode.spec.selector.matchLabels } };
    const ingressOn = (np: Manifest, port: number) => np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === port))?.from;
    const eppPolicy = policy('llm-d-epp', 'router');
    expect(ingressOn(eppPolicy, 9002)).toEqual([{ podSelector: {} }]);
    expect(ingressOn(eppPolicy, 9003)).toBeUndefined();
    expect(ingressOn(eppPolicy, 9090)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(eppPolicy.spec.egress).toEqual(expect.arrayContaining([
      { to: [{ podSelector: { matchLabels: prefill.spec.selector.matchLabels } }], ports: [{ protocol: 'TCP', port: 8000 }] },
      { to: [decodeSelector.podSelector ? decodeSelector : decodeSelector], ports: [{ protocol: 'TCP', port: 8000 }] },
    ]));
    const decodePolicy = policy('vllm', 'decode');
    expect(ingressOn(decodePolicy, 8000)).toEqual([{ podSelector: {} }, eppSelector]);
    expect(ingressOn(decodePolicy, 8200)).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(ingressOn(policy('vllm', 'prefill'), 8000)).toEqual([decodeSelector, eppSelector,
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);

    // The PD profile of the release's sample config, with the default selective decider.
    const config = eppConfig(objects);
    expect(config.apiVersion).toBe('llm-d.ai/v1alpha1');
    expect(config.kind).toBe('EndpointPickerConfig');
    expect(config.plugins.map((p: any) => p.type)).toEqual([
      'approx-prefix-cache-producer', 'prefix-cache-scorer', 'queue-scorer', 'prefill-filter', 'decode-filter',
      'max-score-picker', 'disagg-profile-handler', 'prefix-based-pd-decider',
    ]);
    expect(config.plugins.find((p: any) => p.type === 'disagg-profile-handler').parameters).toEqual({ deciders: { prefill: 'prefix-based-pd-decider' } });
    expect(config.plugins.find((p: any) => p.type === 'prefix-based-pd-decider').parameters).toEqual({ nonCachedTokens: 16 });
    expect(config.schedulingProfiles.map((p: any) => [p.name, p.plugins[0].pluginRef])).toEqual([['prefill', 'prefill-filter'], ['decode', 'decode-filter']]);
  });

  test('HTTPRoute to a named Gateway, objectives, always-disaggregate, fail open, one EPP replica with its PDB', () => {
    const { c } = llmdService(RouterStrategy.llmD({
      decider: PdDecider.always(),
      failureMode: EndpointPickerFailureMode.FAIL_OPEN,
      httpRoute: { gatewayName: 'inference-gateway', gatewayNamespace: 'gateways', sectionName: 'https', pathPrefix: '/v1', requestTimeout: Duration.minutes(10) },
      objectives: [{ name: 'interactive', priority: 10 }, { name: 'batch', priority: -5 }, { name: 'default' }],
    }), { router: { replicas: 1 } });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const pool = only(objects, 'InferencePool');
    const route = only(objects, 'HTTPRoute');
    expect(route.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway', namespace: 'gateways', sectionName: 'https' }],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/v1' } }],
        backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: pool.metadata.name }],
        timeouts: { request: '600s' },
      }],
    });
    // The CRD's CEL rules the route reaches were each checked (test/crd-schema.ts).
    const rules = validateCustomResource(route).map(h => h.path);
    expect(rules).toEqual(expect.arrayContaining(['.spec.parentRefs', '.spec.rules', '.spec.rules[0]', '.spec.rules[0].matches[0].path', '.spec.rules[0].timeouts']));
    expect(validateCustomResource(pool).map(h => h.path)).toEqual(['.spec.endpointPickerRef', '.spec.targetPorts']);

    const objectives = objects.filter(o => o.kind === 'InferenceObjective');
    expect(objectives.map(o => [o.metadata.name, o.spec.priority, o.spec.poolRef.name])).toEqual([
      ['interactive', 10, pool.metadata.name], ['batch', -5, pool.metadata.name], ['default', undefined, pool.metadata.name],
    ]);
    expect(pool.spec.endpointPickerRef.failureMode).toBe('FailOpen');
    const config = eppConfig(objects);
    expect(config.plugins.find((p: any) => p.type === 'disagg-profile-handler').parameters).toEqual({ deciders: { prefill: 'always-disagg-pd-decider' } });
    expect(config.plugins.find((p: any) => p.type === 'always-disagg-pd-decider')).toEqual({ type: 'always-disagg-pd-decider' });

    const epp = objects.find(o => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/name'] === 'llm-d-epp')!;
    expect(epp.spec.replicas).toBe(1);
    expect(container(epp).args).not.toContain('--ha-enable-leader-election');
    expect(container(epp).readinessProbe.grpc).toEqual({ port: 9003, service: 'inference-extension' });
    expect(container(epp).livenessProbe.grpc.service).toBe('inference-extension');
    expect(objects.filter(o => o.kind === 'Role')).toHaveLength(1);
    expect(objects.filter(o => o.kind === 'RoleBinding')).toHaveLength(1);
    const pdb = objects.find(o => o.kind === 'PodDisruptionBudget' && o.metadata.labels['app.kubernetes.io/name'] === 'llm-d-epp')!;
    expect(pdb.spec.selector.matchLabels).toEqual(epp.spec.selector.matchLabels);
  });

  test("the Gateway's data plane is the policies' clients: it reaches the EPP's ext-proc port and decode's sidecar", () => {
    const { c } = llmdService(RouterStrategy.llmD(), { router: { networkPolicies: { clients: [NetworkPeer.namespace('gateway-system')] } } });
    const objects = synth(c);
    const gateway = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' } } }];
    const policy = (name: string, component: string) => objects.find(o => o.kind === 'NetworkPolicy'
      && o.metadata.labels['app.kubernetes.io/name'] === name && o.metadata.labels['app.kubernetes.io/component'] === component)!;
    const ingressOn = (np: Manifest, port: number) => np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === port))?.from;
    expect(ingressOn(policy('llm-d-epp', 'router'), 9002)).toEqual(gateway);
    expect(ingressOn(policy('vllm', 'decode'), 8000)?.[0]).toEqual(gateway[0]);
    expect(ingressOn(policy('vllm', 'prefill'), 8000)).not.toContainEqual(gateway[0]);
  });

  test('selective disaggregation with a prompt-length gate', () => {
    const { c } = llmdService(RouterStrategy.llmD({ decider: PdDecider.prefixBased({ nonCachedTokens: 512, minPromptTokens: 1024 }) }));
    const config = eppConfig(synth(c));
    expect(config.plugins.find((p: any) => p.type === 'prefix-based-pd-decider').parameters).toEqual({ nonCachedTokens: 512, promptTokens: 1024 });
  });

  test('Mooncake: the sidecar queries the prefill bootstrap port', () => {
    const { c, svc } = llmdService(RouterStrategy.llmD({ decodeVllmPort: 8300 }), {
      kvConnector: KvConnector.mooncake({ bootstrapPort: 8998 }),
      // Mooncake's default RDMA protocol needs the fabric declared.
      interconnect: Interconnect.infiniband(),
    });
    const decode = find(synth(c), 'Deployment', 'decode');
    expect(sidecarOf(decode).args).toEqual([
      '--port=8000', '--model-server-port=8300', '--kv-connector=mooncake', '--secure-proxy=false', '--mooncake-bootstrap-port=8998',
    ]);
    expect(container(decode).args).toContain('--port=8300');
    // The sidecars cache engine ids per prefill address: a prefill container restarted in place leaves them stale.
    expect(warningsOf(svc.router)).toEqual([expect.stringMatching(
      /^PdRouter 'test\/Svc\/Router': MooncakeConnector on llm-d with kvLoadFailurePolicy FAIL: the decode sidecars cache each prefill pod's engine ids by its address, .*KvLoadFailurePolicy.RECOMPUTE keeps serving/)]);
  });

  test('Mooncake with KvLoadFailurePolicy.RECOMPUTE: no warning', () => {
    const { svc } = llmdService(RouterStrategy.llmD(), {
      kvConnector: KvConnector.mooncake({ kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE }),
      interconnect: Interconnect.infiniband(),
    });
    expect(warningsOf(svc.router)).toEqual([]);
  });

  test('shared storage: the sidecar runs prefill, then decode', () => {
    const { c } = llmdService(RouterStrategy.llmD(), { kvConnector: KvConnector.example({ claimName: 'kv' }) });
    expect(sidecarOf(find(synth(c), 'Deployment', 'decode')).args).toContain('--kv-connector=shared-storage');
  });

  test('other strategies still render their router Deployment and Service', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT });
    const objects = synth(c);
    expect(objects.some(o => o.kind === 'InferencePool')).toBe(false);
    expect(container(find(objects, 'Deployment', 'decode')).args).toContain('--port=8000');
    expect(svc.url).toBe(`http://${svc.router.serviceName}:8000/v1`);
  });

  test('the CEL checks evaluate: a pool with duplicate target ports fails its rule', () => {
    const { c } = llmdService();
    const pool = JSON.parse(JSON.stringify(only(synth(c), 'InferencePool')));
    pool.spec.targetPorts = [{ number: 8000 }, { number: 8000 }];
    expect(() => validateCustomResource(pool)).toThrow(/fails the CRD rule at \.spec\.targetPorts \(port number must be unique\)/);
    pool.spec.targetPorts = [{ number: 8000 }];
    delete pool.spec.endpointPickerRef.port;
    expect(() => validateCustomResource(pool)).toThrow(/port is required when kind is 'Service'/);
  });
});

describe('llm-d router and multi-node tiers (LeaderWorkerSet)', () => {
  const H200 = Accelerator.NVIDIA_H200;
  const SERVING = 'llm-d.ai/inference-serving';
  const WORKER_INDEX = 'leaderworkerset.sigs.k8s.io/worker-index';
  const templates = (set: Manifest) => set.spec.leaderWorkerTemplate;
  const sidecarIn = (template: any) => template.spec.initContainers?.find((c: any) => c.name === 'routing-sidecar');
  const matches = (labels: Record<string, string>, selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  const policy = (objects: Manifest[], name: string, component: string) => objects.find(o => o.kind === 'NetworkPolicy'
    && o.metadata.labels['app.kubernetes.io/name'] === name && o.metadata.labels['app.kubernetes.io/component'] === component)!;
  const servingPolicy = (objects: Manifest[], component: string) => objects.find(o => o.kind === 'NetworkPolicy'
    && o.metadata.labels['app.kubernetes.io/component'] === component && o.spec.policyTypes.join() === 'Ingress')!;
  const ingressOn = (np: Manifest, port: number) => np.spec.ingress
    .filter((r: any) => r.ports.some((p: any) => p.port === port)).map((r: any) => r.from);

  test('DeepSeek-V3 wide EP on both tiers: the pool selects the leaders, the sidecar sits on the decode leader only', () => {
    const c = chart();
    const wideEp = { accelerator: H200, dataParallelSize: 16, enableExpertParallel: true };
    new PdService(c, 'Svc', {
      model: Model.DEEPSEEK_V3,
      kvConnector: KvConnector.nixl(),
      interconnect: Interconnect.infiniband(),
      prefill: wideEp,
      decode: wideEp,
      router: { strategy: RouterStrategy.llmD(), networkPolicies: GATEWAY_IN_NAMESPACE },
    });
    // synth() validates every object: the LeaderWorkerSets against the LWS CRD and both pod templates, the pool
    // against the InferencePool CRD.
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const prefill = find(objects, 'LeaderWorkerSet', 'prefill');
    const decode = find(objects, 'LeaderWorkerSet', 'decode');
    const pool = only(objects, 'InferencePool');
    const selector = pool.spec.selector.matchLabels;
    const epp = objects.find(o => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/name'] === 'llm-d-epp')!;
    expect(objects.filter(o => o.kind === 'Deployment')).toEqual([epp]);

    // Decode leader: the sidecar on the tier's port, vLLM (the group's API server) moved behind it.
    const leader = templates(decode).leaderTemplate;
    const sidecar = sidecarIn(leader);
    expect(sidecar).toMatchObject({ restartPolicy: 'Always', ports: [{ name: 'sidecar', containerPort: 8000, protocol: 'TCP' }] });
    expect(sidecar.args).toEqual(['--port=8000', '--model-server-port=8200', '--kv-connector=nixlv2', '--secure-proxy=false']);
    const vllm = leader.spec.containers[0];
    expect(vllm.args).toEqual(expect.arrayContaining(['--port=8200', '--node-rank=0', '--nnodes=2', '--data-parallel-size-local=8']));
    expect(vllm.ports.find((p: any) => p.name === 'http')).toEqual({ name: 'http', containerPort: 8200, protocol: 'TCP' });
    expect(vllm.readinessProbe.httpGet.port).toBe('http');
    // Decode worker: headless with its multi-node flags, no sidecar, no serving label, no HTTP port.
    const worker = templates(decode).workerTemplate;
    expect(worker.spec.initContainers).toBeUndefined();
    expect(worker.metadata.labels[SERVING]).toBeUndefined();
    expect(worker.spec.containers[0].args).toEqual(expect.arrayContaining([
      '--headless', '--node-rank=$(LWS_WORKER_INDEX)', '--nnodes=2', '--master-addr=$(LWS_LEADER_ADDRESS)', '--data-parallel-address=$(LWS_LEADER_ADDRESS)',
    ]));
    expect(worker.spec.containers[0].ports.map((p: any) => p.name)).not.toContain('http');
    expect(worker.spec.containers[0].ports.map((p: any) => p.containerPort)).not.toContain(8000);
    // Prefill: vLLM keeps the tier's port (the pool's target port); no sidecar anywhere.
    expect(templates(prefill).leaderTemplate.spec.containers[0].args).toContain('--port=8000');
    expect(sidecarIn(templates(prefill).leaderTemplate)).toBeUndefined();
    expect(sidecarIn(templates(prefill).workerTemplate)).toBeUndefined();

    // The pool: both tiers' leaders (the serving selector the Services use, minus the role) and nothing else.
    expect(selector).toEqual({
      'app.kubernetes.io/instance': leader.metadata.labels['app.kubernetes.io/instance'],
      'app.kubernetes.io/name': 'vllm',
      [WORKER_INDEX]: '0',
      [SERVING]: 'true',
    });
    for (const set of [prefill, decode]) {
      const service = find(objects, 'Service', set.metadata.labels['app.kubernetes.io/component']);
      expect(service.spec.selector).toMatchObject({ [WORKER_INDEX]: '0' });
      // The pods LWS creates for one group: the leader (index 0) is in the pool, the worker (index 1) is not.
      const pods = lwsGroupPods(set, 'llm');
      const labels = (i: number) => ({ ...pods[i].template.metadata.labels, [WORKER_INDEX]: String(i) });
      expect(matches(labels(0), selector)).toBe(true);
      expect(matches(labels(1), selector)).toBe(false);
      expect(matches(labels(0), service.spec.selector)).toBe(true);
    }
    expect(matches(epp.spec.template.metadata.labels, selector)).toBe(false);
    // The EPP watches pods of its namespace (the pool's selector picks among them); its RBAC is unchanged.
    expect(objects.filter(o => o.kind === 'Role')[0].rules[0]).toEqual({ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] });

    // NetworkPolicies: the Gateway and the EPP reach decode's sidecar port, the sidecar and the EPP reach prefill's
    // vLLM, decode's moved vLLM port takes only monitoring, all on the leaders alone (an ingress-only policy of
    // their own: workers run no API server); intra-group traffic (any TCP port from the same tier, the
    // torch.distributed store, the DP RPC socket) is as without a router, on every pod of the tier.
    const tierSelector = (set: Manifest) => ({ podSelector: { matchLabels: find(objects, 'Service', set.metadata.labels['app.kubernetes.io/component']).spec.selector } });
    const eppPeer = { podSelector: { matchLabels: epp.spec.selector.matchLabels } };
    const monitoring = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } };
    const decodePolicy = policy(objects, 'vllm', 'decode');
    const prefillPolicy = policy(objects, 'vllm', 'prefill');
    const decodeServing = servingPolicy(objects, 'decode');
    const prefillServing = servingPolicy(objects, 'prefill');
    const decodePods = { podSelector: { matchLabels: decodePolicy.spec.podSelector.matchLabels } };
    const prefillPods = { podSelector: { matchLabels: prefillPolicy.spec.podSelector.matchLabels } };
    const leadersOf = (pods: typeof decodePods) => ({ podSelector: { matchLabels: { ...pods.podSelector.matchLabels, [WORKER_INDEX]: '0' } } });
    expect(tierSelector(decode).podSelector.matchLabels).toMatchObject(decodePods.podSelector.matchLabels);
    for (const [np, pods] of [[decodeServing, decodePods], [prefillServing, prefillPods]] as const) {
      expect(np.spec.podSelector).toEqual(leadersOf(pods).podSelector);
      expect(np.spec.policyTypes).toEqual(['Ingress']);
    }
    expect(ingressOn(decodeServing, 8000)).toEqual([[{ podSelector: {} }, eppPeer]]);
    expect(ingressOn(decodeServing, 8200)).toEqual([[monitoring]]);
    expect(ingressOn(prefillServing, 8000)).toEqual([[decodePods, eppPeer, monitoring]]);
    for (const np of [decodePolicy, prefillPolicy]) {
      expect(ingressOn(np, 8000)).toEqual([]);
      expect(ingressOn(np, 8200)).toEqual([]);
    }
    // Any TCP port: the group's own pods (NCCL, Gloo, DP engines) and the other tier (NIXL's UCX data ports).
    for (const [np, pods, other] of [[decodePolicy, decodePods, prefillPods], [prefillPolicy, prefillPods, decodePods]] as const) {
      expect(ingressOn(np, 29501)).toEqual([[pods]]);
      expect(ingressOn(np, 29550)).toEqual([[pods]]);
      expect(np.spec.ingress).toContainEqual({ from: [pods, other], ports: [{ protocol: 'TCP' }] });
    }
    expect(policy(objects, 'llm-d-epp', 'router').spec.egress).toEqual(expect.arrayContaining([
      { to: [leadersOf(prefillPods)], ports: [{ protocol: 'TCP', port: 8000 }] },
      { to: [leadersOf(decodePods)], ports: [{ protocol: 'TCP', port: 8000 }] },
    ]));
    // The evaluator: the EPP reaches the leaders' serving ports and no worker's; the workers still reach each other.
    const flows = allowedFlows(objects);
    expect(flows).toEqual(expect.arrayContaining(['router->decode-leader:sidecar', 'router->prefill-leader:http', 'decode-worker->prefill-worker:ephemeral']));
    expect(flows.filter(f => /^(router|client|prometheus)->.*-worker:/.test(f))).toEqual([]);
  });

  test('a multi-node prefill beside a single-node decode: the serving label keeps the prefill workers out of the pool', () => {
    const c = chart();
    // DeepSeek-V3 (MLA) prefill TP 16 over two H100 nodes, decode TP 8 on one H200 node.
    new PdService(c, 'Svc', {
      model: Model.DEEPSEEK_V3,
      prefill: { tensorParallelSize: 16 },
      decode: { tensorParallelSize: 8, accelerator: H200 },
      router: { strategy: RouterStrategy.llmD(), networkPolicies: GATEWAY_IN_NAMESPACE },
    });
    const objects = synth(c);
    const prefill = find(objects, 'LeaderWorkerSet', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    const selector = only(objects, 'InferencePool').spec.selector.matchLabels;
    expect(selector[WORKER_INDEX]).toBeUndefined();
    expect(selector[SERVING]).toBe('true');
    const pods = lwsGroupPods(prefill, 'llm');
    expect(matches({ ...pods[0].template.metadata.labels, [WORKER_INDEX]: '0' }, selector)).toBe(true);
    expect(matches({ ...pods[1].template.metadata.labels, [WORKER_INDEX]: '1' }, selector)).toBe(false);
    expect(matches(decode.spec.template.metadata.labels, selector)).toBe(true);
    expect(sidecarOf(decode).args).toContain('--port=8000');
    expect(container(decode).args).toContain('--port=8200');
    expect(templates(prefill).leaderTemplate.spec.containers[0].args).toEqual(expect.arrayContaining(['--port=8000', '--tensor-parallel-size=16', '--node-rank=0']));
    expect(templates(prefill).workerTemplate.spec.containers[0].args).toContain('--headless');
  });
});

describe('llm-d router failures', () => {
  const strategyFails: Array<[string, () => unknown, string | RegExp]> = [
    ['an unconfirmed release', () => RouterStrategy.llmD({ version: '0.9.0' }),
      /RouterStrategy.llmD: 'version' \('0.9.0'\) needs llm-d router releases supported by cdk8s-vllm-pd, which exists in llm-d router >= 0.10.0/],
    ['an image without its version', () => RouterStrategy.llmD({ endpointPickerImage: 'registry.example.com/epp:v0.10.0' }),
      /'version' \(undefined\) is required with 'endpointPickerImage' or 'sidecarImage'/],
    ['an image reference with whitespace', () => RouterStrategy.llmD({ sidecarImage: 'bad image', version: '0.10.0' }), /'sidecarImage'/],
    ['an unknown option', () => RouterStrategy.llmD({ gateway: 'x' } as any), /'gateway' .* is not a prop of LlmdRouterOptions/],
    ['a Gateway name that is no DNS name', () => RouterStrategy.llmD({ httpRoute: { gatewayName: 'Inference_Gateway' } }),
      /'httpRoute.gatewayName' \('Inference_Gateway'\) must be the name of a Gateway/],
    ['an HTTPRoute without a Gateway', () => RouterStrategy.llmD({ httpRoute: {} as any }), /'httpRoute.gatewayName' \(undefined\) is required/],
    ['a relative path prefix', () => RouterStrategy.llmD({ httpRoute: { gatewayName: 'gw', pathPrefix: 'v1' } }), /'httpRoute.pathPrefix' \('v1'\) must be an absolute path/],
    ['a path prefix with //', () => RouterStrategy.llmD({ httpRoute: { gatewayName: 'gw', pathPrefix: '/v1//x' } }), /'httpRoute.pathPrefix'/],
    ['a fractional request timeout', () => RouterStrategy.llmD({ httpRoute: { gatewayName: 'gw', requestTimeout: Duration.millis(1500) } }),
      /'httpRoute.requestTimeout' \('1500ms'\) must be a whole number of seconds >= 1/],
    ['a request timeout past a Gateway API Duration', () => RouterStrategy.llmD({ httpRoute: { gatewayName: 'gw', requestTimeout: Duration.days(2) } }),
      /'httpRoute.requestTimeout' \('172800s'\) must be at most 99999s/],
    ['an objective name that is no DNS name', () => RouterStrategy.llmD({ objectives: [{ name: 'High Priority' }] }), /'objectives\[0\].name' \('High Priority'\)/],
    ['two objectives of one name', () => RouterStrategy.llmD({ objectives: [{ name: 'a' }, { name: 'a' }] }), /'objectives\[1\].name' \('a'\) is used by another objective/],
    ['a fractional priority', () => RouterStrategy.llmD({ objectives: [{ name: 'a', priority: 1.5 }] }), /'objectives\[0\].priority' \(1.5\) must be an integer/],
    ['a failure mode out of the enum', () => RouterStrategy.llmD({ failureMode: 'Open' as any }), /'failureMode' \('Open'\) must be one of FailClose, FailOpen/],
    ['a decider that is no PdDecider', () => RouterStrategy.llmD({ decider: { nonCachedTokens: 5 } as any }), /'decider' .* must be a PdDecider/],
    ['a decider threshold of 0 (which disables disaggregation)', () => PdDecider.prefixBased({ nonCachedTokens: 0 }),
      /PdDecider.prefixBased: 'nonCachedTokens' \(0\) must be an integer >= 1/],
    ['a decider without a threshold', () => PdDecider.prefixBased({} as any), /'nonCachedTokens' \(undefined\) is required/],
    ['a negative prompt gate', () => PdDecider.prefixBased({ nonCachedTokens: 8, minPromptTokens: -1 }), /'minPromptTokens' \(-1\) must be an integer >= 0/],
    ['a decodeVllmPort out of range', () => RouterStrategy.llmD({ decodeVllmPort: 70000 }), /'decodeVllmPort' \(70000\) must be a TCP port/],
  ];
  test.each(strategyFails)('fails with %s', (_name, f, expected) => {
    expect(f).toThrow(expected);
  });

  // Llama-3.1-405B at TP 16: one replica spans two 8-GPU H100 nodes on each tier.
  const twoNodeTiers = { model: Model.LLAMA_3_1_405B_INSTRUCT, prefill: { tensorParallelSize: 16 }, decode: { tensorParallelSize: 16 } };
  const pairFails: Array<[string, any, string | RegExp]> = [
    ['LMCache PD (the sidecar has no LMCache protocol)', { kvConnector: KvConnector.lmcache() },
      /'strategy' \('llm-d router'\) does not implement the LMCache PD request flow .*implements: NIXL \(pull\), Mooncake, shared storage/],
    ['P2pNccl', { kvConnector: KvConnector.p2pNccl(), image: VllmImage.official('v0.22.0') }, /does not implement the P2pNccl request flow/],
    ['an explicit router port (clients call the Gateway)', { router: { port: 9000 } }, /'port' \(9000\) is not used by RouterStrategy.llmD\(\)/],
    ['static discovery', { router: { discovery: RouterDiscovery.STATIC } }, /'discovery' \('static'\) must be RouterDiscovery.KUBERNETES/],
    ['different tier ports (the pool has one target port)', { decode: { port: 9000 } }, /'decode.port' \(9000\) must equal prefill's port \(8000\)/],
    ['decode vLLM moved onto the sidecar port', { strategy: RouterStrategy.llmD({ decodeVllmPort: 8000 }) },
      /'decodeVllmPort' \(8000\) must differ from the decode tier's port \(8000\)/],
    ['decode vLLM moved onto the NIXL side channel', { strategy: RouterStrategy.llmD({ decodeVllmPort: 5600 }) },
      /'container port 'nixl-side-0'' \(5600\) collides with container port 'http'/],
    ['decode vLLM moved onto a multi-node leader\'s torch.distributed port',
      { ...twoNodeTiers, strategy: RouterStrategy.llmD({ decodeVllmPort: 29501 }) },
      /DecodeTier 'test\/Svc\/Decode': 'container port 'dist-master'' \(29501\) collides with container port 'http'/],
    ['multi-node tiers with NIXL push (the sidecar has no push protocol)',
      { ...twoNodeTiers, kvConnector: KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }) },
      /does not implement the NIXL \(push\) request flow/],
    ['a multi-node tier with Mooncake (not known to run across nodes)',
      { ...twoNodeTiers, kvConnector: KvConnector.mooncake(), interconnect: Interconnect.infiniband() },
      /'kvConnector' \('MooncakeConnector'\) is not known to run in a tier spanning nodes \(nodesPerReplica 2\)/],
  ];
  test.each(pairFails)('fails with %s', (_name, extra, expected) => {
    const c = chart();
    const { strategy, ...rest } = extra;
    const router = { strategy: strategy ?? RouterStrategy.llmD(), networkPolicies: GATEWAY_IN_NAMESPACE, ...rest.router };
    const props: any = { model: Model.LLAMA_3_1_8B_INSTRUCT, ...rest, router };
    expect(() => new PdService(c, 'Svc', props)).toThrow(expected);
  });

  test("PdService monitoring scrapes the endpoint picker's metrics port beside both tiers", () => {
    const { c, svc } = llmdService(RouterStrategy.llmD(), { monitoring: {} });
    const objects = synth(c);
    const epp = objects.find(o => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/name'] === 'llm-d-epp')!;
    const monitors = objects.filter(o => o.kind === 'PodMonitor');
    expect(monitors.map(m => m.metadata.labels['app.kubernetes.io/component'])).toEqual(['prefill', 'decode', 'router']);
    expect(monitors[2].spec.selector).toEqual({ matchLabels: epp.spec.selector.matchLabels });
    expect(monitors[2].spec.podMetricsEndpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics', scheme: 'http' });
    expect(container(epp).ports.find((p: any) => p.name === 'metrics').containerPort).toBe(9090);
    expect(svc.router.monitor).toBeDefined();
    // A ServiceMonitor names the Service's port.
    const { c: c2 } = llmdService(RouterStrategy.llmD(), { router: { monitoring: { kind: MonitorKind.SERVICE_MONITOR } } });
    const sm = synth(c2).find(o => o.kind === 'ServiceMonitor')!;
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'http-metrics', path: '/metrics' });
    expect(() => llmdService(RouterStrategy.llmD(), { router: { monitoring: { scheme: ScrapeScheme.HTTPS } } }))
      .toThrow(/'monitoring.scheme' \('https'\) must be ScrapeScheme.HTTP: llm-d .* serves its metrics over plain HTTP/);
  });

  test('router tracing: the endpoint picker exports over OTLP/gRPC, and its NetworkPolicy opens the endpoint port', () => {
    const { c } = llmdService(RouterStrategy.llmD(), {
      router: { tracing: { otlpTracesEndpoint: 'http://otel-collector.observability:4317', samplingRatio: 0.25 } },
    });
    const objects = synth(c);
    const epp = objects.find(o => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/name'] === 'llm-d-epp')!;
    expect(container(epp).args).toContain('--tracing=true');
    expect(container(epp).env.slice(2)).toEqual([
      { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4317' },
      { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
      { name: 'OTEL_TRACES_SAMPLER_ARG', value: '0.25' },
    ]);
    const policy = objects.find(o => o.kind === 'NetworkPolicy' && o.metadata.labels['app.kubernetes.io/name'] === 'llm-d-epp')!;
    expect(policy.spec.egress).toContainEqual({ ports: [{ protocol: 'TCP', port: 4317 }] });
    // Without a ratio the picker keeps its own default sampler (0.1).
    const { c: c2 } = llmdService(RouterStrategy.llmD(), { router: { tracing: { otlpTracesEndpoint: 'http://otel:4317' } } });
    const epp2 = synth(c2).find(o => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/name'] === 'llm-d-epp')!;
    expect(container(epp2).env.map((e: any) => e.name))
      .toEqual(['NAMESPACE', 'POD_NAME', 'OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT']);
    expect(() => llmdService(RouterStrategy.llmD(), { router: { tracing: { otlpTracesEndpoint: 'http://otel:4318/v1/traces' } } }))
      .toThrow(/'tracing.otlpTracesEndpoint' \('http:\/\/otel:4318\/v1\/traces'\) must have no path: the llm-d endpoint picker exports over OTLP\/gRPC/);
  });

  test('fails on an InferenceObjective name another PD service of the namespace already uses', () => {
    const a = app();
    const objectives = [{ name: 'interactive', priority: 10 }];
    const service = (chartId: string, namespace: string) => new PdService(new Chart(a, chartId, { namespace }), 'Svc', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      router: { strategy: RouterStrategy.llmD({ objectives }), networkPolicies: GATEWAY_IN_NAMESPACE },
    });
    service('one', 'llm');
    service('canary', 'llm-canary');
    expect(() => service('two', 'llm')).toThrow(/^PdRouter 'two\/Svc\/Router': 'strategy.objectives\[0\].name' \('interactive'\) is already the name of an InferenceObjective in namespace 'llm' \(from PdRouter 'one\/Svc\/Router'\)/);
  });

  test("fails without networkPolicies.clients: only the user knows where the Gateway's data plane runs", () => {
    const c = chart();
    expect(() => new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, router: { strategy: RouterStrategy.llmD() } }))
      .toThrow(/PdRouter 'test\/Svc\/Router': 'networkPolicies.clients' \(undefined\) must be set with RouterStrategy.llmD\(\) while NetworkPolicies are on: the Gateway's data plane calls the endpoint picker \(ext_proc, port 9002\) and the decode pods' routing sidecars.*envoy-gateway-system by default; Istio: the Gateway's namespace; GKE: the region's proxy-only subnet, plus Google's health-check ranges 35.191.0.0\/16 and 130.211.0.0\/22\).*NetworkPeer.namespace\('envoy-gateway-system'\).*NetworkPeer.cidr\('35.191.0.0\/16'\)/);
    // Off, the prop stays unset and nothing is required.
    const off = chart();
    new PdService(off, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, router: { strategy: RouterStrategy.llmD(), networkPolicies: { enabled: false } } });
    expect(synth(off).some(o => o.kind === 'NetworkPolicy')).toBe(false);
  });

  test('fails without a chart namespace', () => {
    const c = chart({});
    expect(() => new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, router: { strategy: RouterStrategy.llmD(), networkPolicies: GATEWAY_IN_NAMESPACE } }))
      .toThrow(/'chart namespace' \(undefined\) is required by RouterStrategy.llmD\(\)/);
  });

  test('fails with a PdRouter of its own over tiers in another scope', () => {
    const c = chart();
    const svc = new PdService(c, 'Svc', { model: Model.LLAMA_3_1_8B_INSTRUCT, router: { strategy: RouterStrategy.llmD(), networkPolicies: GATEWAY_IN_NAMESPACE } });
    expect(() => new PdRouter(c, 'Second', { prefill: svc.prefill, decode: svc.decode, strategy: RouterStrategy.llmD() }))
      .toThrow(/is already routed by PdRouter/);
    expect(Testing.synth(c).length).toBeGreaterThan(0);
  });
});
