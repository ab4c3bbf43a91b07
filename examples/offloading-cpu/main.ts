// OffloadingConnector on its own: a vLLM pool that spills KV to CPU memory (a bigger prefix cache).
// It moves no KV between tiers, so it is not PD by itself; for PD chain it after NIXL (multi-nixl-offloading).
import { App, Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { DecodeTier, KvConnector, Model } from 'cdk8s-vllm-pd';

export class OffloadingCpu extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'llm' });
    new DecodeTier(this, 'Llama8b', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      replicas: 2,
      blockSize: 16,
      // 64 GiB of CPU KV per pod; the pod's memory request and limit grow by this amount.
      kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(64), blockSize: 64 }),
    });
  }
}

if (require.main === module) {
  const app = new App();
  new OffloadingCpu(app, 'offloading-cpu');
  app.synth();
}
