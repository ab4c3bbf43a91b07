import { NodeLabelQuery, NodeTaintQuery, Topology } from 'cdk8s-plus-28';
import { DecodeTier, KvConnector, Model, PdService, PrefillTier, SpreadMode, VllmImage } from '../src';
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
