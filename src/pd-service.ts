import { Construct } from 'constructs';
import { KvTransferBudget } from './capacity-planner';
import { DecodeTier } from './decode-tier';
import { Interconnect } from './interconnect';
import { KvConnector } from './kv-connector';
import { KvTransferOptions } from './kv-transfer-options';
import { MonitoringOptions } from './monitoring';
import { PdRouter, PdRouterOptions } from './pd-router';
import { Colocation, TierPlacement } from './placement';
import { PrefillTier } from './prefill-tier';
import { checkStruct } from './private/boundary';
import { invalid } from './private/errors';
import { CAPACITY_WARNING, checkKvTransfer, TransferCheck } from './private/sizing-checks';
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
   * Keep both tiers in one topology domain (a zone, a rack), for each tier whose `placement` sets no
   * `colocation` of its own.
   *
   * @default - no co-location
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
   */
  readonly colocation?: Colocation;

  /**
   * The KV transfer budget: the prompt length to plan one prefill-to-decode hand-off for, checked against an
   * optional latency budget; shown in the report (`PdReport`).
   *
   * @default - no transfer budget
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly kvTransfer?: KvTransferOptions;

  /**
   * Router settings.
   *
   * @default - vllm-router with Kubernetes discovery
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly router?: PdRouterOptions;

  /**
   * Monitoring for the prefill tier, the decode tier and the router at once; a tier's or the router's own
   * `monitoring` takes precedence.
   *
   * @default - no monitor objects
   * @see https://prometheus-operator.dev/docs/developer/getting-started/
   */
  readonly monitoring?: MonitoringOptions;
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
  /** What one request moves from prefill to decode, when `kvTransfer` is given. */
  public readonly kvTransferBudget?: KvTransferBudget;
  /** @internal The transfer check, for the report. */
  public readonly _transferCheck?: TransferCheck;

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
    const monitoring = props.monitoring;
    const placement = (tier?: TierPlacement): TierPlacement | undefined =>
      props.colocation === undefined || tier?.colocation !== undefined ? tier : { ...tier, colocation: props.colocation };
    this.prefill = new PrefillTier(this, 'Prefill', { interconnect, monitoring, ...props.prefill, placement: placement(props.prefill?.placement), ...shared });
    this.decode = new DecodeTier(this, 'Decode', { interconnect, monitoring, ...props.decode, placement: placement(props.decode?.placement), ...shared });
    this.router = new PdRouter(this, 'Router', { monitoring, ...props.router, prefill: this.prefill, decode: this.decode });
    if (props.kvTransfer) {
      this._transferCheck = checkKvTransfer(`PdService '${this.node.path}'`, props.kvTransfer, this.prefill._spec, this.decode._spec);
      this.kvTransferBudget = this._transferCheck.budget;
      if (this._transferCheck.warning) this.node.addMetadata(CAPACITY_WARNING, this._transferCheck.warning);
    }
  }

  /** In-cluster URL of the OpenAI-compatible endpoint. */
  public get url(): string {
    return this.router.url;
  }
}
