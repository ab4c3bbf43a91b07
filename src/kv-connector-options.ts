/**
 * What every connector accepts. A file of its own so `src/connectors/*` never import `kv-connector.ts`
 * (which imports them): no import circle.
 */

/**
 * `KVTransferConfig.kv_load_failure_policy`: what decode does when loading remote KV fails
 * (vllm/config/kv_transfer.py; added by PR #26813, default changed to `fail` by PR #34896).
 *
 * @see https://docs.vllm.ai/en/latest/api/vllm/config/kv_transfer/
 */
export enum KvLoadFailurePolicy {
  /** Finish the request with an error (clients see a 500). */
  FAIL = 'fail',
  /** Reschedule and recompute the failed blocks locally (latency jitter, no error). */
  RECOMPUTE = 'recompute',
}

/**
 * Options every connector accepts.
 */
export interface KvConnectorCommonOptions {
  /**
   * What decode does when loading remote KV fails. Always rendered, so behaviour does not change
   * with vLLM's default (which flipped from `recompute` to `fail` in PR #34896). Inside
   * `KvConnector.multi()` it may only be set on the chain, not on its members.
   *
   * @default KvLoadFailurePolicy.FAIL
   * @see https://docs.vllm.ai/en/latest/api/vllm/config/kv_transfer/
   */
  readonly kvLoadFailurePolicy?: KvLoadFailurePolicy;
}
