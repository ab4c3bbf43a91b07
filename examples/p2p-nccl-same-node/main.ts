// P2pNcclConnector: prefill and decode on the GPUs of one 8-GPU node, NCCL between them.
// P2pNccl exists up to vLLM 0.22 (removed around 0.23); vllm-router takes the engines' ZMQ registrations.
import { App, Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { KvConnector, Model, P2pNcclSendType, PdService, VllmImage } from 'cdk8s-vllm-pd';

export class P2pNcclSameNode extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'llm' });
    new PdService(this, 'Llama8b', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      image: VllmImage.official('v0.22.0'),
      kvConnector: KvConnector.p2pNccl({
        sendType: P2pNcclSendType.PUT_ASYNC,
        ncclNumChannels: 16,
        decodeKvBufferSize: Size.gibibytes(8),
        memPoolSize: Size.gibibytes(8),
        // sameNode defaults to true: all pods of this service get required pod affinity on one host.
      }),
      prefill: { tensorParallelSize: 2 },
      decode: { tensorParallelSize: 2, replicas: 2 },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new P2pNcclSameNode(app, 'p2p-nccl-same-node');
  app.synth();
}
