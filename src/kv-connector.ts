import { ExampleConnectorImpl, ExampleConnectorOptions } from './connectors/example';
import { LmcacheConnectorImpl, LmcacheConnectorOptions } from './connectors/lmcache';
import { MooncakeConnectorImpl, MooncakeConnectorOptions } from './connectors/mooncake';
import { MultiConnectorImpl } from './connectors/multi';
import { NixlConnectorImpl, NixlConnectorOptions } from './connectors/nixl';
import { OffloadingConnectorImpl, OffloadingConnectorOptions } from './connectors/offloading';
import { P2pNcclConnectorImpl, P2pNcclConnectorOptions } from './connectors/p2p-nccl';
import { KvConnectorCommonOptions, KvLoadFailurePolicy } from './kv-connector-options';
import { checkStruct } from './private/boundary';
import { Capability, requireCapability } from './private/compat';
import {
  ConnectorImpl, kvTransferConfig, PairSpec, RouterEndpoint, TierConnectorRendering, Transport, validateConnector,
} from './private/connector-context';
import { invalid, show } from './private/errors';
import {
  EXAMPLE_CONNECTOR_OPTIONS, KV_CONNECTOR_COMMON_OPTIONS, LMCACHE_CONNECTOR_OPTIONS, MOONCAKE_CONNECTOR_OPTIONS,
  NIXL_CONNECTOR_OPTIONS, OFFLOADING_CONNECTOR_OPTIONS, P2P_NCCL_CONNECTOR_OPTIONS,
} from './private/factory-keys';
import type { TierSpec } from './private/tier-spec';
import { KvRole, TierRole } from './roles';

/**
 * A KV connector: how prefill hands KV caches to decode.
 *
 * Each connector owns its `--kv-transfer-config` JSON, environment, container ports, volumes, extra
 * objects and rules (one file per connector under `src/connectors/`). Pick one with a static
 * factory, e.g. `KvConnector.nixl({ backends: [NixlBackend.UCX] })`.
 *
 * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
 */
export class KvConnector {
  /**
   * NIXL (`NixlConnector` for pull, `NixlPushConnector` for push where the image has it): fully
   * asynchronous RDMA/UCX transfer. The production default.
   *
   * @see https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html
   */
  public static nixl(options: NixlConnectorOptions = {}): KvConnector {
    options = checkStruct('KvConnector.nixl', 'options', options, NIXL_CONNECTOR_OPTIONS) ?? {} as typeof options;
    return new KvConnector(new NixlConnectorImpl(options), options);
  }

  /**
   * LMCache (`LMCacheConnectorV1`) in PD mode over NIXL: an LMCache config file per tier from a
   * ConfigMap, sender on prefill and receiver on decode. Needs an image with LMCache installed.
   *
   * @see https://docs.lmcache.ai/disaggregated_prefill/nixl/index.html
   */
  public static lmcache(options: LmcacheConnectorOptions = {}): KvConnector {
    options = checkStruct('KvConnector.lmcache', 'options', options, LMCACHE_CONNECTOR_OPTIONS) ?? {} as typeof options;
    return new KvConnector(new LmcacheConnectorImpl(options), options);
  }

  /**
   * P2pNccl (`P2pNcclConnector`): NCCL point-to-point between GPUs of one node. Removed from vLLM by PR #44854.
   *
   * @see https://docs.vllm.ai/en/v0.22.0/design/p2p_nccl_connector.html
   */
  public static p2pNccl(options: P2pNcclConnectorOptions = {}): KvConnector {
    options = checkStruct('KvConnector.p2pNccl', 'options', options, P2P_NCCL_CONNECTOR_OPTIONS) ?? {} as typeof options;
    return new KvConnector(new P2pNcclConnectorImpl(options), options);
  }

  /**
   * Mooncake (`MooncakeConnector`): Mooncake Transfer Engine over RDMA. Needs an image with the
   * Mooncake transfer engine installed (the official vllm-openai image may not have it).
   *
   * @see https://docs.vllm.ai/en/latest/features/mooncake_connector_usage.html
   */
  public static mooncake(options: MooncakeConnectorOptions = {}): KvConnector {
    options = checkStruct('KvConnector.mooncake', 'options', options, MOONCAKE_CONNECTOR_OPTIONS) ?? {} as typeof options;
    return new KvConnector(new MooncakeConnectorImpl(options), options);
  }

  /**
   * Offloading (`OffloadingConnector`): KV offload to CPU memory. It moves no KV between prefill and
   * decode by itself; chain it after a transport with `KvConnector.multi()` for PD.
   *
   * @see https://docs.vllm.ai/en/latest/features/kv_offloading_usage.html
   */
  public static offloading(options: OffloadingConnectorOptions): KvConnector {
    options = checkStruct('KvConnector.offloading', 'options', options, OFFLOADING_CONNECTOR_OPTIONS) ?? {} as typeof options;
    return new KvConnector(new OffloadingConnectorImpl(options), options);
  }

  /**
   * An ordered chain of connectors (`MultiConnector`), e.g. NIXL for PD plus Offloading to CPU.
   * Members are validated like standalone connectors; the failure policy is set on the chain only.
   *
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  public static multi(connectors: KvConnector[], options: KvConnectorCommonOptions = {}): KvConnector {
    const where = 'KvConnector.multi';
    options = checkStruct(where, 'options', options, KV_CONNECTOR_COMMON_OPTIONS) ?? {};
    (Array.isArray(connectors) ? connectors : []).forEach((m, i) => {
      if (!(m instanceof KvConnector)) throw invalid(where, `connectors[${i}]`, m, 'must be a KvConnector from a KvConnector factory');
    });
    const members = connectors ?? [];
    if (!Array.isArray(members) || members.length < 2) {
      throw invalid(where, 'connectors', (members as any)?.length ?? members, 'must list at least two connectors to chain');
    }
    members.forEach((m, i) => {
      if (!m || !m._impl) {
        throw invalid(where, `connectors[${i}]`, m, 'must be a KvConnector from a KvConnector factory');
      }
      if (m._explicitPolicy) {
        throw invalid(where, `connectors[${i}].kvLoadFailurePolicy`, m.kvLoadFailurePolicy,
          'must not be set on a member: set it on KvConnector.multi(..., { kvLoadFailurePolicy }) instead');
      }
    });
    return new KvConnector(new MultiConnectorImpl(members.map(m => m._impl)), options);
  }

  /**
   * The shared-storage example connector (`ExampleConnector`, `SharedStorageConnector` on older vLLM;
   * the library picks the name per version): prefill writes KV files to a ReadWriteMany volume, decode
   * reads them.
   * Development and testing only.
   *
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  public static example(options: ExampleConnectorOptions): KvConnector {
    options = checkStruct('KvConnector.example', 'options', options, EXAMPLE_CONNECTOR_OPTIONS) ?? {} as typeof options;
    return new KvConnector(new ExampleConnectorImpl(options), options);
  }

  /** The connector's name for messages, e.g. `NixlConnector`. */
  public readonly displayName: string;

  /** The failure policy rendered at the top level of the KVTransferConfig. */
  public readonly kvLoadFailurePolicy: KvLoadFailurePolicy;

  /** @internal */
  public readonly _impl: ConnectorImpl;

  /**
   * Whether the failure policy was given explicitly (MultiConnector members may not set it).
   * @internal
   */
  public readonly _explicitPolicy: boolean;

  private constructor(impl: ConnectorImpl, options: KvConnectorCommonOptions) {
    const policy = options?.kvLoadFailurePolicy ?? KvLoadFailurePolicy.FAIL;
    if (!Object.values(KvLoadFailurePolicy).includes(policy)) {
      throw invalid(`KvConnector (${impl.displayName})`, 'kvLoadFailurePolicy', policy,
        `must be one of ${show(Object.values(KvLoadFailurePolicy))}`);
    }
    this._impl = impl;
    this._explicitPolicy = options?.kvLoadFailurePolicy !== undefined;
    this.displayName = impl.displayName;
    this.kvLoadFailurePolicy = policy;
  }

  /**
   * The request flow this connector needs from a router, or undefined when it moves no KV between tiers.
   */
  public get transport(): string | undefined {
    return this._impl.transport();
  }

  /** @internal */
  public _transport(): Transport | undefined {
    return this._impl.transport();
  }

  /** @internal */
  public _defaultKvRole(tier: TierRole): KvRole {
    return this._impl.defaultKvRole(tier);
  }

  /**
   * Validates the connector for one tier: version, the connector's own rules, the role.
   * @internal
   */
  public _validate(spec: TierSpec): void {
    requireCapability(spec.version, Capability.KV_LOAD_FAILURE_POLICY, spec.where, 'kvLoadFailurePolicy', this.kvLoadFailurePolicy);
    validateConnector(this._impl, spec);
  }

  /**
   * Everything this connector renders into a tier: the one call tiers make. `router` is known only at synth.
   * @internal
   */
  public _render(spec: TierSpec, router?: RouterEndpoint): TierConnectorRendering {
    const r = this._impl.render(spec, router);
    return {
      transferConfig: kvTransferConfig(r, spec.kvRole, this.kvLoadFailurePolicy),
      pod: r.pod,
      configFiles: r.configFiles ?? [],
      engineDefaults: r.engineDefaults ?? {},
      endpoints: r.endpoints ?? {},
    };
  }

  /**
   * The KVTransferConfig object for one tier (a shorthand of `_render(spec).transferConfig`).
   * @internal
   */
  public _transferConfig(spec: TierSpec): Record<string, unknown> {
    return this._render(spec).transferConfig;
  }

  /** @internal */
  public _needsRouterAddress(): boolean {
    return this._impl.needsRouterAddress?.() ?? false;
  }

  /**
   * Rules spanning prefill and decode.
   * @internal
   */
  public _validatePair(pair: PairSpec): void {
    this._impl.validatePair?.(pair);
  }

  /**
   * Everything this connector renders into a tier with spec `spec`. Two connectors with equal
   * signatures for the same spec are interchangeable, however their options were spelled.
   * @internal
   */
  public _signature(spec: TierSpec): string {
    const r = this._render(spec);
    const pod = r.pod;
    return JSON.stringify({
      config: r.transferConfig,
      env: pod.env ?? [],
      ports: pod.ports ?? [],
      volumes: pod.volumes ?? [],
      pod: { hostIpc: pod.hostIpc, affinity: pod.affinity, annotations: pod.annotations, labels: pod.labels },
      memory: pod.extraMemoryBytes ?? 0,
      shm: pod.sharedMemoryBytes ?? 0,
      engine: r.engineDefaults,
      files: r.configFiles,
      endpoints: r.endpoints,
    });
  }
}
