// Llama-3.1-405B-Instruct in BF16 (~810 GB of weights) does not fit one 8 x H100-80GB node:
// - prefill spans two H100 nodes per replica (a LeaderWorkerSet group of two pods, one node's 8 GPUs each): tensor
//   parallel 8 inside each node, pipeline parallel 2 across them. NIXL reads a pipeline-parallel prefill only in push
//   mode (vllm-project/vllm PR #45880: "Prefill PP -> Decode non-PP"), so the connector pushes. The leader serves
//   HTTP; the worker runs `vllm serve --headless` and joins the leader's torch.distributed group;
// - decode runs on 8 x H200-141GB nodes (1,128 GB: the weights fit one node) at the same tensor parallel size 8, so
//   each decode rank receives exactly one prefill rank's KV heads; push mode's decode may not be pipeline parallel.
// No RouterStrategy implements NIXL's push flow yet, so the two tiers stand alone behind their Services and your own
// push-aware proxy sends each request to prefill, then to decode.
import { App, Chart, ChartProps } from 'cdk8s';
import { Secret } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  Accelerator, DecodeTier, KvConnector, Model, ModelCache, ModelServingOptions, NixlTransferMode, PrefillTier,
} from 'cdk8s-vllm-pd';

export class Llama405bTpPp extends Chart {
  public readonly prefill: PrefillTier;
  public readonly decode: DecodeTier;

  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, { namespace: 'llm', ...props });

    // One scope per PD deployment: both tiers share its instance label.
    const pd = new Construct(this, 'Llama405b');
    const shared: ModelServingOptions = {
      model: Model.LLAMA_3_1_405B_INSTRUCT,
      hfToken: { secret: Secret.fromSecretName(this, 'HfToken', 'hf-token'), key: 'HF_TOKEN' },
      // Every pod of a group loads its share of the weights: keep them on a shared claim.
      modelCache: ModelCache.persistentVolumeClaim('llama-405b-weights'),
      kvConnector: KvConnector.nixl({ transferMode: NixlTransferMode.PUSH }),
    };
    this.prefill = new PrefillTier(pd, 'Prefill', {
      ...shared,
      accelerator: Accelerator.NVIDIA_H100_80GB,
      tensorParallelSize: 8,
      pipelineParallelSize: 2,
    });
    this.decode = new DecodeTier(pd, 'Decode', {
      ...shared,
      replicas: 2,
      accelerator: Accelerator.NVIDIA_H200,
      tensorParallelSize: 8,
    });
  }
}

// `cdk8s synth` runs this file; tests import the chart class without synthesizing to disk.
if (require.main === module) {
  const app = new App();
  new Llama405bTpPp(app, 'llama-405b-tp-pp');
  app.synth();
}
