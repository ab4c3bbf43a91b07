/**
 * THE vLLM compatibility table: every version boundary this library knows, with its source.
 * Nothing else in the library compares vLLM versions against literals.
 */
import { VllmVersion } from '../vllm-version';
import { invalid } from './errors';

/** Something that exists only in some vLLM releases. */
export enum Capability {
  /** Releases this library renders for at all (V1 engine, KVTransferConfig with kv_load_failure_policy). */
  SUPPORTED_RELEASE = 'SUPPORTED_RELEASE',
  /** `--kv-transfer-config.kv_load_failure_policy`. */
  KV_LOAD_FAILURE_POLICY = 'KV_LOAD_FAILURE_POLICY',
  /** `NixlConnector` registered in KVConnectorFactory (V1). */
  NIXL_CONNECTOR = 'NIXL_CONNECTOR',
  /** NIXL `kv_connector_extra_config.kv_lease_duration`. */
  NIXL_KV_LEASE_DURATION = 'NIXL_KV_LEASE_DURATION',
  /** `vllm serve --shutdown-timeout`. */
  SHUTDOWN_TIMEOUT_FLAG = 'SHUTDOWN_TIMEOUT_FLAG',
  /** `vllm serve --disable-log-requests` (removed). */
  DISABLE_LOG_REQUESTS_FLAG = 'DISABLE_LOG_REQUESTS_FLAG',
  /** `NixlPullConnector` / `NixlPushConnector` registered; `NixlConnector` becomes an alias of pull. */
  NIXL_PULL_PUSH_CONNECTORS = 'NIXL_PULL_PUSH_CONNECTORS',
  /** `LMCacheConnectorV1`. */
  LMCACHE_CONNECTOR_V1 = 'LMCACHE_CONNECTOR_V1',
  /** `P2pNcclConnector` (removed later). */
  P2P_NCCL_CONNECTOR = 'P2P_NCCL_CONNECTOR',
  /** In-tree `MooncakeConnector` with the HTTP bootstrap server on prefill and `device_name`. */
  MOONCAKE_CONNECTOR = 'MOONCAKE_CONNECTOR',
  /** `OffloadingConnector`. */
  OFFLOADING_CONNECTOR = 'OFFLOADING_CONNECTOR',
  /** OffloadingConnector sized by `cpu_bytes_to_use` (older releases: `num_cpu_blocks`). */
  OFFLOADING_CPU_BYTES = 'OFFLOADING_CPU_BYTES',
  /** `MultiConnector`. */
  MULTI_CONNECTOR = 'MULTI_CONNECTOR',
  /** The shared-storage example connector is registered as `ExampleConnector` (before: `SharedStorageConnector`). */
  EXAMPLE_CONNECTOR_NAME = 'EXAMPLE_CONNECTOR_NAME',
}

interface Boundary {
  /** First release that has it (inclusive). */
  readonly since?: string;
  /** First release that no longer has it (exclusive). */
  readonly until?: string;
  /** What it is, for error messages. */
  readonly what: string;
  /** Where the boundary comes from. */
  readonly source: string;
}

// PR #26813 landed late Oct 2025; v0.11.0 lacks the field, v0.12.0 (Dec 2025) is the first release known to have it.
const KV_LOAD_FAILURE_POLICY_SINCE = '0.12.0';

const TABLE: Record<Capability, Boundary> = {
  [Capability.SUPPORTED_RELEASE]: {
    since: KV_LOAD_FAILURE_POLICY_SINCE,
    what: 'vLLM releases supported by cdk8s-vllm-pd',
    source: 'the library always renders kv_load_failure_policy explicitly, so it needs that field (row KV_LOAD_FAILURE_POLICY)',
  },
  [Capability.KV_LOAD_FAILURE_POLICY]: {
    since: KV_LOAD_FAILURE_POLICY_SINCE,
    what: "KVTransferConfig field 'kv_load_failure_policy'",
    source: 'vllm-project/vllm PR #26813 "[P/D] KV Load Failure Recovery/Abort Configuration", vllm/config/kv_transfer.py',
  },
  [Capability.NIXL_CONNECTOR]: {
    since: '0.9.0',
    what: "connector 'NixlConnector'",
    source: 'vllm-project/vllm PR #17751; docs.vllm.ai/en/v0.9.0/api/vllm/distributed/kv_transfer/kv_connector/v1/nixl_connector.html',
  },
  [Capability.NIXL_KV_LEASE_DURATION]: {
    since: '0.22.0',
    what: "NIXL extra config 'kv_lease_duration'",
    source: 'vllm-project/vllm PR #41383 (lease renewal of KV blocks on P); llm-d docs/operations/disaggregation/vllm.md ("requires vLLM >= v0.22.0")',
  },
  [Capability.SHUTDOWN_TIMEOUT_FLAG]: {
    since: '0.18.0',
    what: "flag '--shutdown-timeout'",
    source: 'vllm-project/vllm PR #36666 (re-land of #34730, 2026-03-10), first released in v0.18.0 (llm-d issue #927)',
  },
  [Capability.DISABLE_LOG_REQUESTS_FLAG]: {
    until: '0.17.0',
    what: "flag '--disable-log-requests'",
    source: 'deprecated by vllm-project/vllm PR #22113, engine arg removed by PR #29402 (v0.12.0); rejected as an unrecognized argument by v0.17.0 (llm-d/llm-d-benchmark PR #781)',
  },
  [Capability.NIXL_PULL_PUSH_CONNECTORS]: {
    // Merged ~2026-06-12, after the v0.23.0 cut; confirmed present in v0.26.0.
    since: '0.24.0',
    what: "connectors 'NixlPullConnector' and 'NixlPushConnector'",
    source: 'vllm-project/vllm PR #35264 (KV push from prefill to decode with NIXL); nixl/connector.py `NixlConnector = NixlPullConnector`',
  },
  [Capability.LMCACHE_CONNECTOR_V1]: {
    since: '0.10.0',
    what: "connector 'LMCacheConnectorV1'",
    source: 'vllm-project/vllm PR #16625; lmcache_connector in docs.vllm.ai/en/v0.10.0/api/vllm/distributed/kv_transfer/kv_connector/v1/',
  },
  [Capability.P2P_NCCL_CONNECTOR]: {
    since: '0.10.0',
    // PR #44854 merged in June 2026 before the v0.24.0 release (2026-07-01).
    until: '0.24.0',
    what: "connector 'P2pNcclConnector'",
    source: 'added by the p2p module (docs.vllm.ai/en/v0.10.0 kv_connector/v1 index); removed by vllm-project/vllm PR #44854 "[Connector] Remove P2pNcclConnector"',
  },
  [Capability.MOONCAKE_CONNECTOR]: {
    // First in-tree in PR #24718 (Dec 2025) with a ZMQ port scheme; the HTTP bootstrap server and `device_name`
    // this library renders are what the v0.15.0 docs describe. Earlier releases are refused rather than guessed.
    since: '0.15.0',
    what: "connector 'MooncakeConnector' with the HTTP bootstrap server",
    source: 'vllm-project/vllm PR #24718; docs.vllm.ai/en/v0.15.0/features/mooncake_connector_usage/',
  },
  [Capability.OFFLOADING_CONNECTOR]: {
    since: '0.11.0',
    what: "connector 'OffloadingConnector'",
    source: 'vllm-project/vllm PRs #22595 and #24251; docs.vllm.ai/en/v0.11.0/api/vllm/distributed/kv_transfer/kv_connector/v1/offloading_connector.html',
  },
  [Capability.OFFLOADING_CPU_BYTES]: {
    // PR #24498 reviewed 2026-01-08, v0.14.0 released ~2026-01-20; v0.15.0 docs confirm it.
    since: '0.14.0',
    what: "OffloadingConnector extra config 'cpu_bytes_to_use' (older releases read 'num_cpu_blocks')",
    source: 'vllm-project/vllm PR #24498; docs.vllm.ai/en/v0.15.0/api/vllm/v1/kv_offload/cpu/ and docs.vllm.ai/en/v0.11.0/api/vllm/v1/kv_offload/cpu.html',
  },
  [Capability.MULTI_CONNECTOR]: {
    since: '0.9.2',
    what: "connector 'MultiConnector'",
    source: 'docs.vllm.ai/en/v0.9.2/api/vllm/distributed/kv_transfer/kv_connector/v1/multi_connector.html',
  },
  [Capability.EXAMPLE_CONNECTOR_NAME]: {
    // PR #30201 was approved 2025-12-08, before the v0.13.0 cut; confirmed by the v0.15.0 docs. No alias exists.
    since: '0.13.0',
    what: "the name 'ExampleConnector' (formerly 'SharedStorageConnector')",
    source: 'vllm-project/vllm PR #30201; example_connector in docs.vllm.ai/en/v0.15.0/api/vllm/distributed/kv_transfer/kv_connector/v1/',
  },
};

/** True when `version` has `capability`. */
export function has(version: VllmVersion, capability: Capability): boolean {
  const b = TABLE[capability];
  if (b.since !== undefined && !version.isAtLeast(b.since)) return false;
  if (b.until !== undefined && version.isAtLeast(b.until)) return false;
  return true;
}

/** "vLLM >= 0.22.0" / "vLLM < 0.18.0" / "vLLM >= a and < b". */
export function range(capability: Capability): string {
  const b = TABLE[capability];
  const parts: string[] = [];
  if (b.since !== undefined) parts.push(`>= ${b.since}`);
  if (b.until !== undefined) parts.push(`< ${b.until}`);
  return `vLLM ${parts.join(' and ')}`;
}

/**
 * Throws a prop-naming error unless `version` has `capability`.
 */
export function requireCapability(
  version: VllmVersion, capability: Capability, where: string, prop: string, value: unknown, hint = '',
): void {
  if (has(version, capability)) return;
  const b = TABLE[capability];
  throw invalid(where, prop, value,
    `needs ${b.what}, which exists in ${range(capability)} (source: ${b.source}); the image is vLLM ${version}${hint ? `. ${hint}` : ''}`);
}
