import { k8s } from 'cdk8s-plus-28';
import { Model } from '../model';
import { KvRole, TierRole } from '../roles';
import { VllmVersion } from '../vllm-version';

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
  /** The vLLM HTTP port (`--port`). */
  readonly port: number;
  readonly blockSize?: number;
  readonly enableChunkedPrefill?: boolean;
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

/**
 * What one connector implementation provides. Each connector file under src/connectors/ implements
 * this; `KvConnector` wraps it, so connector files never import the public class at run time.
 */
export interface ConnectorImpl {
  /** Name for messages, e.g. `NixlConnector`. */
  readonly displayName: string;
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
  volumes?(ctx: TierContext): ConnectorVolume[];
  /** Rules about one tier; throws with a prop-naming message. */
  validateTier?(ctx: TierContext): void;
  /** Rules spanning prefill and decode; throws with a prop-naming message. */
  validatePair?(pair: PairContext): void;
}
