/**
 * The connector contract: each file under src/connectors/ implements `ConnectorImpl`, and `KvConnector` wraps it.
 * A connector reads a resolved `TierSpec` and answers with one `ConnectorRendering`.
 */
import { invalid } from './errors';
import { PodContribution } from './pod-contribution';
import type { TierSpec } from './tier-spec';
import { KvRole, TierRole } from '../roles';

/**
 * The request flow a connector needs from the router. Routers declare which flows they implement.
 */
export enum Transport {
  /** NIXL pull: router sends prefill, then decode with prefill's kv_transfer_params (toy_proxy_server.py). */
  NIXL_PULL = 'NIXL (pull)',
  /** NIXL push: decode registers blocks with prefill first (disagg_proxy_pushconnector_demo.py). */
  NIXL_PUSH = 'NIXL (push)',
  /** Mooncake: prefill and decode requests sent concurrently, bootstrap server on prefill. */
  MOONCAKE = 'Mooncake',
  /** LMCache PD: the proxy tells prefill where decode is and waits for LMCache's transfer notification. */
  LMCACHE = 'LMCache PD',
  /** P2pNccl: engines register with the proxy over ZMQ; the proxy pairs them by X-Request-Id. */
  P2P_NCCL = 'P2pNccl',
  /** Shared storage: prefill writes KV files, decode finds them by prompt hash; any prefill-then-decode proxy. */
  SHARED_STORAGE = 'shared storage',
}

/**
 * Whether the transport moves KV over UCX, which reads UCX_TLS and UCX_NET_DEVICES: NIXL's default backend, and
 * NIXL under LMCache PD (vllm docs/features/nixl_connector_usage.md "Transport Configuration"; LMCache's PD backend
 * sends over NIXL). Mooncake's transfer engine opens its own verbs queue pairs, P2pNccl and the collectives go
 * through NCCL, so their tiers get no UCX variables, unless `eplb`: EPLB moves experts between the EP ranks with NIXL
 * wherever it is installed (the vllm-openai images install it; `ParallelConfig.__post_init__` picks the "nixl"
 * communicator then, vllm/config/parallel.py of the vllm 0.22.0 and 0.32.0 wheels), whatever the KV connector.
 */
export function usesUcx(transport: Transport | undefined, eplb: boolean): boolean {
  return eplb || transport === Transport.NIXL_PULL || transport === Transport.NIXL_PUSH || transport === Transport.LMCACHE;
}

/** What a connector may know about the router bound to its tier (only at synth time). */
export interface RouterEndpoint {
  /** DNS name of the router Service (same namespace). */
  readonly serviceName: string;
  /** Port on the router Service where the connector's side traffic goes (ZMQ registration, LMCache notifications). */
  readonly connectorPort?: number;
}

/** Typed endpoints a connector opens on a tier, for routers: no round trip through annotations or port names. */
export interface ConnectorEndpoints {
  /** Mooncake: the bootstrap HTTP server of a prefill pod's global rank 0. */
  readonly bootstrapPort?: number;
  /** LMCache PD: decode's receiver init ports, one per TP rank. */
  readonly peerInitPorts?: number[];
  /** LMCache PD: decode's receiver alloc ports, one per TP rank. */
  readonly peerAllocPorts?: number[];
}

/** A config file a connector needs in a ConfigMap of its own, mounted read-only into the tier's pods. */
export interface ConnectorConfigFile {
  /** Construct path of the ConfigMap under the tier, e.g. `['LmcacheConfig']`; part of the object name. */
  readonly path: string[];
  readonly volumeName: string;
  readonly mountPath: string;
  readonly fileName: string;
  /** Rendered as YAML. May depend on the router endpoint. */
  readonly content: Record<string, unknown>;
}

/** Engine settings a connector forces when the user left them unset. */
export interface EngineDefaults {
  readonly enableChunkedPrefill?: boolean;
}

/** Everything one connector renders into one tier. */
export interface ConnectorRendering {
  /** `kv_connector` for this vLLM version (connectors get renamed). */
  readonly connectorName: string;
  /** Connector-specific top-level KVTransferConfig fields (e.g. `kv_buffer_device`). */
  readonly topLevelFields?: Record<string, unknown>;
  /** `kv_connector_extra_config`, or undefined for none. */
  readonly extraConfig?: Record<string, unknown>;
  /** What it adds to the tier's pods. */
  readonly pod: PodContribution;
  readonly configFiles?: ConnectorConfigFile[];
  readonly engineDefaults?: EngineDefaults;
  readonly endpoints?: ConnectorEndpoints;
}

/** A connector's whole output for one tier, with its KVTransferConfig assembled (what `KvConnector._render` returns). */
export interface TierConnectorRendering {
  readonly transferConfig: Record<string, unknown>;
  readonly pod: PodContribution;
  readonly configFiles: ConnectorConfigFile[];
  readonly engineDefaults: EngineDefaults;
  readonly endpoints: ConnectorEndpoints;
}

/** Both tiers of one PD deployment, for rules that span them. */
export interface PairSpec {
  /** Subject of error messages, e.g. "PdRouter 'Router'". */
  readonly where: string;
  readonly prefill: TierSpec;
  readonly decode: TierSpec;
}

/** What one connector implementation provides. */
export interface ConnectorImpl {
  /** Name for messages, e.g. `NixlConnector`. */
  readonly displayName: string;
  /** The request flow it needs from a router, or undefined when it moves no KV between tiers. */
  transport(): Transport | undefined;
  defaultKvRole(tier: TierRole): KvRole;
  allowedKvRoles(tier: TierRole): KvRole[];
  /**
   * True when the connector is known to work in a tier whose replica spans nodes (a LeaderWorkerSet group);
   * the others are refused there.
   */
  spansNodes?(): boolean;
  /** True when the connector's config carries the router's address (so the tier needs a PdRouter). */
  needsRouterAddress?(): boolean;
  /** Rules about one tier; throws with a prop-naming message. */
  validateTier?(spec: TierSpec): void;
  /** Rules spanning prefill and decode; throws with a prop-naming message. */
  validatePair?(pair: PairSpec): void;
  /** The connector's whole output for one tier; `router` is known only once a PdRouter is bound. */
  render(spec: TierSpec, router?: RouterEndpoint): ConnectorRendering;
}

/** Validates one connector for one tier: the connector's own rules first, then the role. */
export function validateConnector(impl: ConnectorImpl, spec: TierSpec): void {
  // Version and connector rules first: "this release has no such connector" beats a role complaint.
  impl.validateTier?.(spec);
  if (spec.nodesPerReplica > 1 && impl.spansNodes?.() !== true) {
    throw invalid(spec.where, 'kvConnector', impl.displayName,
      `is not known to run in a tier spanning nodes (nodesPerReplica ${spec.nodesPerReplica}); ` +
      'NixlConnector is (llm-d guides/wide-ep-lws runs it in LeaderWorkerSet groups). Use KvConnector.nixl() or one node per replica');
  }
  const allowed = impl.allowedKvRoles(spec.tier);
  if (!allowed.includes(spec.kvRole)) {
    throw invalid(spec.where, 'kvRole', spec.kvRole,
      `is not allowed for ${impl.displayName} on a ${spec.tier} tier; allowed: ${allowed.join(', ')}`);
  }
}

/**
 * The KVTransferConfig object of a rendering. Field order is fixed so output is byte-identical; without a
 * policy it is a MultiConnector member.
 */
export function kvTransferConfig(r: ConnectorRendering, kvRole: KvRole, policy: string | undefined): Record<string, unknown> {
  const config: Record<string, unknown> = { kv_connector: r.connectorName, kv_role: kvRole, ...(r.topLevelFields ?? {}) };
  if (policy !== undefined) config.kv_load_failure_policy = policy;
  if (r.extraConfig !== undefined) config.kv_connector_extra_config = r.extraConfig;
  return config;
}
