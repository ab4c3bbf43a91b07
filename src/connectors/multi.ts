import { Capability, requireCapability } from '../private/compat';
import {
  ConnectorImpl, ConnectorRendering, kvTransferConfig, PairSpec, RouterEndpoint, Transport, validateConnector,
} from '../private/connector-context';
import { invalid } from '../private/errors';
import { asContribution, mergePod } from '../private/pod-contribution';
import type { TierSpec } from '../private/tier-spec';
import { KvRole, TierRole } from '../roles';

/**
 * vLLM's MultiConnector: `kv_connector_extra_config.connectors` is an ordered list of member
 * KVTransferConfigs; loads are tried in order (v1/multi_connector.py). The failure policy belongs to the
 * top level only (vllm-ascend kv_pool docs), so members may not set it (`KvConnector.multi` checks that).
 */
export class MultiConnectorImpl implements ConnectorImpl {
  public readonly displayName = 'MultiConnector';
  private readonly members: ConnectorImpl[];

  public constructor(members: ConnectorImpl[]) {
    const where = 'KvConnector.multi';
    // A nested chain is flattened first, so multi([nixl, multi([nixl, offloading])]) is caught too.
    const names = members.flatMap(leafNames);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) {
      throw invalid(where, 'connectors', names, `chains ${dup} twice; chain each connector once`);
    }
    let transports = [...new Set(members.map(m => m.transport()).filter((t): t is Transport => t !== undefined))];
    // Shared storage works under any prefill-then-decode flow (the docs chain NIXL + ExampleConnector), so it
    // does not compete with another transport for the router.
    if (transports.length > 1) transports = transports.filter(t => t !== Transport.SHARED_STORAGE);
    if (transports.length > 1) {
      throw invalid(where, 'connectors', names,
        `chains ${transports.length} transports (${transports.join(', ')}); a router implements one request flow, so keep one`);
    }
    this.members = members;
  }

  /** The display names of the non-chain connectors inside this chain, nested chains flattened. */
  public leafNames(): string[] {
    return this.members.flatMap(leafNames);
  }

  public transport(): Transport | undefined {
    const ts = this.members.map(m => m.transport()).filter((t): t is Transport => t !== undefined);
    return ts.find(t => t !== Transport.SHARED_STORAGE) ?? ts[0];
  }

  /** The member whose request flow the chain uses, if any. */
  private transportMember(): ConnectorImpl | undefined {
    const t = this.transport();
    return t === undefined ? undefined : this.members.find(m => m.transport() === t);
  }

  /** Each member carries its own kv_role in vLLM: the chain's role where the member allows it, else its own default. */
  private memberRole(m: ConnectorImpl, spec: TierSpec): KvRole {
    return m.allowedKvRoles(spec.tier).includes(spec.kvRole) ? spec.kvRole : m.defaultKvRole(spec.tier);
  }

  private memberSpec(m: ConnectorImpl, i: number, spec: TierSpec): TierSpec {
    return { ...spec, kvRole: this.memberRole(m, spec), where: `${spec.where} kvConnector.connectors[${i}]` };
  }

  public allowedKvRoles(tier: TierRole): KvRole[] {
    // The chain's top-level role follows its transport member (the one that moves KV between tiers).
    const lead = this.transportMember() ?? this.members[0];
    return lead.allowedKvRoles(tier);
  }

  public defaultKvRole(tier: TierRole): KvRole {
    // Prefer a role every member accepts (the seed's NIXL + Offloading chain is kv_both throughout).
    const allowed = this.allowedKvRoles(tier);
    const common = allowed.filter(r => this.members.every(m => m.allowedKvRoles(tier).includes(r)));
    const lead = (this.transportMember() ?? this.members[0]).defaultKvRole(tier);
    return common.includes(lead) ? lead : (common[0] ?? lead);
  }

  public spansNodes(): boolean {
    return this.members.every(m => m.spansNodes?.() === true);
  }

  public needsRouterAddress(): boolean {
    return this.members.some(m => m.needsRouterAddress?.() ?? false);
  }

  public render(spec: TierSpec, router?: RouterEndpoint): ConnectorRendering {
    const rendered = this.members.map((m, i) => {
      const memberSpec = this.memberSpec(m, i, spec);
      return { m, i, memberSpec, r: m.render(memberSpec, router) };
    });
    // The members' pods go through the one merge, so a chain cannot set an env var or port twice.
    const pod = mergePod(spec.where, rendered.map(({ m, i, r }) => ({ from: `kvConnector.connectors[${i}] (${m.displayName})`, pod: r.pod })));
    return {
      connectorName: 'MultiConnector',
      extraConfig: { connectors: rendered.map(({ memberSpec, r }) => kvTransferConfig(r, memberSpec.kvRole, undefined)) },
      pod: asContribution(pod),
      // Each member's objects live under its own scope, so two members' ConfigMaps never share a name.
      configFiles: rendered.flatMap(({ i, r }) => (r.configFiles ?? []).map(f => ({ ...f, path: [`Member${i}`, ...f.path] }))),
      engineDefaults: Object.assign({}, ...rendered.map(({ r }) => r.engineDefaults ?? {})),
      endpoints: Object.assign({}, ...rendered.map(({ r }) => r.endpoints ?? {})),
    };
  }

  public validateTier(spec: TierSpec): void {
    requireCapability(spec.version, Capability.MULTI_CONNECTOR, spec.where, 'kvConnector', this.displayName);
    // Members are validated recursively, each with the role it is rendered with.
    this.members.forEach((m, i) => validateConnector(m, this.memberSpec(m, i, spec)));
  }

  public validatePair(pair: PairSpec): void {
    for (const m of this.members) m.validatePair?.(pair);
  }
}

function leafNames(m: ConnectorImpl): string[] {
  return m instanceof MultiConnectorImpl ? m.leafNames() : [m.displayName];
}
