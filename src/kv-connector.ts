import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ExampleConnectorImpl, ExampleConnectorOptions } from './connectors/example';
import { LmcacheConnectorImpl, LmcacheConnectorOptions } from './connectors/lmcache';
import { MooncakeConnectorImpl, MooncakeConnectorOptions } from './connectors/mooncake';
import { MultiConnectorImpl } from './connectors/multi';
import { NixlConnectorImpl, NixlConnectorOptions } from './connectors/nixl';
import { OffloadingConnectorImpl, OffloadingConnectorOptions } from './connectors/offloading';
import { P2pNcclConnectorImpl, P2pNcclConnectorOptions } from './connectors/p2p-nccl';
import { checkStruct } from './private/boundary';
import { Capability, requireCapability } from './private/compat';
import {
  ConnectorImpl, ConnectorPodSettings, ConnectorVolume, PairContext, RouterBinding, TierContext, Transport,
} from './private/connector-context';
import { invalid, show } from './private/errors';
import {
  EXAMPLE_CONNECTOR_OPTIONS, KV_CONNECTOR_COMMON_OPTIONS, LMCACHE_CONNECTOR_OPTIONS, MOONCAKE_CONNECTOR_OPTIONS,
  NIXL_CONNECTOR_OPTIONS, OFFLOADING_CONNECTOR_OPTIONS, P2P_NCCL_CONNECTOR_OPTIONS,
} from './private/factory-keys';
import { KvRole, TierRole } from './roles';

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
    options = checkStruct('KvConnector.multi', 'options', options, KV_CONNECTOR_COMMON_OPTIONS) ?? {};
    (Array.isArray(connectors) ? connectors : []).forEach((m, i) => {
      if (!(m instanceof KvConnector)) throw invalid('KvConnector.multi', `connectors[${i}]`, m, 'must be a KvConnector from a KvConnector factory');
    });
    return new KvConnector(new MultiConnectorImpl(connectors ?? []), options);
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

  /** @internal */
  public _allowedKvRoles(tier: TierRole): KvRole[] {
    return this._impl.allowedKvRoles(tier);
  }

  /**
   * Validates the connector for one tier: role, version, the connector's own rules.
   * @internal
   */
  public _validate(ctx: TierContext): void {
    // Version and connector rules first: "this release has no such connector" beats a role complaint.
    requireCapability(ctx.version, Capability.KV_LOAD_FAILURE_POLICY, ctx.where, 'kvLoadFailurePolicy', this.kvLoadFailurePolicy);
    this._impl.validateTier?.(ctx);
    const allowed = this._impl.allowedKvRoles(ctx.tier);
    if (!allowed.includes(ctx.kvRole)) {
      throw invalid(ctx.where, 'kvRole', ctx.kvRole,
        `is not allowed for ${this.displayName} on a ${ctx.tier} tier; allowed: ${allowed.join(', ')}`);
    }
  }

  /**
   * The KVTransferConfig object for one tier. Field order is fixed so output is byte-identical.
   * `topLevel: false` renders a MultiConnector member (no failure policy).
   * @internal
   */
  public _transferConfig(ctx: TierContext, topLevel = true): Record<string, unknown> {
    const impl = this._impl;
    const config: Record<string, unknown> = {
      kv_connector: impl.connectorName(ctx.version),
      kv_role: ctx.kvRole,
      ...(impl.topLevelFields?.(ctx) ?? {}),
    };
    if (topLevel) {
      config.kv_load_failure_policy = this.kvLoadFailurePolicy;
    }
    const extra = impl.extraConfig?.(ctx);
    if (extra !== undefined) {
      config.kv_connector_extra_config = extra;
    }
    return config;
  }

  /** @internal */
  public _env(ctx: TierContext): k8s.EnvVar[] {
    return this._impl.env?.(ctx) ?? [];
  }

  /** @internal */
  public _ports(ctx: TierContext): k8s.ContainerPort[] {
    return this._impl.ports?.(ctx) ?? [];
  }

  /** @internal */
  public _servicePortNames(ctx: TierContext): string[] {
    return this._impl.servicePortNames?.(ctx) ?? [];
  }

  /** @internal */
  public _volumes(ctx: TierContext): ConnectorVolume[] {
    return this._impl.volumes?.(ctx) ?? [];
  }

  /** @internal */
  public _pod(ctx: TierContext): ConnectorPodSettings {
    return this._impl.pod?.(ctx) ?? {};
  }

  /** @internal */
  public _extraMemoryBytes(ctx: TierContext): number {
    return this._impl.extraMemoryBytes?.(ctx) ?? 0;
  }

  /** @internal */
  public _engineDefaults(ctx: TierContext): { enableChunkedPrefill?: boolean } {
    return this._impl.engineDefaults?.(ctx) ?? {};
  }

  /** @internal */
  public _objects(scope: Construct, ctx: TierContext, router: () => RouterBinding | undefined): ConnectorVolume[] {
    return this._impl.objects?.(scope, ctx, router) ?? [];
  }

  /** @internal */
  public _needsRouterAddress(): boolean {
    return this._impl.needsRouterAddress?.() ?? false;
  }

  /**
   * Rules spanning prefill and decode.
   * @internal
   */
  public _validatePair(pair: PairContext): void {
    this._impl.validatePair?.(pair);
  }

  /**
   * Everything this connector renders into a tier with context `ctx`. Two connectors with equal
   * signatures in the same context are interchangeable, however their options were spelled.
   * @internal
   */
  public _signature(ctx: TierContext): string {
    return JSON.stringify({
      config: this._transferConfig(ctx),
      env: this._env(ctx),
      ports: this._ports(ctx),
      volumes: this._volumes(ctx),
      pod: this._pod(ctx),
      memory: this._extraMemoryBytes(ctx),
      engine: this._engineDefaults(ctx),
      extra: this._impl.pairSignature?.(ctx),
    });
  }
}
