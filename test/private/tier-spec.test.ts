import { Duration, Size } from 'cdk8s';
import { Interconnect, KvConnector, KvRole, Model, TierRole } from '../../src';
import { resolveTierSpec } from '../../src/private/tier-spec';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
const resolve = (props: any, role = TierRole.DECODE) =>
  resolveTierSpec({ where: "DecodeTier 'D'", role, instance: 'svc', props });

describe('resolveTierSpec', () => {
  test('applies every default', () => {
    const spec = resolve({ model });
    expect(spec).toMatchObject({
      tier: 'decode',
      kvRole: KvRole.KV_CONSUMER,
      replicas: 1,
      tensorParallelSize: 1,
      pipelineParallelSize: 1,
      dataParallelSize: 1,
      gpusPerPod: 1,
      nodesPerReplica: 1,
      port: 8000,
      startupSeconds: 3600,
      drainSeconds: 60,
      renderShutdownTimeout: true,
      cpu: '4',
      baseMemoryBytes: 36 * 1024 ** 3,
      memoryExplicit: false,
      sharedMemoryBytes: 20 * 1024 ** 3,
      extraArgs: [],
      extraEnv: [],
    });
    expect(spec.kvConnector.displayName).toBe('NixlConnector');
    expect(spec.selectorLabels).toEqual({
      'app.kubernetes.io/name': 'vllm',
      'app.kubernetes.io/instance': 'svc',
      'app.kubernetes.io/component': 'decode',
      'llm-d.ai/role': 'decode',
    });
  });

  test('derives GPUs from parallelism and memory from GPUs', () => {
    const spec = resolve({ model, tensorParallelSize: 2, dataParallelSize: 2, startupTimeout: Duration.minutes(5) });
    expect(spec.gpusPerPod).toBe(4);
    expect(spec.baseMemoryBytes).toBe(128 * 1024 ** 3);
    expect(spec.startupSeconds).toBe(300);
  });

  test('the connector forces engine settings the user left unset, never the ones set', () => {
    expect(resolve({ model, kvConnector: KvConnector.lmcache() }).enableChunkedPrefill).toBe(false);
    expect(resolve({ model }).enableChunkedPrefill).toBeUndefined();
    expect(resolve({ model, enableChunkedPrefill: true }).enableChunkedPrefill).toBe(true);
  });

  test('is pure: the same props resolve to equal specs', () => {
    const kvConnector = KvConnector.nixl();
    const props = { model, kvConnector, resources: { memory: Size.gibibytes(64) } };
    expect(resolve(props)).toEqual(resolve(props));
  });

  test('fails without a model', () => {
    expect(() => resolve({})).toThrow(/^DecodeTier 'D': 'model' \(undefined\) is required/);
  });

  test('fails on a role the connector does not allow', () => {
    expect(() => resolve({ model, kvConnector: KvConnector.mooncake(), interconnect: Interconnect.infiniband(), kvRole: KvRole.KV_BOTH }))
      .toThrow(/^DecodeTier 'D': 'kvRole' \('kv_both'\) is not allowed for MooncakeConnector on a decode tier/);
  });
});
