import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { KvConnector } from '../kv-connector';
import { Capability, requireCapability } from '../private/compat';
import {
  ConnectorImpl, ConnectorPodSettings, ConnectorVolume, PairContext, RouterBinding, TierContext, Transport,
} from '../private/connector-context';
import { invalid } from '../private/errors';
import { KvRole, TierRole } from '../roles';
import { VllmVersion } from '../vllm-version';

/**
 * vLLM's MultiConnector: `kv_connector_extra_config.connectors` is an ordered list of member
 * KVTransferConfigs; loads are tried in order (v1/multi_connector.py). The failure policy belongs to the
 * top level only (vllm-ascend kv_pool docs), so members may not set it.
 */
export class MultiConnectorImpl implements ConnectorImpl {
  public readonly displayName = 'MultiConnector';
  public readonly options: { connectors: KvConnector[] };
  private readonly members: KvConnector[];

  public constructor(members: KvConnector[]) {
    const where = 'KvConnector.multi';
    if (!Array.isArray(members) || members.length < 2) {
      throw invalid(where, 'connectors', members?.length ?? members, 'must list at least two connectors to chain');
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
    const names = members.map(m => m.displayName);
    const transports = [...new Set(members.map(m => m._transport()).filter((t): t is Transport => t !== undefined))];
    if (transports.length > 1) {
      throw invalid(where, 'connectors', names,
        `chains ${transports.length} transports (${transports.join(', ')}); a router implements one request flow, so keep one`);
    }
    this.members = members;
    this.options = { connectors: members };
  }

  public transport(): Transport | undefined {
    return this.members.map(m => m._transport()).find(t => t !== undefined);
  }

  public connectorName(_version: VllmVersion): string {
    return 'MultiConnector';
  }

  public allowedKvRoles(tier: TierRole): KvRole[] {
    // The chain's role must suit every member (e.g. NIXL + Offloading on prefill: only kv_both).
    return Object.values(KvRole).filter(r => this.members.every(m => m._allowedKvRoles(tier).includes(r)));
  }

  public defaultKvRole(tier: TierRole): KvRole {
    const allowed = this.allowedKvRoles(tier);
    const first = this.members[0]._defaultKvRole(tier);
    return allowed.includes(first) ? first : (allowed[0] ?? first);
  }

  public extraConfig(ctx: TierContext): Record<string, unknown> {
    return { connectors: this.members.map(m => m._transferConfig(ctx, false)) };
  }

  public env(ctx: TierContext): k8s.EnvVar[] {
    const env = this.members.flatMap(m => m._env(ctx));
    const names = env.map(e => e.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw invalid(ctx.where, 'kvConnector', this.members.map(m => m.displayName), `sets env '${dup}' twice; chain each connector once`);
    return env;
  }

  public ports(ctx: TierContext): k8s.ContainerPort[] {
    return this.members.flatMap(m => m._ports(ctx));
  }

  public volumes(ctx: TierContext): ConnectorVolume[] {
    return this.members.flatMap(m => m._volumes(ctx));
  }

  public pod(ctx: TierContext): ConnectorPodSettings {
    const pods = this.members.map(m => m._pod(ctx));
    const affinities = pods.filter(p => p.affinity !== undefined);
    return {
      hostIpc: pods.some(p => p.hostIpc) || undefined,
      affinity: affinities[0]?.affinity,
      annotations: Object.assign({}, ...pods.map(p => p.annotations ?? {})),
    };
  }

  public extraMemoryBytes(ctx: TierContext): number {
    return this.members.reduce((sum, m) => sum + m._extraMemoryBytes(ctx), 0);
  }

  public engineDefaults(ctx: TierContext): { enableChunkedPrefill?: boolean } {
    return Object.assign({}, ...this.members.map(m => m._engineDefaults(ctx)));
  }

  public objects(scope: Construct, ctx: TierContext, router: () => RouterBinding | undefined): ConnectorVolume[] {
    return this.members.flatMap((m, i) => m._objects(new Construct(scope, `Member${i}`), ctx, router));
  }

  public needsRouterAddress(): boolean {
    return this.members.some(m => m._needsRouterAddress());
  }

  public validateTier(ctx: TierContext): void {
    requireCapability(ctx.version, Capability.MULTI_CONNECTOR, ctx.where, 'kvConnector', this.displayName);
    // Members are validated recursively, each with the chain's role.
    this.members.forEach((m, i) => m._validate({ ...ctx, where: `${ctx.where} kvConnector.connectors[${i}]` }));
  }

  public validatePair(pair: PairContext): void {
    for (const m of this.members) m._validatePair(pair);
  }
}
