// DeepSeek-V3 wide expert parallelism with prefill/decode disaggregation, after llm-d's wide-ep-lws guide
// (guides/wide-ep-lws/manifests/modelserver/base/{prefill,decode}.yaml): on 8 x H200 nodes each tier is one
// LeaderWorkerSet group of two pods, data parallel 16 (8 ranks per node) with expert parallelism over all 16 GPUs:
// - over InfiniBand (RDMA declared with `interconnect`), expert parallelism across nodes defaults to DeepEP: its
//   high-throughput all-to-all kernels on prefill (large batches), its low-latency kernels on decode;
// - both balance expert load with EPLB and 32 redundant experts (256 routed + 32 = 288, a multiple of the 16 EP ranks);
// - KV moves from each prefill DP rank to decode with NixlConnector; every rank listens on 5600 + its DP rank.
// The leaders run the API server for all 16 ranks of their group (vLLM's internal DP load balancing) and are what
// the router and the Services address; the workers are `vllm serve --headless`.
import { App, Chart, ChartProps } from 'cdk8s';
import { Secret } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Accelerator, Interconnect, KvConnector, Model, ModelCache, PdService } from 'cdk8s-vllm-pd';

export class DeepseekV3WideEp extends Chart {
  public readonly service: PdService;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });

    const wideEp = {
      accelerator: Accelerator.NVIDIA_H200,
      dataParallelSize: 16,
      enableExpertParallel: true,
      enableEplb: true,
      eplbConfig: { windowSize: 1000, stepInterval: 3000, numRedundantExperts: 32 },
    };
    this.service = new PdService(this, 'DeepseekV3', {
      model: Model.DEEPSEEK_V3,
      hfToken: { secret: Secret.fromSecretName(this, 'HfToken', 'hf-token'), key: 'HF_TOKEN' },
      modelCache: ModelCache.persistentVolumeClaim('deepseek-v3-weights'),
      kvConnector: KvConnector.nixl(),
      // One rdma/ib device per pod (an RDMA shared-device plugin); 400 Gb/s NICs.
      interconnect: Interconnect.infiniband({ bandwidthGbps: 400 }),
      prefill: wideEp,
      decode: wideEp,
    });
  }
}

// `cdk8s synth` runs this file; tests import the chart class without synthesizing to disk.
if (require.main === module) {
  const app = new App();
  new DeepseekV3WideEp(app, 'deepseek-v3-wide-ep');
  app.synth();
}
