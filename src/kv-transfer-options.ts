import { Duration } from 'cdk8s';

/**
 * The KV transfer budget of a `PdService`: the prompt length to plan one prefill-to-decode hand-off for, and an
 * optional latency budget it must meet.
 */
export interface KvTransferOptions {
  /** The typical prompt length, in tokens: its KV is what one request moves from prefill to decode. */
  readonly typicalPromptTokens: number;

  /**
   * The longest the transfer may take: synth fails when the planned transfer time exceeds it (and warns above 80%).
   * Needs a bandwidth (the tiers' `Interconnect` `bandwidthGbps`, or `bandwidthBytesPerSecond`).
   *
   * @default - not checked
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly maxTransferTime?: Duration;

  /**
   * The bandwidth one transfer gets, in bytes per second, when the tiers' interconnects declare none (or to
   * override them).
   *
   * @default - the smaller of the prefill and decode interconnects' declared bandwidth
   * @see https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html
   */
  readonly bandwidthBytesPerSecond?: number;
}
