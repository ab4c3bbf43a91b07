import { Duration } from 'cdk8s';
import { chart, find, message, synth } from './util';
import {
  Accelerator, AutoscalerEngine, AutoscalingMetric, DecodeTier, Interconnect, KvConnector, Model, PdRouter, PdService, PrefillTier, RouterDiscovery,
  RouterStrategy, RoutingPolicy, TierAutoscaler,
} from '../src';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
const prometheusAddress = 'http://prometheus-operated.monitoring:9090';
const keda = () => AutoscalerEngine.keda({ prometheusAddress });

describe('TierAutoscaler', () => {
  test('HPA: Pods metrics under the adapter names, replicas left out of the workload', () => {
    const c = chart();
    const svc = new PdService(c, 'Llama', { model, prefill: { replicas: 2 } });
    const scaler = new TierAutoscaler(c, 'PrefillScaler', {
      tier: svc.prefill,
      minReplicas: 2,
      maxReplicas: 6,
      metrics: [AutoscalingMetric.waitingRequests(5), AutoscalingMetric.kvCacheUsage(0.8)],
      scaleDownStabilization: Duration.minutes(10),
    });
    const objects = synth(c);
    const hpa = find(objects, 'HorizontalPodAutoscaler');
    expect(hpa).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'prefill');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: dep.metadata.name });
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(6);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Pods', pods: { metric: { name: 'vllm_num_requests_waiting' }, target: { type: 'AverageValue', averageValue: '5' } } },
      { type: 'Pods', pods: { metric: { name: 'vllm_kv_cache_usage_perc' }, target: { type: 'AverageValue', averageValue: '800m' } } },
    ]);
    expect(hpa.spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 600 } });
    expect(dep.spec.replicas).toBeUndefined();
    expect(find(objects, 'Deployment', 'decode').spec.replicas).toBe(1);
    expect(svc.prefill.hasAutoscaler).toBe(true);
    expect(scaler.engine.displayName).toBe('HPA');
  });

  test('the workload name and the autoscaler target do not change when the autoscaler is added', () => {
    const names = (withScaler: boolean) => {
      const c = chart();
      const svc = new PdService(c, 'Llama', { model });
      if (withScaler) new TierAutoscaler(c, 'DecodeScaler', { tier: svc.decode, maxReplicas: 3, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] });
      return synth(c).filter(o => o.kind === 'Deployment').map(o => o.metadata.name);
    };
    expect(names(true)).toEqual(names(false));
  });

  test('KEDA: prometheus triggers on the tier series, decode follows prefill through a kubernetes-workload ratio trigger', () => {
    const c = chart();
    const svc = new PdService(c, 'Llama', { model, monitoring: {} });
    const prefill = new TierAutoscaler(c, 'PrefillScaler', {
      tier: svc.prefill,
      maxReplicas: 4,
      metrics: [AutoscalingMetric.waitingRequests(5)],
      engine: AutoscalerEngine.keda({ prometheusAddress, pollingInterval: Duration.seconds(15) }),
    });
    const decode = new TierAutoscaler(c, 'DecodeScaler', {
      tier: svc.decode,
      metrics: [AutoscalingMetric.kvCacheUsage(0.75)],
      engine: keda(),
      ratio: { prefill, decodePerPrefill: 2 },
    });
    const objects = synth(c);
    const scaled = objects.filter(o => o.kind === 'ScaledObject');
    expect(scaled).toMatchSnapshot();
    const [p, d] = [find(objects, 'ScaledObject', 'prefill'), find(objects, 'ScaledObject', 'decode')];
    expect(p.apiVersion).toBe('keda.sh/v1alpha1');
    expect(p.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: find(objects, 'Deployment', 'prefill').metadata.name });
    expect(p.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 4, pollingInterval: 15 });
    expect(p.spec.triggers).toEqual([{
      type: 'prometheus',
      name: 'waiting-requests',
      metadata: {
        serverAddress: prometheusAddress,
        query: `sum(vllm:num_requests_waiting{namespace="llm",app_kubernetes_io_instance="${svc.prefill.selectorLabels['app.kubernetes.io/instance']}",app_kubernetes_io_component="prefill"})`,
        threshold: '5',
      },
    }]);
    // KV cache usage is a fraction per engine: a pod's value is its engines' mean, summed over the pods.
    expect(d.spec.triggers[0].metadata.query).toBe(
      `sum(avg without (engine) (vllm:kv_cache_usage_perc{namespace="llm",app_kubernetes_io_instance="${svc.decode.selectorLabels['app.kubernetes.io/instance']}",app_kubernetes_io_component="decode"}))`);
    // Decode's bounds derive from prefill's: 2 x [1, 4].
    expect([decode.minReplicas, decode.maxReplicas]).toEqual([2, 8]);
    expect(d.spec.triggers[1]).toEqual({
      type: 'kubernetes-workload',
      name: 'prefill-decode-ratio',
      metadata: {
        podSelector: Object.entries(svc.prefill.selectorLabels).map(([k, v]) => `${k}=${v}`).join(','),
        value: '0.5',
      },
    });
    // The series labels the queries select on are the ones the PodMonitor relabels from the pods.
    const monitor = find(objects, 'PodMonitor', 'prefill');
    expect(monitor.spec.podMetricsEndpoints[0].relabelings.map((r: any) => r.targetLabel))
      .toEqual(['app_kubernetes_io_instance', 'app_kubernetes_io_component']);
    const pod = find(objects, 'Deployment', 'prefill').spec.template.metadata.labels;
    expect(p.spec.triggers[0].metadata.query).toContain(`app_kubernetes_io_instance="${pod['app.kubernetes.io/instance']}"`);
  });

  test('KEDA decode that only follows prefill; an uneven ratio rounds the trigger value up', () => {
    const c = chart();
    const svc = new PdService(c, 'Llama', { model, monitoring: {} });
    const prefill = new TierAutoscaler(c, 'PrefillScaler', { tier: svc.prefill, minReplicas: 3, maxReplicas: 6, metrics: [AutoscalingMetric.waitingRequests(5)], engine: keda() });
    const decode = new TierAutoscaler(c, 'DecodeScaler', { tier: svc.decode, engine: keda(), ratio: { prefill, decodePerPrefill: 3 } });
    const d = find(synth(c), 'ScaledObject', 'decode');
    expect(d.spec.triggers).toHaveLength(1);
    expect(d.spec.triggers[0].metadata.value).toBe('0.333334');
    expect([decode.minReplicas, decode.maxReplicas]).toEqual([9, 18]);
  });

  test('KEDA ratio over a multi-node prefill counts its groups (leaders), not every pod of a group', () => {
    const c = chart();
    // DeepSeek-V3 prefill at TP 16 over two H100 nodes (LeaderWorkerSet groups of 2), decode at TP 8 on one H200 node.
    const svc = new PdService(c, 'Ds', {
      model: Model.DEEPSEEK_V3,
      monitoring: {},
      prefill: { tensorParallelSize: 16 },
      decode: { tensorParallelSize: 8, accelerator: Accelerator.NVIDIA_H200 },
    });
    const prefill = new TierAutoscaler(c, 'PrefillScaler', { tier: svc.prefill, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(5)], engine: keda() });
    const decode = new TierAutoscaler(c, 'DecodeScaler', { tier: svc.decode, engine: keda(), ratio: { prefill, decodePerPrefill: 2 } });
    const objects = synth(c);
    const lws = find(objects, 'LeaderWorkerSet', 'prefill');
    expect(lws.spec.leaderWorkerTemplate.size).toBe(2);
    const selector = find(objects, 'ScaledObject', 'decode').spec.triggers[0].metadata.podSelector;
    expect(selector).toBe(Object.entries({ ...svc.prefill.selectorLabels, 'leaderworkerset.sigs.k8s.io/worker-index': '0' })
      .map(([k, v]) => `${k}=${v}`).join(','));
    // The leaders carry the label (LWS sets worker-index 0 on each group's leader pod), so 3 groups ask for 6 decode pods.
    expect([decode.minReplicas, decode.maxReplicas]).toEqual([2, 6]);
  });

  test('HPA ratio: decode bounds are derived and checked (the HPA itself does not hold the ratio)', () => {
    const c = chart();
    const svc = new PdService(c, 'Llama', { model });
    const prefill = new TierAutoscaler(c, 'PrefillScaler', { tier: svc.prefill, minReplicas: 2, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(4)] });
    const decode = new TierAutoscaler(c, 'DecodeScaler', {
      tier: svc.decode, metrics: [AutoscalingMetric.kvCacheUsage(0.8)], ratio: { prefill, decodePerPrefill: 1.5 },
    });
    expect([decode.minReplicas, decode.maxReplicas]).toEqual([3, 5]);
    const c2 = chart();
    const s2 = new PdService(c2, 'Llama', { model });
    const p2 = new TierAutoscaler(c2, 'PrefillScaler', { tier: s2.prefill, minReplicas: 2, maxReplicas: 4, metrics: [AutoscalingMetric.waitingRequests(4)] });
    expect(() => new TierAutoscaler(c2, 'DecodeScaler', {
      tier: s2.decode, minReplicas: 2, maxReplicas: 8, metrics: [AutoscalingMetric.kvCacheUsage(0.8)], ratio: { prefill: p2, decodePerPrefill: 2 },
    })).toThrow(/TierAutoscaler 'test\/DecodeScaler': 'minReplicas' \(2\) must be >= 4: 2 decode pods per prefill pod at prefill's minReplicas \(2\)/);
    expect(() => new TierAutoscaler(c2, 'DecodeScaler2', {
      tier: s2.decode, maxReplicas: 7, metrics: [AutoscalingMetric.kvCacheUsage(0.8)], ratio: { prefill: p2, decodePerPrefill: 2 },
    })).toThrow(/'maxReplicas' \(7\) must be >= 8: 2 decode pods per prefill pod at prefill's maxReplicas \(4\)/);
  });

  test('a LeaderWorkerSet-like workload is targeted by its own apiVersion and kind', () => {
    const c = chart();
    const tier = new DecodeTier(c, 'Decode', { model });
    new TierAutoscaler(c, 'Scaler', { tier, maxReplicas: 2, metrics: [AutoscalingMetric.runningRequests(64)] });
    const hpa = find(synth(c), 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: tier.workload.apiVersion, kind: tier.workload.kind, name: tier.workload.name });
  });

  test('fails on scale to zero, max below min, missing max, no metrics, duplicate metrics and a second autoscaler', () => {
    const setup = () => {
      const c = chart();
      return { c, svc: new PdService(c, 'Llama', { model }) };
    };
    let { c, svc } = setup();
    expect(message(() => new TierAutoscaler(c, 'S', { tier: svc.decode, minReplicas: 0, maxReplicas: 3, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] })))
      .toMatch(/TierAutoscaler 'test\/S': 'minReplicas' \(0\) must be at least 1: behind a PD router a tier at zero pods makes the router unready .*nothing could scale the tier up again/);
    expect(() => new TierAutoscaler(c, 'S2', { tier: svc.decode, minReplicas: 4, maxReplicas: 3, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] }))
      .toThrow(/'maxReplicas' \(3\) must be >= minReplicas \(4\)/);
    expect(() => new TierAutoscaler(c, 'S3', { tier: svc.decode, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] }))
      .toThrow(/'maxReplicas' \(undefined\) is required \(or derived from a ratio on the decode tier\)/);
    expect(() => new TierAutoscaler(c, 'S4', { tier: svc.decode, maxReplicas: 3 }))
      .toThrow(/'metrics' \(\[\]\) must list at least one metric \(e.g. AutoscalingMetric.waitingRequests\(5\)\)/);
    expect(() => new TierAutoscaler(c, 'S5', { tier: svc.decode, maxReplicas: 3, metrics: [AutoscalingMetric.kvCacheUsage(0.8), AutoscalingMetric.kvCacheUsage(0.9)] }))
      .toThrow(/'metrics' \('vllm:kv_cache_usage_perc'\) lists the same metric twice/);
    new TierAutoscaler(c, 'S6', { tier: svc.decode, maxReplicas: 3, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] });
    expect(() => new TierAutoscaler(c, 'S7', { tier: svc.decode, maxReplicas: 3, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] }))
      .toThrow(/TierAutoscaler 'test\/S7': 'tier' \('test\/Llama\/Decode'\) already has an autoscaler \('TierAutoscaler 'test\/S6''\); a tier takes one/);
    ({ c, svc } = setup());
    const fixed = new PdService(c, 'Fixed', { model, decode: { replicas: 5 } });
    expect(() => new TierAutoscaler(c, 'F', { tier: fixed.decode, maxReplicas: 3, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] }))
      .toThrow(/'minReplicas..maxReplicas' \('1..3'\) must hold the 'replicas' \(5\) set on test\/Fixed\/Decode: the autoscaler owns the replica count/);
    svc.prefill.markHasAutoscaler();
    expect(() => new TierAutoscaler(c, 'S', { tier: svc.prefill, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(1)] }))
      .toThrow(/already has an autoscaler \(markHasAutoscaler\(\) was called\)/);
  });

  test('fails on the router\'s needs: static worker URLs, power_of_two below 2 pods, Mooncake prefill', () => {
    const c = chart({});
    const prefill = new PrefillTier(c, 'Prefill', { model });
    const decode = new DecodeTier(c, 'Decode', { model });
    new PdRouter(c, 'Router', { prefill, decode, discovery: RouterDiscovery.STATIC });
    expect(() => new TierAutoscaler(c, 'S', { tier: decode, maxReplicas: 3, metrics: [AutoscalingMetric.kvCacheUsage(0.8)] }))
      .toThrow(/TierAutoscaler 'test\/S': 'tier' \('decode'\) cannot be autoscaled behind a vllm-router with RouterDiscovery.STATIC: it routes to one fixed URL per tier .*use RouterDiscovery.KUBERNETES/);

    // An autoscaler bound before the router is checked when the router binds.
    const c2 = chart();
    const p2 = new PrefillTier(c2, 'Prefill', { model, replicas: 2 });
    const d2 = new DecodeTier(c2, 'Decode', { model });
    new TierAutoscaler(c2, 'S', { tier: p2, minReplicas: 1, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(2)] });
    expect(() => new PdRouter(c2, 'Router', { prefill: p2, decode: d2, strategy: RouterStrategy.vllmRouter({ prefillPolicy: RoutingPolicy.POWER_OF_TWO }) }))
      .toThrow(/TierAutoscaler 'test\/S': 'minReplicas' \(1\) must be at least 2: the router's prefillPolicy power_of_two picks the less loaded of 2 prefill workers/);

    const c3 = chart({});
    const svc = new PdService(c3, 'Llama', {
      // Mooncake's default RDMA protocol needs a declared RDMA fabric (hardening's interconnect rule).
      model, kvConnector: KvConnector.mooncake(), interconnect: Interconnect.infiniband(), router: { discovery: RouterDiscovery.STATIC },
    });
    expect(() => new TierAutoscaler(c3, 'S', { tier: svc.prefill, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(2)] }))
      .toThrow(/'tier' \('prefill'\) cannot be autoscaled: MooncakeConnector on vllm-router needs exactly one prefill pod/);
  });

  test('fails on KEDA without the tier\'s monitor or namespace, and on bad props', () => {
    let c = chart();
    let svc = new PdService(c, 'Llama', { model });
    expect(() => new TierAutoscaler(c, 'S', { tier: svc.prefill, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(2)], engine: keda() }))
      .toThrow(/'engine' \('KEDA'\) queries the tier's series by the labels its monitor attaches .*set 'monitoring' on test\/Llama\/Prefill/);
    c = chart({});
    const standalone = new PrefillTier(c, 'Prefill', { model, monitoring: {} });
    expect(() => new TierAutoscaler(c, 'S', { tier: standalone, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(2)], engine: keda() }))
      .toThrow(/'engine' \('KEDA'\) needs the tier's namespace for its Prometheus queries/);
    // A refused autoscaler leaves the tier as it was.
    expect(standalone.hasAutoscaler).toBe(false);
    expect(() => AutoscalerEngine.keda({ prometheusAddress: 'prometheus:9090' }))
      .toThrow(/AutoscalerEngine.keda: 'prometheusAddress' \('prometheus:9090'\) must be an http:\/\/ or https:\/\/ URL/);
    expect(() => AutoscalingMetric.kvCacheUsage(80)).toThrow(/AutoscalingMetric.kvCacheUsage: 'targetFraction' \(80\) must be a fraction in \(0, 1\]/);
    expect(() => AutoscalingMetric.waitingRequests(0)).toThrow(/'targetPerPod' \(0\) must be a positive number/);
    expect(() => AutoscalingMetric.waitingRequests(0.0001)).toThrow(/must have at most three decimals/);
    c = chart();
    svc = new PdService(c, 'Llama', { model });
    expect(() => new TierAutoscaler(c, 'S', { tier: svc.router as any, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(2)] }))
      .toThrow(/'tier' \('test\/Llama\/Router'\) must be a PrefillTier or DecodeTier of this library/);
    expect(() => new TierAutoscaler(c, 'S2', { tier: svc.prefill, maxReplicas: 3, metrics: ['vllm:num_requests_waiting' as any] }))
      .toThrow(/'metrics\[0\]' \('vllm:num_requests_waiting'\) must be an AutoscalingMetric/);
    expect(() => new TierAutoscaler(c, 'S3', { tier: svc.prefill, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(2)], maxReplica: 2 } as any))
      .toThrow(/'maxReplica' .* is not a prop of TierAutoscalerProps \(did you mean 'maxReplicas'\?\)/);
    const p = new TierAutoscaler(c, 'P', { tier: svc.prefill, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(2)] });
    expect(() => new TierAutoscaler(c, 'D', { tier: svc.prefill, maxReplicas: 3, metrics: [AutoscalingMetric.waitingRequests(2)], ratio: { prefill: p, decodePerPrefill: 2 } }))
      .toThrow(/'ratio' \('on prefill'\) belongs on the decode tier's autoscaler/);
    expect(() => new TierAutoscaler(c, 'D2', { tier: svc.decode, metrics: [AutoscalingMetric.kvCacheUsage(0.5)], ratio: { prefill: p, decodePerPrefill: 1000 } }))
      .toThrow(/'ratio.decodePerPrefill' \(1000\) must be between 0.01 and 100/);
    const other = chart();
    const svc2 = new PdService(other, 'Other', { model });
    expect(() => new TierAutoscaler(other, 'D', { tier: svc2.decode, metrics: [AutoscalingMetric.kvCacheUsage(0.5)], ratio: { prefill: p, decodePerPrefill: 1 } }))
      .toThrow(/'ratio.prefill' \('test\/P'\) scales test\/Llama\/Prefill, which is not the prefill tier of test\/Other\/Decode's PD deployment/);
    expect(() => new TierAutoscaler(c, 'S4', { tier: svc.decode, maxReplicas: 3, metrics: [AutoscalingMetric.kvCacheUsage(0.5)], scaleDownStabilization: Duration.hours(2) }))
      .toThrow(/'scaleDownStabilization' \('7200s'\) must be at most 3600 seconds/);
  });
});
