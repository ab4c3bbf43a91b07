import { NodeLabelQuery, NodeTaintQuery, Topology } from 'cdk8s-plus-28';
import { DecodeTier, KvConnector, Model, NixlTransferMode, PdService, PrefillTier, SpreadMode, VllmImage } from '../src';
import { chart, find, message, synth } from './util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
const spec = (dep: any) => dep.spec.template.spec;

describe('placement', () => {
  test('defaults: replicas spread over nodes and zones where possible, this revision only, tainted nodes not counted', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', { model, replicas: 4 });
    const dep = find(synth(c), 'Deployment', 'prefill');
    const selector = dep.spec.selector.matchLabels;
    expect(spec(dep).topologySpreadConstraints).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map(topologyKey => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector },
      matchLabelKeys: ['pod-template-hash'],
      nodeTaintsPolicy: 'Honor',
    })));
    // The accelerator's node selector and toleration as before; no affinity.
    expect(spec(dep).nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
    expect(spec(dep).tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(spec(dep).affinity).toBeUndefined();
  });

  test('typed overrides: required node spread, no zone spread, node affinity and tolerations added', () => {
    const c = chart();
    new DecodeTier(c, 'Decode', {
      model,
      placement: {
        spreadAcrossNodes: SpreadMode.REQUIRED,
        spreadAcrossZones: SpreadMode.NONE,
        requiredNodeLabels: [NodeLabelQuery.is('pool', 'inference'), NodeLabelQuery.gt('example.com/nic-count', ['3'])],
        preferredNodeLabels: [NodeLabelQuery.in('example.com/rack', ['r1', 'r2'])],
        tolerations: [NodeTaintQuery.exists('dedicated')],
      },
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const s = spec(find(objects, 'Deployment', 'decode'));
    expect(s.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable])).toEqual([['kubernetes.io/hostname', 'DoNotSchedule']]);
    expect(s.affinity.nodeAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{
          matchExpressions: [
            { key: 'pool', operator: 'In', values: ['inference'] },
            { key: 'example.com/nic-count', operator: 'Gt', values: ['3'] },
          ],
        }],
      },
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: 100,
        preference: {
          matchExpressions: [
            { key: 'example.com/rack', operator: 'In', values: ['r1', 'r2'] },
          ],
        },
      }],
    });
    expect(s.tolerations).toEqual([
      { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'dedicated', operator: 'Exists' },
    ]);
  });

  test('co-location on PdService: both tiers prefer the domain of their deployment\'s pods; a tier may require its own', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model,
      colocation: { topology: Topology.ZONE },
      decode: { placement: { colocation: { topology: Topology.custom('example.com/rack'), required: true } } },
    });
    const objects = synth(c);
    const prefill = spec(find(objects, 'Deployment', 'prefill'));
    const decode = spec(find(objects, 'Deployment', 'decode'));
    const instance = { 'app.kubernetes.io/name': 'vllm', 'app.kubernetes.io/instance': prefill.affinity.podAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels['app.kubernetes.io/instance'] };
    expect(prefill.affinity.podAffinity).toEqual({
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: 100, podAffinityTerm: { labelSelector: { matchLabels: instance }, topologyKey: 'topology.kubernetes.io/zone' },
      }],
    });
    expect(decode.affinity.podAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: instance }, topologyKey: 'example.com/rack' },
      ],
    });
  });

  test('P2pNccl\'s same-node affinity and a zone co-location both hold (merged, not refused)', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model, image: VllmImage.official('v0.22.0'), kvConnector: KvConnector.p2pNccl(), colocation: { topology: Topology.ZONE, required: true },
    });
    const terms = spec(find(synth(c), 'Deployment', 'prefill')).affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution;
    expect(terms.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  });

  test('fails on bad placement input, naming the prop', () => {
    const tier = (placement: any) => () => new PrefillTier(chart(), 'P', { model, placement });
    const cases: Array<[() => unknown, RegExp]> = [
      [tier({ spreadAcrossZones: 'zones' }), /^PrefillTier 'test\/P': 'placement\.spreadAcrossZones' \('zones'\) must be one of preferred, required, none \(SpreadMode\)$/],
      [tier({ requiredNodeLabels: [NodeLabelQuery.is('bad key', 'v')] }), /'placement\.requiredNodeLabels\[0\]\.key' \('bad key'\) must be a label key/],
      [tier({ preferredNodeLabels: [NodeLabelQuery.lt('cores', ['many'])] }), /'placement\.preferredNodeLabels\[0\]\.values' \('many'\) is not a valid value for operator Lt/],
      [tier({ tolerations: [NodeTaintQuery.is('k', 'bad value!')] }), /'placement\.tolerations\[0\]\.value' \('bad value!'\) must be a taint value/],
      [tier({ colocation: {} }), /'placement\.colocation\.topology' \(undefined\) is required \(Colocation\.topology\)/],
      [tier({ colocation: { topology: 'zone' } }), /'placement\.colocation\.topology' \('zone'\) must be a Topology/],
      [tier({ colocation: { topology: Topology.custom('bad key') } }), /'placement\.colocation\.topology' \('bad key'\) must be a node label key/],
      [tier({ tolerations: ['dedicated'] }), /'placement\.tolerations\[0\]' \('dedicated'\) must be a NodeTaintQuery/],
      [tier({ spread: SpreadMode.NONE }), /'placement\.spread' \('none'\) is not a prop of TierPlacement/],
    ];
    for (const [f, re] of cases) expect(message(f)).toMatch(re);
  });
});

describe('multi-node tiers: groups spread, each group in one zone', () => {
  const LLAMA_405B = Model.LLAMA_3_1_405B_INSTRUCT;
  const templates = (objects: any[], component: string) => {
    const t = find(objects, 'LeaderWorkerSet', component).spec.leaderWorkerTemplate;
    return { leader: t.leaderTemplate.spec, worker: t.workerTemplate.spec };
  };

  test('only the leaders spread, counted by LWS\'s revision label; workers carry no spread constraint', () => {
    const c = chart();
    const tier = new DecodeTier(c, 'D', { model: LLAMA_405B, tensorParallelSize: 16, replicas: 4 });
    const { leader, worker } = templates(synth(c), 'decode');
    // The leaders: the tier's pods with LWS's worker-index 0 (kubernetes-sigs/lws leaderworkerset_controller.go).
    const leaders = { ...tier.selectorLabels, 'leaderworkerset.sigs.k8s.io/worker-index': '0' };
    expect(leader.topologySpreadConstraints).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map(topologyKey => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: leaders },
      // pod-template-hash is a Deployment's label, absent from LWS pods.
      matchLabelKeys: ['leaderworkerset.sigs.k8s.io/template-revision-hash'],
      nodeTaintsPolicy: 'Honor',
    })));
    expect(worker.topologySpreadConstraints).toBeUndefined();
  });

  test('every pod of a group requires the zone of its group (matchLabelKeys on the group-key), leader and workers alike', () => {
    const c = chart();
    const tier = new PrefillTier(c, 'P', {
      model: LLAMA_405B, tensorParallelSize: 8, pipelineParallelSize: 2, kvConnector: KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }),
    });
    const { leader, worker } = templates(synth(c), 'prefill');
    const group = {
      labelSelector: { matchLabels: tier.selectorLabels },
      matchLabelKeys: ['leaderworkerset.sigs.k8s.io/group-key'],
      topologyKey: 'topology.kubernetes.io/zone',
    };
    for (const t of [leader, worker]) expect(t.affinity).toEqual({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [group] } });
  });

  test('SpreadMode applies to the groups: required zone spread of the leaders, none at all', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model: LLAMA_405B,
      prefill: { tensorParallelSize: 16, placement: { spreadAcrossNodes: SpreadMode.NONE, spreadAcrossZones: SpreadMode.REQUIRED } },
      decode: { tensorParallelSize: 16, placement: { spreadAcrossNodes: SpreadMode.NONE, spreadAcrossZones: SpreadMode.NONE } },
    });
    const objects = synth(c);
    const prefill = templates(objects, 'prefill');
    expect(prefill.leader.topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable])).toEqual([['topology.kubernetes.io/zone', 'DoNotSchedule']]);
    expect(prefill.worker.topologySpreadConstraints).toBeUndefined();
    const decode = templates(objects, 'decode');
    expect(decode.leader.topologySpreadConstraints).toBeUndefined();
    // Spreading off or not, a group's pods still share a zone.
    expect(decode.worker.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys).toEqual(['leaderworkerset.sigs.k8s.io/group-key']);
  });

  test('co-location and the group\'s zone both hold (required terms joined)', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model: LLAMA_405B,
      colocation: { topology: Topology.custom('example.com/rack'), required: true },
      prefill: { tensorParallelSize: 16 },
      decode: { tensorParallelSize: 16 },
    });
    for (const t of Object.values(templates(synth(c), 'decode'))) {
      expect(t.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution.map((x: any) => [x.topologyKey, x.matchLabelKeys]))
        .toEqual([['example.com/rack', undefined], ['topology.kubernetes.io/zone', ['leaderworkerset.sigs.k8s.io/group-key']]]);
    }
  });
});

describe('router placement', () => {
  test('router replicas spread over nodes and zones where possible', () => {
    const c = chart();
    new PdService(c, 'Svc', { model, router: { replicas: 2 } });
    const router = find(synth(c), 'Deployment', 'router');
    expect(spec(router).topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable, t.labelSelector.matchLabels['app.kubernetes.io/component']]))
      .toEqual([['kubernetes.io/hostname', 'ScheduleAnyway', 'router'], ['topology.kubernetes.io/zone', 'ScheduleAnyway', 'router']]);
  });
});
