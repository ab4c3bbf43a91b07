// Standalone tiers composed with a PdRouter: 4 small prefill pods feeding 1 TP=2 decode pod.
import { App, Chart } from 'cdk8s';
import { DecodeTier, KvConnector, Model, PdRouter, PrefillTier } from 'cdk8s-vllm-pd';

export function composeTiers(app: App): Chart {
  const chart = new Chart(app, 'compose-tiers', { namespace: 'llm' });
  const model = Model.LLAMA_3_1_8B_INSTRUCT;
  const kvConnector = KvConnector.nixl();
  const prefill = new PrefillTier(chart, 'Prefill', { model, kvConnector, replicas: 4 });
  const decode = new DecodeTier(chart, 'Decode', { model, kvConnector, tensorParallelSize: 2 });
  new PdRouter(chart, 'Router', { prefill, decode });
  return chart;
}

if (require.main === module) {
  const app = new App();
  composeTiers(app);
  app.synth();
}
