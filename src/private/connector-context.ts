import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Model } from '../model';
import { KvRole, TierRole } from '../roles';
import { VllmVersion } from '../vllm-version';

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

/** What the router tells tiers once a `PdRouter` is created for them. */
export interface RouterBinding {
  /** DNS name of the router Service (same namespace). */
  readonly serviceName: string;
  /** Port on the router Service where the connector's side traffic goes (ZMQ registration, LMCache notifications). */
  readonly connectorPort?: number;
  /** Extra pod labels the router needs on this tier's pods (not part of the selector). */
  readonly podLabels?: { [key: string]: string };
}

/** What a connector knows about the tier it is rendered into. */
export interface TierContext {
  /** "PrefillTier 'Prefill'", used as the subject of error messages. */
  readonly where: string;
  readonly tier: TierRole;
  readonly kvRole: KvRole;
  readonly version: VllmVersion;
  readonly model: Model;
  readonly tensorParallelSize: number;
  readonly pipelineParallelSize: number;
  readonly dataParallelSize: number;
  readonly gpusPerPod: number;
  /** The vLLM HTTP port (`--port`). */
  readonly port: number;
  readonly blockSize?: number;
  readonly enableChunkedPrefill?: boolean;
  /** `--max-model-len`, if set. */
  readonly maxModelLen?: number;
  /** Whether the user set the tier's memory explicitly. */
  readonly memoryExplicit: boolean;
  /** Labels shared by all pods of this PD deployment (both tiers), for co-scheduling. */
  readonly instanceLabels: { [key: string]: string };
  /** Set once a PdRouter is bound; only available when rendering lazily at synth time. */
  readonly router?: RouterBinding;
}

/** Both tiers of one PD deployment, for rules that span them. */
export interface PairContext {
  /** Subject of error messages, e.g. "PdRouter 'Router'". */
  readonly where: string;
  readonly prefill: TierContext;
  readonly decode: TierContext;
}

/** A volume a connector needs in the vLLM pod, with its mount. */
export interface ConnectorVolume {
  readonly volume: k8s.Volume;
  readonly mount: k8s.VolumeMount;
}

/** Pod-level settings a connector needs. */
export interface ConnectorPodSettings {
  readonly hostIpc?: boolean;
  readonly affinity?: k8s.Affinity;
  readonly annotations?: { [key: string]: string };
}

/**
 * What one connector implementation provides. Each connector file under src/connectors/ implements
 * this; `KvConnector` wraps it, so connector files never import the public class at run time.
 */
export interface ConnectorImpl {
  /** Name for messages, e.g. `NixlConnector`. */
  readonly displayName: string;
  /** The options it was created with; two connectors with equal options are interchangeable. */
  readonly options: unknown;
  /** The request flow it needs from a router, or undefined when it moves no KV between tiers. */
  transport(): Transport | undefined;
  /** The name rendered as `kv_connector` for this vLLM version (connectors get renamed). */
  connectorName(version: VllmVersion): string;
  defaultKvRole(tier: TierRole): KvRole;
  allowedKvRoles(tier: TierRole): KvRole[];
  /** Connector-specific top-level KVTransferConfig fields (e.g. `kv_buffer_device`). */
  topLevelFields?(ctx: TierContext): Record<string, unknown>;
  /** `kv_connector_extra_config`, or undefined for none. */
  extraConfig?(ctx: TierContext): Record<string, unknown> | undefined;
  env?(ctx: TierContext): k8s.EnvVar[];
  ports?(ctx: TierContext): k8s.ContainerPort[];
  /** Names of container ports that must also be reachable through the tier's Service (e.g. Mooncake bootstrap). */
  servicePortNames?(ctx: TierContext): string[];
  volumes?(ctx: TierContext): ConnectorVolume[];
  pod?(ctx: TierContext): ConnectorPodSettings;
  /** Host memory the connector allocates per pod, added to the memory request and limit. */
  extraMemoryBytes?(ctx: TierContext): number;
  /** Engine settings the connector forces when the user left them unset. */
  engineDefaults?(ctx: TierContext): { enableChunkedPrefill?: boolean };
  /**
   * Extra Kubernetes objects (e.g. a ConfigMap) in the tier's scope, and the volumes that mount them.
   * Content may depend on `router()`, which is only known at synth time (use Lazy).
   */
  objects?(scope: Construct, ctx: TierContext, router: () => RouterBinding | undefined): ConnectorVolume[];
  /** True when the connector's config needs the router's address (so the tier needs a PdRouter). */
  needsRouterAddress?(): boolean;
  /** Rendered state not covered by the other methods (e.g. LMCache's config file), for pair comparison. */
  pairSignature?(ctx: TierContext): unknown;
  /** Rules about one tier; throws with a prop-naming message. */
  validateTier?(ctx: TierContext): void;
  /** Rules spanning prefill and decode; throws with a prop-naming message. */
  validatePair?(pair: PairContext): void;
}
