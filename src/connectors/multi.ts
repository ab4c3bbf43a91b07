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
    // A nested chain is flattened first, so multi([nixl, multi([nixl, offloading])]) is caught too.
    const names = members.flatMap(leafNames);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
      throw invalid(where, 'connectors', names, `chains ${dup} twice; chain each connector once`);
    }
    let transports = [...new Set(members.map(m => m._transport()).filter((t): t is Transport => t !== undefined))];
    // Shared storage works under any prefill-then-decode flow (the docs chain NIXL + ExampleConnector), so it
    // does not compete with another transport for the router.
    if (transports.length > 1) transports = transports.filter(t => t !== Transport.SHARED_STORAGE);
    if (transports.length > 1) {
      throw invalid(where, 'connectors', names,
        `chains ${transports.length} transports (${transports.join(', ')}); a router implements one request flow, so keep one`);
    }
    this.members = members;
    this.options = { connectors: members };
  }

  /** The display names of the non-chain connectors inside this chain, nested chains flattened. */
  public leafNames(): string[] {
    return this.members.flatMap(leafNames);
  }

  public transport(): Transport | undefined {
    const ts = this.members.map(m => m._transport()).filter((t): t is Transport => t !== undefined);
    return ts.find(t => t !== Transport.SHARED_STORAGE) ?? ts[0];
  }

  /** The member whose request flow the chain uses, if any. */
  private transportMember(): KvConnector | undefined {
    const t = this.transport();
    return t === undefined ? undefined : this.members.find(m => m._transport() === t);
  }

  /** Each member carries its own kv_role in vLLM: the chain's role where the member allows it, else its own default. */
  private memberRole(m: KvConnector, ctx: TierContext): KvRole {
    return m._allowedKvRoles(ctx.tier).includes(ctx.kvRole) ? ctx.kvRole : m._defaultKvRole(ctx.tier);
  }

  private memberContext(m: KvConnector, i: number, ctx: TierContext): TierContext {
    return { ...ctx, kvRole: this.memberRole(m, ctx), where: `${ctx.where} kvConnector.connectors[${i}]` };
  }

  public connectorName(_version: VllmVersion): string {
    return 'MultiConnector';
  }

  public allowedKvRoles(tier: TierRole): KvRole[] {
    // The chain's top-level role follows its transport member (the one that moves KV between tiers).
    const lead = this.transportMember() ?? this.members[0];
    return lead._allowedKvRoles(tier);
  }

  public defaultKvRole(tier: TierRole): KvRole {
    // Prefer a role every member accepts (the seed's NIXL + Offloading chain is kv_both throughout).
    const allowed = this.allowedKvRoles(tier);
    const common = allowed.filter(r => this.members.every(m => m._allowedKvRoles(tier).includes(r)));
    const lead = (this.transportMember() ?? this.members[0])._defaultKvRole(tier);
    return common.includes(lead) ? lead : (common[0] ?? lead);
  }

  public extraConfig(ctx: TierContext): Record<string, unknown> {
    return { connectors: this.members.map((m, i) => m._transferConfig(this.memberContext(m, i, ctx), false)) };
  }

  public pairSignature(ctx: TierContext): unknown {
    return this.members.map((m, i) => m._impl.pairSignature?.(this.memberContext(m, i, ctx)));
  }

  public env(ctx: TierContext): k8s.EnvVar[] {
    const env = this.members.flatMap((m, i) => m._env(this.memberContext(m, i, ctx)));
    const names = env.map(e => e.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw invalid(ctx.where, 'kvConnector', this.members.map(m => m.displayName), `sets env '${dup}' twice; chain each connector once`);
    return env;
  }

  public ports(ctx: TierContext): k8s.ContainerPort[] {
    return this.members.flatMap((m, i) => m._ports(this.memberContext(m, i, ctx)));
  }

  public servicePortNames(ctx: TierContext): string[] {
    return this.members.flatMap((m, i) => m._servicePortNames(this.memberContext(m, i, ctx)));
  }

  public volumes(ctx: TierContext): ConnectorVolume[] {
    return this.members.flatMap((m, i) => m._volumes(this.memberContext(m, i, ctx)));
  }

  public pod(ctx: TierContext): ConnectorPodSettings {
    const pods = this.members.map((m, i) => m._pod(this.memberContext(m, i, ctx)));
    const affinities = pods.filter(p => p.affinity !== undefined);
    return {
      hostIpc: pods.some(p => p.hostIpc) || undefined,
      affinity: affinities[0]?.affinity,
      annotations: Object.assign({}, ...pods.map(p => p.annotations ?? {})),
    };
  }

  public extraMemoryBytes(ctx: TierContext): number {
    return this.members.reduce((sum, m, i) => sum + m._extraMemoryBytes(this.memberContext(m, i, ctx)), 0);
  }

  public engineDefaults(ctx: TierContext): { enableChunkedPrefill?: boolean } {
    return Object.assign({}, ...this.members.map((m, i) => m._engineDefaults(this.memberContext(m, i, ctx))));
  }

  public objects(scope: Construct, ctx: TierContext, router: () => RouterBinding | undefined): ConnectorVolume[] {
    return this.members.flatMap((m, i) => m._objects(new Construct(scope, `Member${i}`), this.memberContext(m, i, ctx), router));
  }

  public needsRouterAddress(): boolean {
    return this.members.some(m => m._needsRouterAddress());
  }

  public validateTier(ctx: TierContext): void {
    requireCapability(ctx.version, Capability.MULTI_CONNECTOR, ctx.where, 'kvConnector', this.displayName);
    // Members are validated recursively, each with the role it is rendered with.
    this.members.forEach((m, i) => m._validate(this.memberContext(m, i, ctx)));
  }

  public validatePair(pair: PairContext): void {
    for (const m of this.members) m._validatePair(pair);
  }
}

function leafNames(m: KvConnector): string[] {
  return m._impl instanceof MultiConnectorImpl ? m._impl.leafNames() : [m.displayName];
}
