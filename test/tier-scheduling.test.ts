import { Duration } from 'cdk8s';
import { DecodeTier, Model, PdService, PrefillTier, SchedulingKind, TierScheduling } from '../src';
import { chart, find, message, synth } from './util';
import { warningsOf } from '../src/private/warn';

const LLAMA_405B = Model.LLAMA_3_1_405B_INSTRUCT;
const LLAMA_8B = Model.LLAMA_3_1_8B_INSTRUCT;
const templates = (lws: any) => [lws.spec.leaderWorkerTemplate.leaderTemplate, lws.spec.leaderWorkerTemplate.workerTemplate];

describe('TierScheduling', () => {
  test('Kueue on a multi-node tier: queue and priority labels on the LeaderWorkerSet, not on its pods or other objects', () => {
    const c = chart();
    new DecodeTier(c, 'D', {
      model: LLAMA_405B,
      tensorParallelSize: 16,
      replicas: 2,
      scheduling: TierScheduling.kueue({ queueName: 'gpu-serving', workloadPriorityClass: 'inference-high' }),
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const lws = find(objects, 'LeaderWorkerSet', 'decode');
    expect(lws.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('gpu-serving');
    expect(lws.metadata.labels['kueue.x-k8s.io/priority-class']).toBe('inference-high');
    // Kueue's webhook copies the queue to the pod templates itself; the selector-bearing pod labels stay the library's.
    for (const t of templates(lws)) {
      expect(t.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
      expect(t.spec.schedulerName).toBeUndefined();
    }
    for (const o of objects.filter(x => x.kind !== 'LeaderWorkerSet')) {
      expect(o.metadata.labels?.['kueue.x-k8s.io/queue-name']).toBeUndefined();
    }
  });

  test('Kueue warns when startupTimeout exceeds waitForPodsReady\'s 30-minute default (Kueue v0.19.0+), and not within it', () => {
    const c = chart();
    const long = new PrefillTier(c, 'P', { model: LLAMA_8B, scheduling: TierScheduling.kueue({ queueName: 'gpu-serving' }) });
    expect(warningsOf(long)).toEqual([
      "PrefillTier 'test/P': startupTimeout is 60 minutes, but Kueue (v0.19.0+) evicts and requeues a workload whose pods are not ready within " +
      "waitForPodsReady's timeout, 30 minutes by default: a model load that takes longer restarts from scratch; set waitForPodsReady.timeout " +
      "and recoveryTimeout in Kueue's configuration to at least 60m and say so with TierScheduling.kueue({ podsReadyTimeout }) " +
      '(or waitForPodsReady: false if it is off), or lower startupTimeout',
    ]);
    const within = new DecodeTier(c, 'D', {
      model: LLAMA_8B, startupTimeout: Duration.minutes(30), scheduling: TierScheduling.kueue({ queueName: 'gpu-serving' }),
    });
    expect(warningsOf(within)).toEqual([]);
    // Volcano has no such timeout; tiers without scheduling are not warned either.
    expect(warningsOf(new DecodeTier(chart(), 'D', { model: LLAMA_8B }))).toEqual([]);
  });

  test('Kueue: a podsReadyTimeout of the cluster\'s own replaces the default in the warning, and waitForPodsReady false silences it', () => {
    const tier = (scheduling: TierScheduling) => new PrefillTier(chart(), 'P', { model: LLAMA_8B, scheduling });
    expect(warningsOf(tier(TierScheduling.kueue({ queueName: 'q', podsReadyTimeout: Duration.minutes(90) })))).toEqual([]);
    expect(warningsOf(tier(TierScheduling.kueue({ queueName: 'q', podsReadyTimeout: Duration.minutes(45) })))).toEqual([
      expect.stringMatching(/^PrefillTier 'test\/P': startupTimeout is 60 minutes, but Kueue evicts and requeues a workload whose pods are not ready within waitForPodsReady's timeout, 45 minutes here \(podsReadyTimeout\): /),
    ]);
    expect(warningsOf(tier(TierScheduling.kueue({ queueName: 'q', waitForPodsReady: false })))).toEqual([]);
    // The labels do not change with either.
    const c = chart();
    new PrefillTier(c, 'P', { model: LLAMA_8B, scheduling: TierScheduling.kueue({ queueName: 'q', waitForPodsReady: false }) });
    expect(find(synth(c), 'Deployment', 'prefill').metadata.labels['kueue.x-k8s.io/queue-name']).toBe('q');
  });

  test('fails with podsReadyTimeout when waitForPodsReady is false, or one that is not a positive whole number of seconds', () => {
    expect(() => TierScheduling.kueue({ queueName: 'q', waitForPodsReady: false, podsReadyTimeout: Duration.minutes(30) }))
      .toThrow(/^TierScheduling\.kueue: 'podsReadyTimeout' \('30 minutes'\) only applies with waitForPodsReady on/);
    expect(() => TierScheduling.kueue({ queueName: 'q', podsReadyTimeout: Duration.millis(1500) }))
      .toThrow(/^TierScheduling\.kueue: 'podsReadyTimeout' \('1 second 500 millis'\) must be a positive whole number of seconds/);
    expect(() => TierScheduling.kueue({ queueName: 'q', podsReadyTimeout: 30 as any }))
      .toThrow(/^TierScheduling\.kueue: 'podsReadyTimeout' \(30\) must be a Duration/);
    expect(() => TierScheduling.kueue({ queueName: 'q', waitForPodsReady: 'no' as any }))
      .toThrow(/^TierScheduling\.kueue: 'waitForPodsReady' \('no'\) must be a boolean/);
  });

  test('Kueue on a single-node tier: the label on the Deployment (Kueue\'s deployment integration), no priority label unless set', () => {
    const c = chart();
    new PrefillTier(c, 'P', { model: LLAMA_8B, scheduling: TierScheduling.kueue({ queueName: 'gpu-serving' }) });
    const dep = find(synth(c), 'Deployment', 'prefill');
    expect(dep.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('gpu-serving');
    expect(dep.metadata.labels['kueue.x-k8s.io/priority-class']).toBeUndefined();
    expect(dep.spec.template.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
    expect(dep.spec.selector.matchLabels['kueue.x-k8s.io/queue-name']).toBeUndefined();
  });

  test('Volcano on a multi-node tier: schedulerName on the leader and worker templates, the queue annotation beside exclusive topology', () => {
    const c = chart();
    new PrefillTier(c, 'P', {
      model: LLAMA_405B,
      tensorParallelSize: 16,
      scheduling: TierScheduling.volcano({ queueName: 'inference' }),
      exclusiveTopologyKey: 'topology.kubernetes.io/zone',
    });
    const lws = find(synth(c), 'LeaderWorkerSet', 'prefill');
    expect(lws.metadata.annotations).toEqual({
      'scheduling.volcano.sh/queue-name': 'inference',
      'leaderworkerset.sigs.k8s.io/exclusive-topology': 'topology.kubernetes.io/zone',
    });
    // LeaderCreated makes the PodGroup's minMember the whole group (lws pkg/schedulerprovider/volcano_provider.go).
    expect(lws.spec.startupPolicy).toBe('LeaderCreated');
    for (const t of templates(lws)) expect(t.spec.schedulerName).toBe('volcano');
    expect(lws.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
  });

  test('Volcano without a queue: no annotation at all, the default queue', () => {
    const c = chart();
    new DecodeTier(c, 'D', { model: LLAMA_405B, tensorParallelSize: 16, scheduling: TierScheduling.volcano() });
    const lws = find(synth(c), 'LeaderWorkerSet', 'decode');
    expect(lws.metadata.annotations).toBeUndefined();
    for (const t of templates(lws)) expect(t.spec.schedulerName).toBe('volcano');
  });

  test('PdService passes each tier its own scheduling; the router stays with the default scheduler', () => {
    const c = chart();
    new PdService(c, 'Svc', {
      model: LLAMA_405B,
      prefill: { tensorParallelSize: 16, scheduling: TierScheduling.volcano() },
      decode: { tensorParallelSize: 16, scheduling: TierScheduling.kueue({ queueName: 'decode-queue' }) },
    });
    const objects = synth(c);
    for (const t of templates(find(objects, 'LeaderWorkerSet', 'prefill'))) expect(t.spec.schedulerName).toBe('volcano');
    const prefill = find(objects, 'LeaderWorkerSet', 'prefill');
    expect(prefill.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
    const decode = find(objects, 'LeaderWorkerSet', 'decode');
    expect(decode.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('decode-queue');
    for (const t of templates(decode)) expect(t.spec.schedulerName).toBeUndefined();
    const router = find(objects, 'Deployment', 'router');
    expect(router.metadata.labels['kueue.x-k8s.io/queue-name']).toBeUndefined();
    expect(router.spec.template.spec.schedulerName).toBeUndefined();
  });

  test('fails Volcano on a single-node tier, naming the tier, the prop and the alternative', () => {
    expect(message(() => new DecodeTier(chart(), 'D', { model: LLAMA_8B, scheduling: TierScheduling.volcano() }))).toBe(
      "DecodeTier 'test/D': 'scheduling' ('TierScheduling.volcano()') gang-schedules the groups of a multi-node tier (a LeaderWorkerSet), " +
      "but this tier's replica fits one node, so each replica is one pod with nothing to gang; remove it, or use TierScheduling.kueue() " +
      'for quota-based admission');
  });

  const rows: Array<[string, () => unknown, string]> = [
    ['Kueue without options', () => TierScheduling.kueue(undefined as any),
      "TierScheduling.kueue: 'queueName' (undefined) is required: the LocalQueue that admits the tier's pods"],
    ['Kueue without a queue name', () => TierScheduling.kueue({} as any),
      "TierScheduling.kueue: 'queueName' (undefined) is required (KueueSchedulingOptions.queueName)"],
    ['a queue name longer than a label value', () => TierScheduling.kueue({ queueName: 'q'.repeat(64) }),
      `TierScheduling.kueue: 'queueName' ('${'q'.repeat(64)}') must be an object name usable as a label value`],
    ['an upper-case queue name', () => TierScheduling.kueue({ queueName: 'GPU' }),
      "TierScheduling.kueue: 'queueName' ('GPU') must be an object name usable as a label value"],
    ['a priority class with an underscore', () => TierScheduling.kueue({ queueName: 'q', workloadPriorityClass: 'high_prio' }),
      "TierScheduling.kueue: 'workloadPriorityClass' ('high_prio') must be an object name usable as a label value"],
    ['a typo in the Kueue options', () => TierScheduling.kueue({ queueName: 'q', queue: 'x' } as any),
      "TierScheduling.kueue: 'queue' ('x') is not a prop of KueueSchedulingOptions"],
    ['a number for the Volcano queue', () => TierScheduling.volcano({ queueName: 1 as any }),
      "TierScheduling.volcano: 'queueName' (1) must be a Kubernetes object name"],
    ['a Volcano queue with a space', () => TierScheduling.volcano({ queueName: 'my queue' }),
      "TierScheduling.volcano: 'queueName' ('my queue') must be a Kubernetes object name"],
    ['a typo in the Volcano options', () => TierScheduling.volcano({ queue: 'q' } as any),
      "TierScheduling.volcano: 'queue' ('q') is not a prop of VolcanoSchedulingOptions (did you mean 'queueName'?); known props: queueName"],
    ['a string for scheduling', () => new PrefillTier(chart(), 'P', { model: LLAMA_8B, scheduling: 'kueue' as any }),
      "PrefillTier 'test/P': 'scheduling' ('kueue') must be a TierScheduling (e.g. TierScheduling.kueue({ queueName: 'gpu-serving' }) or TierScheduling.volcano())"],
  ];
  test.each(rows)('fails with %s', (_name, fn, fragment) => {
    expect(fn).toThrow(fragment);
  });

  test('accepts null Volcano options (plain JavaScript)', () => {
    expect(TierScheduling.volcano(null as any).kind).toBe(SchedulingKind.VOLCANO);
  });
});
