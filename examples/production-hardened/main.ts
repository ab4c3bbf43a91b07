// A hardened production PD service: Llama-3.1-70B-Instruct over NIXL on InfiniBand, weights pre-loaded in a
// read-only claim, NetworkPolicies naming the real clients, scrapers and API server, disruption budgets,
// priority classes, PodMonitors and KEDA autoscaling that keeps 2 decode pods per prefill pod. Pods run the
// restricted security profile (IPC_LOCK only for RDMA) by default.
import { App, Chart, Duration } from 'cdk8s';
import { Secret } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  AutoscalerEngine, AutoscalingMetric, DisruptionBudget, Interconnect, KvConnector, KvLoadFailurePolicy, Model, ModelCache,
  NetworkPeer, NixlBackend, PdService, RouterStrategy, RoutingPolicy, TierAutoscaler,
} from 'cdk8s-vllm-pd';

export class ProductionHardened extends Chart {
  public readonly service: PdService;

  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'llm' });
    this.service = new PdService(this, 'Llama70b', {
      model: Model.LLAMA_3_1_70B_INSTRUCT,
      hfToken: { secret: Secret.fromSecretName(this, 'HfToken', 'hf-token'), key: 'HF_TOKEN' },
      // Weights pre-loaded once: HF_HUB_OFFLINE=1, and the vLLM pods get no internet egress.
      modelCache: ModelCache.persistentVolumeClaim('llama-70b-weights', { readOnly: true }),
      kvConnector: KvConnector.nixl({ backends: [NixlBackend.UCX], kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE }),
      // KV over InfiniBand: the RDMA device plugin's resource, IPC_LOCK and UCX restricted to the HCAs.
      interconnect: Interconnect.infiniband({ netDevices: ['mlx5_0', 'mlx5_1'], bandwidthGbps: 800 }),
      // One PodMonitor per tier and for the router, picked up by kube-prometheus-stack's Prometheus.
      monitoring: { interval: Duration.seconds(15), labels: { release: 'kube-prometheus-stack' } },
      prefill: {
        replicas: 2,
        tensorParallelSize: 4,
        priorityClassName: 'llm-serving',
      },
      decode: {
        tensorParallelSize: 4,
        gpuMemoryUtilization: 0.95,
        priorityClassName: 'llm-serving',
        // Keep two decode pods serving through a node drain (the autoscaler never goes below 4).
        disruptionBudget: DisruptionBudget.minAvailable(2),
      },
      router: {
        // Two router replicas (the default): consistent hashing keeps session affinity the same in both.
        strategy: RouterStrategy.vllmRouter({ prefillPolicy: RoutingPolicy.CONSISTENT_HASH }),
        priorityClassName: 'llm-serving',
        networkPolicies: {
          clients: [NetworkPeer.namespace('ingress-nginx')],
          monitoring: [NetworkPeer.podsWithLabel('app.kubernetes.io/name', 'prometheus', 'monitoring')],
          // `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`
          kubernetesApiCidrs: ['10.0.0.10/32', '10.0.0.11/32', '10.0.0.12/32'],
          kubernetesApiPorts: [6443],
        },
      },
    });
    // KEDA reads vLLM's gauges from the Prometheus that scrapes the PodMonitors.
    const keda = AutoscalerEngine.keda({ prometheusAddress: 'http://prometheus-operated.monitoring:9090' });
    const prefill = new TierAutoscaler(this, 'PrefillScaler', {
      tier: this.service.prefill,
      minReplicas: 2,
      maxReplicas: 4,
      metrics: [AutoscalingMetric.waitingRequests(5)],
      engine: keda,
    });
    new TierAutoscaler(this, 'DecodeScaler', {
      tier: this.service.decode,
      metrics: [AutoscalingMetric.kvCacheUsage(0.8)],
      engine: keda,
      // Decode bounds derive from prefill's (4 to 8 pods); a KEDA workload trigger holds the ratio at run time.
      ratio: { prefill, decodePerPrefill: 2 },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new ProductionHardened(app, 'production-hardened');
  app.synth();
}
