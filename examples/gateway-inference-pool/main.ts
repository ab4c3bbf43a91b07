// The seed's service (examples/seed-llama-70b-nixl: Llama-3.1-70B-Instruct, NixlConnector, 1 prefill replica at
// TP=4, 2 decode replicas at TP=2) behind a Gateway the platform team already runs, with the llm-d routing
// architecture: an InferencePool of both tiers, the llm-d endpoint picker with a PD profile (prefill on a prefill
// pod only when at least 256 prompt tokens are not cached on the chosen decode pod), the disaggregation sidecar on
// every decode pod, and an HTTPRoute from the Gateway's HTTPS listener to the pool.
import { App, Chart, ChartProps, Duration, Size } from 'cdk8s';
import { Secret } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Accelerator, KvConnector, KvLoadFailurePolicy, Model, ModelCache, NetworkPeer, NixlBackend, PdDecider, PdService, RouterStrategy,
} from 'cdk8s-vllm-pd';

export class GatewayInferencePool extends Chart {
  public readonly service: PdService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });

    this.service = new PdService(this, 'Llama70b', {
      model: Model.LLAMA_3_1_70B_INSTRUCT,
      hfToken: { secret: Secret.fromSecretName(this, 'HfToken', 'hf-token'), key: 'HF_TOKEN' },
      modelCache: ModelCache.persistentVolumeClaim('llama-70b-weights'),
      kvConnector: KvConnector.nixl({
        backends: [NixlBackend.UCX],
        kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE,
      }),
      prefill: {
        replicas: 1,
        accelerator: Accelerator.NVIDIA_H100_80GB,
        tensorParallelSize: 4,
        // As in the seed example: decode at TP 2 holds no 131,072-token request (the capacity plan refuses it).
        maxModelLen: 16384,
      },
      decode: {
        replicas: 2,
        accelerator: Accelerator.NVIDIA_H100_80GB,
        tensorParallelSize: 2,
        maxModelLen: 16384,
        gpuMemoryUtilization: 0.95,
        sharedMemorySize: Size.gibibytes(20),
      },
      router: {
        strategy: RouterStrategy.llmD({
          decider: PdDecider.prefixBased({ nonCachedTokens: 256 }),
          // An existing Gateway (Envoy Gateway, agentgateway, Istio, GKE) whose listener allows routes from 'llm'.
          httpRoute: {
            gatewayName: 'inference-gateway',
            gatewayNamespace: 'gateway-system',
            sectionName: 'https',
            requestTimeout: Duration.minutes(10),
          },
          // Requests that send `x-gateway-inference-objective: interactive` are served first under load.
          objectives: [{ name: 'interactive', priority: 10 }, { name: 'batch', priority: -10 }],
        }),
        // The Gateway's proxies call the endpoint picker and the decode sidecars. Envoy Gateway runs them in its
        // controller's namespace (Istio would run them in the Gateway's, 'gateway-system'); required with llmD().
        networkPolicies: { clients: [NetworkPeer.namespace('envoy-gateway-system')] },
      },
    });
  }
}

// `cdk8s synth` runs this file; tests import the chart class without synthesizing to disk.
if (require.main === module) {
  const app = new App();
  new GatewayInferencePool(app, 'gateway-inference-pool');
  app.synth();
}
