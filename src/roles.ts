/**
 * Which phase of a disaggregated request a tier serves.
 */
export enum TierRole {
  /** Processes prompts and produces KV caches. */
  PREFILL = 'prefill',
  /** Receives KV caches and generates tokens. */
  DECODE = 'decode',
}

/**
 * `KVTransferConfig.kv_role`: `kv_producer`, `kv_consumer` or `kv_both`
 * (vllm/config/kv_transfer.py: `Literal["kv_producer","kv_consumer","kv_both"]`, required whenever a connector is set).
 *
 * @see https://docs.vllm.ai/en/latest/api/vllm/config/kv_transfer/
 */
export enum KvRole {
  /** Produces KV caches (prefill). */
  KV_PRODUCER = 'kv_producer',
  /** Consumes KV caches (decode). */
  KV_CONSUMER = 'kv_consumer',
  /** Both produces and consumes. */
  KV_BOTH = 'kv_both',
}
