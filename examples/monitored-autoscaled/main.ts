// A PD service that Prometheus scrapes and KEDA scales: prefill on its queue, decode on KV cache usage and
// never below 2 decode pods per prefill pod; vLLM and the router send traces to an OTLP collector.
import { App, Chart, Duration } from 'cdk8s';
import { AutoscalerEngine, AutoscalingMetric, Model, NetworkPeer, PdService, TierAutoscaler } from 'cdk8s-vllm-pd';

export function monitoredAutoscaled(app: App): Chart {
  const chart = new Chart(app, 'monitored-autoscaled', { namespace: 'llm' });
  const tracing = { otlpTracesEndpoint: 'http://otel-collector.observability:4317' };
  const service = new PdService(chart, 'Llama', {
    model: Model.LLAMA_3_1_8B_INSTRUCT,
    // One PodMonitor per tier and for the router; the label lets kube-prometheus-stack's Prometheus pick them.
    monitoring: { interval: Duration.seconds(15), labels: { release: 'kube-prometheus-stack' } },
    prefill: { tracing },
    decode: { tracing },
    // The NetworkPolicies let every pod reach the collector's namespace on the endpoint's port (4317).
    router: { tracing, networkPolicies: { tracingCollectors: [NetworkPeer.namespace('observability')] } },
  });
  const keda = AutoscalerEngine.keda({ prometheusAddress: 'http://prometheus-operated.monitoring:9090' });
  const prefill = new TierAutoscaler(chart, 'PrefillScaler', {
    tier: service.prefill,
    maxReplicas: 4,
    metrics: [AutoscalingMetric.waitingRequests(5)],
    engine: keda,
  });
  new TierAutoscaler(chart, 'DecodeScaler', {
    tier: service.decode,
    metrics: [AutoscalingMetric.kvCacheUsage(0.8)],
    engine: keda,
    // Decode bounds derive from prefill's (2 to 8 pods); a KEDA workload trigger holds the ratio at run time.
    ratio: { prefill, decodePerPrefill: 2 },
  });
  return chart;
}

if (require.main === module) {
  const app = new App();
  monitoredAutoscaled(app);
  app.synth();
}
