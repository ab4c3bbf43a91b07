/**
 * What a rendered `--kv-transfer-config` may contain: KVTransferConfig's fields and each connector's
 * documented `kv_connector_extra_config` keys. One list for every connector test.
 */

/** Every KVTransferConfig field (vllm/config/kv_transfer.py; reference vllm-pd.md §1). */
export const KV_TRANSFER_CONFIG_FIELDS = [
  'kv_connector', 'engine_id', 'kv_buffer_device', 'kv_buffer_size', 'kv_role', 'kv_rank', 'kv_parallel_size',
  'kv_ip', 'kv_port', 'kv_connector_extra_config', 'kv_connector_module_path', 'enable_permute_local_kv',
  'kv_load_failure_policy',
];

const NIXL_KEYS = [
  // nixl/base_scheduler.py and nixl_connector_compatibility.md (reference vllm-pd.md §2.2).
  'backends', 'kv_lease_duration', 'decoder_kv_blocks_ttl', 'bidirectional_kv_xfer', 'kv_recompute_threshold',
  'enforce_handshake_compat', 'enable_cross_layers_blocks',
];

/** Documented `kv_connector_extra_config` keys per rendered connector name (reference vllm-pd.md §2). */
export const EXTRA_CONFIG_KEYS: Record<string, string[]> = {
  NixlConnector: NIXL_KEYS,
  NixlPullConnector: NIXL_KEYS,
  NixlPushConnector: NIXL_KEYS,
  // §2.4: disagg_vllm_launcher.sh.
  LMCacheConnectorV1: ['discard_partial_chunks', 'lmcache_rpc_port'],
  // §2.8: p2p_nccl_engine.py.
  P2pNcclConnector: ['proxy_ip', 'proxy_port', 'http_port', 'send_type', 'nccl_num_channels', 'mem_pool_size_gb'],
  // §2.3: mooncake_connector_usage.md.
  MooncakeConnector: ['num_workers', 'mooncake_protocol', 'device_name', 'bootstrap_server_address', 'prefill_side_swa_replay'],
  // §2.5: kv_offloading_usage.md (vLLM >= 0.14).
  OffloadingConnector: [
    'spec_name', 'cpu_bytes_to_use', 'block_size', 'blocks_per_chunk', 'eviction_policy', 'store_threshold',
    'max_tracker_size', 'offload_prompt_only', 'self_describing_kv_events', 'spec_module_path', 'secondary_tiers',
  ],
  // §2.6.
  MultiConnector: ['connectors'],
  // §2.7: get_from_extra_config("shared_storage_path", "/tmp").
  ExampleConnector: ['shared_storage_path'],
  SharedStorageConnector: ['shared_storage_path'],
};

/** Before vLLM 0.14 the offload store was sized by `num_cpu_blocks` (reference vllm-pd.md §2.5). */
export const OFFLOADING_PRE_0_14_EXTRA_CONFIG_KEYS = ['block_size', 'num_cpu_blocks'];

/**
 * Asserts a rendered config uses only KVTransferConfig fields and its connector's documented extra-config
 * keys, recursively through MultiConnector members. `extraKeys` overrides the connector's list.
 */
export function expectOnlyDocumentedKeys(config: any, extraKeys?: string[]): void {
  for (const key of Object.keys(config)) {
    expect(KV_TRANSFER_CONFIG_FIELDS).toContain(key);
  }
  const allowed = extraKeys ?? EXTRA_CONFIG_KEYS[config.kv_connector];
  expect(allowed).toBeDefined();
  for (const key of Object.keys(config.kv_connector_extra_config ?? {})) {
    expect(allowed).toContain(key);
  }
  for (const member of config.kv_connector_extra_config?.connectors ?? []) {
    expectOnlyDocumentedKeys(member);
  }
}
