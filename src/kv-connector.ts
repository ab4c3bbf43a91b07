import { k8s } from 'cdk8s-plus-28';
import { NixlConnectorImpl, NixlConnectorOptions } from './connectors/nixl';
import { Capability, requireCapability } from './private/compat';
import { ConnectorImpl, ConnectorVolume, PairContext, TierContext } from './private/connector-context';
import { invalid, show } from './private/errors';
import { KvRole, TierRole } from './roles';

/**
 * `KVTransferConfig.kv_load_failure_policy`: what decode does when loading remote KV fails
 * (vllm/config/kv_transfer.py; PR #19330 added it, PR #34896 changed the default to `fail`).
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
   * with vLLM's default (which flipped from `recompute` to `fail` in PR #34896).
   *
   * @default KvLoadFailurePolicy.FAIL
   * @see https://docs.vllm.ai/en/latest/api/vllm/config/kv_transfer/
   */
  readonly kvLoadFailurePolicy?: KvLoadFailurePolicy;
}

/**
 * A KV connector: how prefill hands KV caches to decode.
 *
 * Each connector owns its `--kv-transfer-config` JSON, environment, container ports, volumes and
 * rules (one file per connector under `src/connectors/`). Pick one with a static factory, e.g.
 * `KvConnector.nixl({ backends: [NixlBackend.UCX] })`.
 */
export class KvConnector {
  /**
   * NIXL (`NixlConnector`): fully asynchronous RDMA/UCX transfer, decode pulls KV from prefill.
   * The production default.
   *
   * @see https://docs.vllm.ai/en/latest/features/nixl_connector_usage.html
   */
  public static nixl(options: NixlConnectorOptions = {}): KvConnector {
    return new KvConnector(new NixlConnectorImpl(options), options);
  }

  /** The connector's name for messages, e.g. `NixlConnector`. */
  public readonly displayName: string;

  /** The failure policy rendered at the top level of the KVTransferConfig. */
  public readonly kvLoadFailurePolicy: KvLoadFailurePolicy;

  /** @internal */
  public readonly _impl: ConnectorImpl;

  private constructor(impl: ConnectorImpl, options: KvConnectorCommonOptions) {
    const policy = options.kvLoadFailurePolicy ?? KvLoadFailurePolicy.FAIL;
    if (!Object.values(KvLoadFailurePolicy).includes(policy)) {
      throw invalid(`KvConnector (${impl.displayName})`, 'kvLoadFailurePolicy', policy,
        `must be one of ${show(Object.values(KvLoadFailurePolicy))}`);
    }
    this._impl = impl;
    this.displayName = impl.displayName;
    this.kvLoadFailurePolicy = policy;
  }

  /**
   * The `kv_role` a tier gets when it does not choose one.
   * @internal
   */
  public _defaultKvRole(tier: TierRole): KvRole {
    return this._impl.defaultKvRole(tier);
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
  public _volumes(ctx: TierContext): ConnectorVolume[] {
    return this._impl.volumes?.(ctx) ?? [];
  }

  /**
   * Rules spanning prefill and decode.
   * @internal
   */
  public _validatePair(pair: PairContext): void {
    this._impl.validatePair?.(pair);
  }

  /**
   * The whole KVTransferConfig object for one tier, validated. Field order is fixed so output is
   * byte-identical across runs.
   * @internal
   */
  public _transferConfig(ctx: TierContext): Record<string, unknown> {
    const impl = this._impl;
    const allowed = impl.allowedKvRoles(ctx.tier);
    if (!allowed.includes(ctx.kvRole)) {
      throw invalid(ctx.where, 'kvRole', ctx.kvRole,
        `is not allowed for ${impl.displayName} on a ${ctx.tier} tier; allowed: ${allowed.join(', ')}`);
    }
    requireCapability(ctx.version, Capability.KV_LOAD_FAILURE_POLICY, ctx.where, 'kvLoadFailurePolicy', this.kvLoadFailurePolicy);
    impl.validateTier?.(ctx);
    const config: Record<string, unknown> = {
      kv_connector: impl.connectorName(ctx.version),
      kv_role: ctx.kvRole,
      ...(impl.topLevelFields?.(ctx) ?? {}),
      kv_load_failure_policy: this.kvLoadFailurePolicy,
    };
    const extra = impl.extraConfig?.(ctx);
    if (extra !== undefined) {
      config.kv_connector_extra_config = extra;
    }
    return config;
  }
}
