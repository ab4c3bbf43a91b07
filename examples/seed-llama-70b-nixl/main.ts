// The seed's Kubernetes pattern (shared/seed/disaggregated-prefill-decode.md), as a cdk8s app:
// Llama-3.1-70B-Instruct, NixlConnector, 1 prefill replica at TP=4 and 2 decode replicas at TP=2
// with --gpu-memory-utilization=0.95, behind one router Service.
import { App, Chart, ChartProps, Size } from 'cdk8s';
import { Secret } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Accelerator, KvConnector, KvLoadFailurePolicy, Model, ModelCache, NixlBackend, PdService,
} from 'cdk8s-vllm-pd';

export class SeedLlama70bNixl extends Chart {
  public readonly service: PdService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });

    this.service = new PdService(this, 'Llama70b', {
      model: Model.LLAMA_3_1_70B_INSTRUCT,
      // An existing Secret; the token never appears in the manifest.
      hfToken: { secret: Secret.fromSecretName(this, 'HfToken', 'hf-token'), key: 'HF_TOKEN' },
      // Weights downloaded once into a shared claim instead of on every pod start.
      modelCache: ModelCache.persistentVolumeClaim('llama-70b-weights'),
      kvConnector: KvConnector.nixl({
        backends: [NixlBackend.UCX],
        kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE,
      }),
      prefill: {
        replicas: 1,
        accelerator: Accelerator.NVIDIA_H100_80GB,
        tensorParallelSize: 4,
        // Decode's context length (below): decode must serve every request prefill accepts.
        maxModelLen: 16384,
      },
      decode: {
        replicas: 2,
        accelerator: Accelerator.NVIDIA_H100_80GB,
        // Below prefill's TP 4: NIXL reads each decode worker's KV heads from two prefill workers
        // (vLLM >= 0.14.0, PR #27274), which works while prefill TP stays within the 8 KV heads.
        tensorParallelSize: 2,
        gpuMemoryUtilization: 0.95,
        // TP 2 leaves about 5 GiB of KV cache per GPU: one request of the model's 131,072-token context does not fit
        // (the capacity plan refuses it, as vLLM would at startup); 16,384 tokens hold about two.
        maxModelLen: 16384,
        sharedMemorySize: Size.gibibytes(20),
      },
    });
  }
}

// `cdk8s synth` runs this file; tests import the chart class without synthesizing to disk.
if (require.main === module) {
  const app = new App();
  new SeedLlama70bNixl(app, 'seed-llama-70b-nixl');
  app.synth();
}
