// The seed's MultiConnector chain: NIXL for prefill-to-decode transfer, then Offloading to CPU.
import { App, Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { KvConnector, KvLoadFailurePolicy, Model, PdService } from 'cdk8s-vllm-pd';

export class MultiNixlOffloading extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'llm' });
    new PdService(this, 'Llama70b', {
      model: Model.LLAMA_3_1_70B_INSTRUCT,
      kvConnector: KvConnector.multi([
        KvConnector.nixl(),
        // The seed's {"block_size": 64, "cpu_bytes_to_use": 10_000_000_000}.
        KvConnector.offloading({ blockSize: 64, cpuBytesToUse: Size.kibibytes(9_765_625) }),
      ], { kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE }),
      prefill: { tensorParallelSize: 4, blockSize: 16 },
      decode: { tensorParallelSize: 4, blockSize: 16, replicas: 2, gpuMemoryUtilization: 0.95 },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new MultiNixlOffloading(app, 'multi-nixl-offloading');
  app.synth();
}
