/**
 * `npx projen benchmark`: synth time and output size for growing numbers of PD services in one chart.
 * Prints numbers; asserts nothing (speed is measured here, not in timed tests).
 */
import { App, Chart, Testing } from 'cdk8s';
import { KvConnector, Model, PdService } from '../src';

function build(services: number): Chart {
  const chart = new Chart(new App(), 'bench', { namespace: 'llm' });
  for (let i = 0; i < services; i++) {
    new PdService(chart, `Svc${i}`, {
      model: Model.LLAMA_3_1_70B_INSTRUCT,
      kvConnector: KvConnector.nixl(),
      prefill: { replicas: 2, tensorParallelSize: 4 },
      decode: { replicas: 4, tensorParallelSize: 4 },
    });
  }
  return chart;
}

for (const services of [1, 10, 50, 200]) {
  const runs = services >= 200 ? 3 : 10;
  const times: number[] = [];
  let objects = 0;
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    const manifests = Testing.synth(build(services));
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    objects = manifests.length;
    bytes = JSON.stringify(manifests).length;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`services=${services} objects=${objects} json_bytes=${bytes} median_ms=${median.toFixed(1)} per_service_ms=${(median / services).toFixed(2)} runs=${runs}`);
}
