import { App, Chart } from 'cdk8s';
import { KvConnector, Model, PdService } from 'cdk8s-vllm-pd';

const app = new App();
const chart = new Chart(app, 'llama', { namespace: 'llm' });
new PdService(chart, 'Llama8b', {
  model: Model.LLAMA_3_1_8B_INSTRUCT,
  kvConnector: KvConnector.nixl(),
  prefill: { replicas: 1, tensorParallelSize: 1 },
  decode: { replicas: 2, tensorParallelSize: 1 },
});
app.synth();
