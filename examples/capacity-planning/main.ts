// A PD service sized before deploy: decode must hold 32 concurrent 16k-token requests per replica, one 4k-token
// prompt's KV must reach decode within 30 ms over 400 Gb/s InfiniBand, and the capacity report lands beside the
// manifests (dist/REPORT.md).
import { App, Chart, ChartProps, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Interconnect, Model, PdReport, PdService } from 'cdk8s-vllm-pd';

export class CapacityPlanning extends Chart {
  public readonly service: PdService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });

    this.service = new PdService(this, 'Qwen3', {
      model: Model.QWEN3_32B,
      interconnect: Interconnect.infiniband({ bandwidthGbps: 400 }),
      prefill: { replicas: 2, tensorParallelSize: 2, maxModelLen: 16384 },
      decode: { replicas: 2, tensorParallelSize: 4, maxModelLen: 16384, minConcurrency: 32 },
      // Fails at synth when the plan says one typical prompt's KV takes longer to move.
      kvTransfer: { typicalPromptTokens: 4096, maxTransferTime: Duration.millis(30) },
    });
  }
}

// `cdk8s synth` runs this file; tests import the chart class without synthesizing to disk.
if (require.main === module) {
  const app = new App();
  new CapacityPlanning(app, 'capacity-planning');
  app.synth();
  PdReport.write(app, app.outdir);
}
