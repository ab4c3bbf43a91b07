import { LlmdRouterVersion } from '../../src/llm-d-router-version';
import { Capability, has, known, range, requireCapability } from '../../src/private/compat';
import { VllmRouterVersion } from '../../src/vllm-router-version';
import { VllmVersion } from '../../src/vllm-version';

const v = (s: string) => VllmVersion.of(s);

// [capability, last release without it, first release with it]
const SINCE: Array<[Capability, string, string]> = [
  [Capability.SUPPORTED_RELEASE, '0.11.9', '0.12.0'],
  [Capability.KV_LOAD_FAILURE_POLICY, '0.11.9', '0.12.0'],
  [Capability.NIXL_CONNECTOR, '0.8.9', '0.9.0'],
  [Capability.NIXL_KV_LEASE_DURATION, '0.21.9', '0.22.0'],
  [Capability.SHUTDOWN_TIMEOUT_FLAG, '0.17.9', '0.18.0'],
  [Capability.CUDA_GRAPH_MEMORY_IN_KV_BUDGET, '0.20.2', '0.21.0'],
  [Capability.GPU_MEMORY_UTILIZATION_DEFAULT_092, '0.21.9', '0.22.0'],
  [Capability.KV_CACHE_TOKENS_FROM_CONCURRENCY, '0.19.0', '0.22.0'],
  [Capability.BATCH_DEFAULTS_160_GIB, '0.22.0', '0.32.0'],
  [Capability.SLIDING_WINDOW_IN_FLIGHT_BATCHES, '0.22.0', '0.32.0'],
  [Capability.HYBRID_PREFIX_CACHING_DEFAULT, '0.22.0', '0.32.0'],
  [Capability.MAMBA_CACHE_MODE_ALIGN_ONLY, '0.22.0', '0.32.0'],
  [Capability.MAMBA2_PREFILL_CHECKPOINT_BLOCK, '0.22.0', '0.32.0'],
  [Capability.NIXL_PULL_PUSH_CONNECTORS, '0.25.9', '0.26.0'],
  [Capability.LMCACHE_CONNECTOR_V1, '0.9.9', '0.10.0'],
  [Capability.MOONCAKE_CONNECTOR, '0.14.9', '0.15.0'],
  [Capability.OFFLOADING_CONNECTOR, '0.10.9', '0.11.0'],
  [Capability.OFFLOADING_CPU_BYTES, '0.14.9', '0.15.0'],
  [Capability.OFFLOADING_SHARED_REGION, '0.26.0', '0.27.0'],
  [Capability.PERFORMANCE_MODE, '0.16.0', '0.17.0'],
  [Capability.MULTI_CONNECTOR, '0.9.1', '0.9.2'],
  [Capability.EXAMPLE_CONNECTOR_NAME, '0.14.9', '0.15.0'],
  // Read in the wheels of adjacent releases (compat.ts), so the row's "before" is the last release without it.
  [Capability.NIXL_PREFILL_TP_ABOVE_DECODE, '0.13.0', '0.14.0'],
  [Capability.NIXL_KV_REPLICATED_ABOVE_HEADS, '0.19.1', '0.20.0'],
  [Capability.NIXL_MLA_HETERO_TP_UNGUARDED, '0.20.2', '0.21.0'],
  [Capability.MOONCAKE_HETERO_TP, '0.18.1', '0.19.0'],
  [Capability.NIXL_MAMBA_DS_CONV_LAYOUT, '0.19.1', '0.20.0'],
  [Capability.OTLP_TRACING, '0.16.0', '0.17.0'],
  [Capability.KV_CACHE_USAGE_PERC_METRIC, '0.11.9', '0.12.0'],
  // Read in the 0.22.0 and 0.32.0 wheels only: earlier releases are refused.
  [Capability.MULTI_NODE_SERVE, '0.21.9', '0.22.0'],
  [Capability.EPLB_CONFIG, '0.21.9', '0.22.0'],
  [Capability.DEEPEP_BUFFER_SIZING, '0.21.9', '0.22.0'],
  [Capability.ALL2ALL_BACKEND_FLAG, '0.11.9', '0.12.0'],
];
/** Capabilities with an upper bound, tested one by one below. */
const BOUNDED = [
  Capability.DISABLE_LOG_REQUESTS_FLAG, Capability.P2P_NCCL_CONNECTOR,
  Capability.OFFLOADING_NUM_CPU_BLOCKS, Capability.SHARED_STORAGE_CONNECTOR_NAME,
];
/** Router rows: their versions are vllm-router's. */
const ROUTER_SINCE: Array<[Capability, string, string]> = [
  [Capability.VLLM_ROUTER_SUPPORTED_RELEASE, '0.1.14', '0.1.15'],
  [Capability.VLLM_ROUTER_KV_CONNECTOR_FLAG, '0.1.14', '0.1.15'],
  [Capability.VLLM_ROUTER_TRACING_FLAGS, '0.1.14', '0.1.15'],
];
const rv = (s: string) => VllmRouterVersion.of(s);
/** llm-d router rows: their versions are llm-d router's (tags read: v0.7.0 to v0.10.0). */
const LLMD_SINCE: Array<[Capability, string, string]> = [
  [Capability.LLMD_ROUTER_SUPPORTED_RELEASE, '0.9.0', '0.10.0'],
  [Capability.LLMD_INFERENCE_POOL_V1, '0.8.0', '0.9.0'],
  [Capability.LLMD_EPP_CONFIG_LLMD_GROUP, '0.8.0', '0.9.0'],
  [Capability.LLMD_SIDECAR_NIXLV2_SHARED_STORAGE, '0.6.9', '0.7.0'],
  [Capability.LLMD_SIDECAR_MOONCAKE, '0.8.0', '0.9.0'],
  [Capability.LLMD_SIDECAR_MODEL_SERVER_PORT_FLAG, '0.9.0', '0.10.0'],
];
const lv = (s: string) => LlmdRouterVersion.of(s);

describe('compat', () => {
  test('every capability in the table has a boundary test here', () => {
    expect([...SINCE.map(([c]) => c), ...BOUNDED, ...ROUTER_SINCE.map(([c]) => c), ...LLMD_SINCE.map(([c]) => c)].sort())
      .toEqual(Object.values(Capability).sort());
  });

  test.each(LLMD_SINCE)('llm-d router row %s is missing on %s and present from %s on', (capability, before, since) => {
    expect(has(lv(before), capability)).toBe(false);
    expect(has(lv(since), capability)).toBe(true);
    expect(range(capability)).toBe(`llm-d router >= ${since}`);
  });

  test('fails when an llm-d router row is asked with a vllm-router version', () => {
    expect(() => has(rv('0.1.15'), Capability.LLMD_INFERENCE_POOL_V1))
      .toThrow(/^compat: row LLMD_INFERENCE_POOL_V1 is about llm-d router, asked with a vllm-router version$/);
    expect(() => has(lv('0.10.0'), Capability.VLLM_ROUTER_KV_CONNECTOR_FLAG))
      .toThrow(/^compat: row VLLM_ROUTER_KV_CONNECTOR_FLAG is about vllm-router, asked with a llm-d router version$/);
  });

  test.each(SINCE)('%s is missing on %s and present from %s on', (capability, before, since) => {
    expect(has(v(before), capability)).toBe(false);
    expect(has(v(since), capability)).toBe(true);
    expect(has(v('1.0.0'), capability)).toBe(true);
    expect(range(capability)).toBe(`vLLM >= ${since}`);
  });

  test.each(ROUTER_SINCE)('vllm-router row %s is missing on %s and present from %s on', (capability, before, since) => {
    expect(has(rv(before), capability)).toBe(false);
    expect(has(rv(since), capability)).toBe(true);
    expect(range(capability)).toBe(`vllm-router >= ${since}`);
  });

  test.each([
    [Capability.KV_CACHE_TOKENS_FROM_CONCURRENCY, '0.19.0', '0.19.1', '0.22.0'],
    [Capability.GPU_MEMORY_UTILIZATION_DEFAULT_092, '0.19.0', '0.21.0', '0.22.0'],
    [Capability.BATCH_DEFAULTS_160_GIB, '0.22.0', '0.25.0', '0.32.0'],
    [Capability.SLIDING_WINDOW_IN_FLIGHT_BATCHES, '0.22.0', '0.31.0', '0.32.0'],
    [Capability.HYBRID_PREFIX_CACHING_DEFAULT, '0.22.0', '0.31.0', '0.32.0'],
    [Capability.MAMBA_CACHE_MODE_ALIGN_ONLY, '0.22.0', '0.31.0', '0.32.0'],
    [Capability.MAMBA2_PREFILL_CHECKPOINT_BLOCK, '0.22.0', '0.31.0', '0.32.0'],
  ])('%s: known() is false on %s (confirmed), undefined on %s (between), true from %s', (capability, absent, between, since) => {
    expect(known(v(absent), capability)).toBe(false);
    expect(known(v('0.12.0'), capability)).toBe(false);
    expect(known(v(between), capability)).toBeUndefined();
    expect(known(v(since), capability)).toBe(true);
  });

  test('known() equals has() for rows without confirmedAbsentIn', () => {
    expect(known(v('0.20.0'), Capability.CUDA_GRAPH_MEMORY_IN_KV_BUDGET)).toBe(false);
    expect(known(v('0.21.0'), Capability.CUDA_GRAPH_MEMORY_IN_KV_BUDGET)).toBe(true);
  });

  test('fails when a router row is asked with a vLLM version, or a vLLM row with a router version', () => {
    expect(() => has(v('0.32.0'), Capability.VLLM_ROUTER_KV_CONNECTOR_FLAG))
      .toThrow(/^compat: row VLLM_ROUTER_KV_CONNECTOR_FLAG is about vllm-router, asked with a vLLM version$/);
    expect(() => has(rv('0.1.15'), Capability.SUPPORTED_RELEASE))
      .toThrow(/^compat: row SUPPORTED_RELEASE is about vLLM, asked with a vllm-router version$/);
  });

  test('DISABLE_LOG_REQUESTS_FLAG is accepted up to 0.14.x (confirmed) and refused from 0.15.0 (0.15/0.16 unconfirmed)', () => {
    expect(has(v('0.9.0'), Capability.DISABLE_LOG_REQUESTS_FLAG)).toBe(true);
    expect(has(v('0.14.9'), Capability.DISABLE_LOG_REQUESTS_FLAG)).toBe(true);
    expect(has(v('0.15.0'), Capability.DISABLE_LOG_REQUESTS_FLAG)).toBe(false);
    expect(has(v('0.32.0'), Capability.DISABLE_LOG_REQUESTS_FLAG)).toBe(false);
    expect(range(Capability.DISABLE_LOG_REQUESTS_FLAG)).toBe('vLLM < 0.15.0');
  });

  test('P2P_NCCL_CONNECTOR exists from 0.10.0 up to 0.22.x; 0.23.x (removal around its cut) is refused', () => {
    expect(has(v('0.9.9'), Capability.P2P_NCCL_CONNECTOR)).toBe(false);
    expect(has(v('0.10.0'), Capability.P2P_NCCL_CONNECTOR)).toBe(true);
    expect(has(v('0.22.9'), Capability.P2P_NCCL_CONNECTOR)).toBe(true);
    expect(has(v('0.23.0'), Capability.P2P_NCCL_CONNECTOR)).toBe(false);
    expect(range(Capability.P2P_NCCL_CONNECTOR)).toBe('vLLM >= 0.10.0 and < 0.23.0');
  });

  test('OFFLOADING_NUM_CPU_BLOCKS is read from 0.11.0 up to 0.13.x', () => {
    expect(has(v('0.10.9'), Capability.OFFLOADING_NUM_CPU_BLOCKS)).toBe(false);
    expect(has(v('0.13.9'), Capability.OFFLOADING_NUM_CPU_BLOCKS)).toBe(true);
    expect(has(v('0.14.0'), Capability.OFFLOADING_NUM_CPU_BLOCKS)).toBe(false);
  });

  test('the 0.14.x Offloading window and the 0.13.x-0.14.x connector-name window are refused, not guessed', () => {
    for (const ver of ['0.14.0', '0.14.9']) {
      expect(has(v(ver), Capability.OFFLOADING_NUM_CPU_BLOCKS) || has(v(ver), Capability.OFFLOADING_CPU_BYTES)).toBe(false);
    }
    for (const ver of ['0.13.0', '0.14.9']) {
      expect(has(v(ver), Capability.SHARED_STORAGE_CONNECTOR_NAME) || has(v(ver), Capability.EXAMPLE_CONNECTOR_NAME)).toBe(false);
    }
    expect(has(v('0.12.9'), Capability.SHARED_STORAGE_CONNECTOR_NAME)).toBe(true);
    expect(range(Capability.SHARED_STORAGE_CONNECTOR_NAME)).toBe('vLLM < 0.13.0');
  });

  test('requireCapability passes when the version has the capability', () => {
    expect(() => requireCapability(v('0.18.0'), Capability.SHUTDOWN_TIMEOUT_FLAG, "PrefillTier 'P'", 'drainTimeout', '60s')).not.toThrow();
  });

  test('fails with the prop, the value, the needed range, the source and the image version', () => {
    expect(() => requireCapability(v('0.17.9'), Capability.SHUTDOWN_TIMEOUT_FLAG, "PrefillTier 'P'", 'drainTimeout', '60s'))
      .toThrow(/^PrefillTier 'P': 'drainTimeout' \('60s'\) needs flag '--shutdown-timeout', which exists in vLLM >= 0\.18\.0 \(source: vllm-project\/vllm PR #36666 .*\); the image is vLLM 0\.17\.9$/);
  });

  test('fails with the hint appended when one is given', () => {
    expect(() => requireCapability(v('0.21.0'), Capability.NIXL_KV_LEASE_DURATION, 'X', 'kvLeaseDuration', '30s', 'Remove it'))
      .toThrow(/^X: 'kvLeaseDuration' \('30s'\) needs NIXL extra config 'kv_lease_duration', which exists in vLLM >= 0\.22\.0 \(source: .*\); the image is vLLM 0\.21\.0\. Remove it$/);
  });

  test('fails for a flag that newer releases removed, naming the upper bound', () => {
    expect(() => requireCapability(v('0.17.0'), Capability.DISABLE_LOG_REQUESTS_FLAG, 'X', 'extraArgs', '--disable-log-requests'))
      .toThrow(/^X: 'extraArgs' \('--disable-log-requests'\) needs flag '--disable-log-requests', which exists in vLLM < 0\.15\.0 \(source: .*\); the image is vLLM 0\.17\.0$/);
  });
});
