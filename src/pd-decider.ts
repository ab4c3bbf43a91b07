import { checkStruct, int, struct } from './private/boundary';

/**
 * When the endpoint picker disaggregates a request: runs its prefill on a prefill pod (the decode pod's
 * sidecar calls it first), or lets the decode pod do the whole request. The decider plugin of the PD profile
 * (`disagg-profile-handler` `deciders.prefill`).
 *
 * @see https://github.com/llm-d/llm-d-router/blob/v0.10.0/pkg/epp/framework/plugins/scheduling/profilehandler/disagg/README.md
 */
export class PdDecider {
  /**
   * Every request is disaggregated (`always-disagg-pd-decider`).
   */
  public static always(): PdDecider {
    return new PdDecider('always-disagg-pd-decider', undefined);
  }

  /**
   * Selective disaggregation (`prefix-based-pd-decider`): prefill runs on a prefill pod only when at least
   * `nonCachedTokens` of the prompt are missing from the chosen decode pod's prefix cache, and the prompt has
   * at least `minPromptTokens` tokens; shorter or well-cached prompts are served by decode alone.
   */
  public static prefixBased(options: PrefixBasedPdDeciderOptions): PdDecider {
    // nonCachedTokens 0 disables the decider ("return false (the decider is disabled)", README above), so >= 1.
    options = checkStruct('PdDecider.prefixBased', 'options', options, PREFIX_BASED_PD_DECIDER_OPTIONS);
    return new PdDecider('prefix-based-pd-decider', {
      nonCachedTokens: options.nonCachedTokens,
      ...(options.minPromptTokens ? { promptTokens: options.minPromptTokens } : {}),
    });
  }

  /** The plugin type. */
  public readonly pluginType: string;
  private readonly parameters?: Record<string, number>;

  private constructor(pluginType: string, parameters: Record<string, number> | undefined) {
    this.pluginType = pluginType;
    this.parameters = parameters;
  }

  /** @internal */
  public _plugin(): Record<string, unknown> {
    return { type: this.pluginType, ...(this.parameters ? { parameters: { ...this.parameters } } : {}) };
  }
}

/**
 * Options for `PdDecider.prefixBased()`.
 */
export interface PrefixBasedPdDeciderOptions {
  /**
   * Uncached prompt tokens (on the chosen decode pod) at or above which prefill runs on a prefill pod
   * (`nonCachedTokens`).
   */
  readonly nonCachedTokens: number;

  /**
   * Prompts shorter than this never disaggregate (`promptTokens`).
   *
   * @default - no prompt-length gate
   * @see https://github.com/llm-d/llm-d-router/blob/v0.10.0/pkg/epp/framework/plugins/scheduling/profilehandler/disagg/README.md
   */
  readonly minPromptTokens?: number;
}


const PREFIX_BASED_PD_DECIDER_OPTIONS = struct('PrefixBasedPdDeciderOptions', {
  // 0 would disable the decider (it then always says no), so at least 1.
  nonCachedTokens: int(1),
  minPromptTokens: int(0),
}, ['nonCachedTokens']);
