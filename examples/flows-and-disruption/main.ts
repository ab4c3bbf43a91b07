// Network flows and disruption, set explicitly: who may call the router (an ingress controller's namespace),
// who scrapes metrics, the API server's address for pod discovery, a read-only model cache (so the vLLM pods
// get no internet egress), disruption budgets and priority classes.
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { DisruptionBudget, KvConnector, Model, ModelCache, NetworkPeer, PdService } from 'cdk8s-vllm-pd';

export class FlowsAndDisruption extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'llm' });
    new PdService(this, 'Llama8b', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      kvConnector: KvConnector.nixl(),
      // Weights pre-loaded into the claim: HF_HUB_OFFLINE=1, and no HTTPS egress for the vLLM pods.
      modelCache: ModelCache.persistentVolumeClaim('llama-8b-weights', { readOnly: true }),
      prefill: { replicas: 2, priorityClassName: 'llm-serving' },
      decode: {
        replicas: 3,
        priorityClassName: 'llm-serving',
        // Keep two decode pods serving through a node drain.
        disruptionBudget: DisruptionBudget.minAvailable(2),
      },
      router: {
        priorityClassName: 'llm-serving',
        networkPolicies: {
          clients: [NetworkPeer.namespace('ingress-nginx')],
          monitoring: [NetworkPeer.podsWithLabel('app.kubernetes.io/name', 'prometheus', 'monitoring')],
          // `kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`
          kubernetesApiCidrs: ['10.0.0.10/32'],
          kubernetesApiPorts: [6443],
        },
      },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new FlowsAndDisruption(app, 'flows-and-disruption');
  app.synth();
}
