// LMCache PD (LMCacheConnectorV1 over NIXL) behind the production-stack router, 1 prefill + 1 decode.
import { App, Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { KvConnector, Model, PdService, RouterStrategy, VllmImage } from 'cdk8s-vllm-pd';

export class LmcachePd extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: 'llm' });
    new PdService(this, 'Llama8b', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      // The image must contain LMCache; lmcache/vllm-openai:v0.5.4 is vLLM 0.27.1 + LMCache 0.5.4
      // (https://github.com/LMCache/LMCache/issues/5101).
      image: VllmImage.fromRegistry('docker.io/lmcache/vllm-openai:v0.5.4', { version: '0.27.1' }),
      kvConnector: KvConnector.lmcache({
        pythonHashSeed: 123,
        decodeBufferSize: Size.gibibytes(2),
      }),
      // Chunked prefill is switched off for both tiers: LMCache PD does not support it.
      prefill: { maxModelLen: 16384 },
      decode: { maxModelLen: 16384 },
      router: { strategy: RouterStrategy.productionStackRouter() },
    });
  }
}

if (require.main === module) {
  const app = new App();
  new LmcachePd(app, 'lmcache-pd');
  app.synth();
}
