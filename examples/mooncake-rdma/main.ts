// MooncakeConnector over RDMA (equal TP here; unequal TP that divides evenly works from vLLM 0.19.0), vllm-router in Mooncake mode.
// vllm-router bootstraps Mooncake only for static prefill URLs, at startup: one prefill pod, static discovery. A restarted
// prefill draws new engine ids the router does not know, so decode recomputes those prompts until the router restarts.
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Interconnect, KvConnector, KvLoadFailurePolicy, Model, MooncakeProtocol, PdService, RouterDiscovery, VllmImage } from 'cdk8s-vllm-pd';

export class MooncakeRdma extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'llm' });
    new PdService(this, 'Llama70b', {
      model: Model.LLAMA_3_1_70B_INSTRUCT,
      // vllm-openai does not ship the Mooncake transfer engine: build
      // `FROM vllm/vllm-openai:v0.32.0` + `pip install mooncake-transfer-engine-cuda13` and push it.
      image: VllmImage.fromRegistry('registry.example.com/vllm-openai-mooncake:v0.32.0'),
      kvConnector: KvConnector.mooncake({
        protocol: MooncakeProtocol.RDMA,
        kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE,
      }),
      // Mooncake's RDMA protocol opens RC queue pairs on the pods' InfiniBand devices: request them (and IPC_LOCK);
      // netDevices is also Mooncake's device_name.
      interconnect: Interconnect.infiniband({ netDevices: ['mlx5_0', 'mlx5_1'], bandwidthGbps: 800 }),
      prefill: { tensorParallelSize: 4, replicas: 1 },
      decode: { tensorParallelSize: 4, replicas: 2 },
      router: { discovery: RouterDiscovery.STATIC },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new MooncakeRdma(app, 'mooncake-rdma');
  app.synth();
}
