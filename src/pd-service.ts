import { Construct } from 'constructs';
import { DecodeTier } from './decode-tier';
import { Interconnect } from './interconnect';
import { KvConnector } from './kv-connector';
import { PdRouter, PdRouterOptions } from './pd-router';
import { PrefillTier } from './prefill-tier';
import { checkStruct } from './private/boundary';
import { invalid } from './private/errors';
import { PD_SERVICE_PROPS } from './private/tier-keys';
import { ModelServingOptions, TierOptions } from './tier-options';
import { VllmImage } from './vllm-image';

/**
 * Props of a `PdService`.
 */
export interface PdServiceProps extends ModelServingOptions {
  /**
   * Prefill tier settings.
   *
   * @default - one replica, tensor parallel 1
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly prefill?: TierOptions;

  /**
   * Decode tier settings.
   *
   * @default - one replica, tensor parallel 1
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly decode?: TierOptions;

  /**
   * The network both tiers' KV moves over, for each tier that sets no `interconnect` of its own.
   *
   * @default Interconnect.tcp() (not for production)
   * @see https://llm-d.ai/docs/0.10/infrastructure/rdma
   */
  readonly interconnect?: Interconnect;

  /**
   * Router settings.
   *
   * @default - vllm-router with Kubernetes discovery
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly router?: PdRouterOptions;
}

/**
 * A complete vLLM prefill/decode deployment: a `PrefillTier` (`Prefill`), a `DecodeTier` (`Decode`)
 * and a `PdRouter` (`Router`) whose Service is what clients call.
 *
 * Everything both tiers must agree on (model, tokenizer, served name, image, KV connector, Hugging
 * Face token, model cache) is given once here, so the tiers cannot disagree.
 *
 * @example
 * new PdService(chart, 'Llama', {
 *   model: Model.LLAMA_3_1_70B_INSTRUCT,
 *   kvConnector: KvConnector.nixl(),
 *   prefill: { replicas: 1, tensorParallelSize: 4 },
 *   decode: { replicas: 2, tensorParallelSize: 4, gpuMemoryUtilization: 0.95 },
 * });
 */
export class PdService extends Construct {
  /** The prefill tier. */
  public readonly prefill: PrefillTier;
  /** The decode tier. */
  public readonly decode: DecodeTier;
  /** The router. */
  public readonly router: PdRouter;

  public constructor(scope: Construct, id: string, props: PdServiceProps) {
    super(scope, id);
    if (!props || !props.model) {
      throw invalid(`PdService '${this.node.path}'`, 'model', undefined,
        'is required: pass Model.of(...) or a catalogue entry such as Model.LLAMA_3_1_8B_INSTRUCT');
    }
    props = checkStruct(`PdService '${this.node.path}'`, 'props', props, PD_SERVICE_PROPS);
    const shared: ModelServingOptions = {
      model: props.model,
      servedModelName: props.servedModelName,
      tokenizer: props.tokenizer,
      // Resolved once, so both tiers hold the very same objects.
      image: props.image ?? VllmImage.DEFAULT,
      kvConnector: props.kvConnector ?? KvConnector.nixl(),
      hfToken: props.hfToken,
      modelCache: props.modelCache,
    };
    const interconnect = props.interconnect;
    this.prefill = new PrefillTier(this, 'Prefill', { interconnect, ...props.prefill, ...shared });
    this.decode = new DecodeTier(this, 'Decode', { interconnect, ...props.decode, ...shared });
    this.router = new PdRouter(this, 'Router', { ...props.router, prefill: this.prefill, decode: this.decode });
  }

  /** In-cluster URL of the OpenAI-compatible endpoint. */
  public get url(): string {
    return this.router.url;
  }
}
