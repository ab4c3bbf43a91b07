import { Chart } from 'cdk8s';
import { FleetApp, KvConnector, Model, PdService } from 'cdk8s-vllm-pd';

// One chart per service, the same construct IDs in each. FleetApp writes the same files as cdk8s's
// App, in time that grows linearly with the number of charts (docs/performance.md).
const app = new FleetApp();
for (const team of ['search', 'chat', 'code']) {
  const chart = new Chart(app, team, { namespace: 'llm' });
  new PdService(chart, 'Llama8b', { model: Model.LLAMA_3_1_8B_INSTRUCT, kvConnector: KvConnector.nixl() });
}
app.synth();
