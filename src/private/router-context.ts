/**
 * The router contract: each file under src/routers/ implements `RouterImpl`, and `RouterStrategy` wraps it.
 * A router binds to a resolved pair and answers with one `RouterRendering`: its container, what it adds to
 * each tier's pods, and (through `renderObjects`) any objects of its own.
 */
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ConnectorEndpoints, Transport } from './connector-context';
import { PodContribution, PodPort } from './pod-contribution';
import type { TierSpec } from './tier-spec';
import type { TierRole } from '../roles';
import { RouterDiscovery } from '../router-discovery';
import type { RouterTracingOptions } from '../tracing';

/** One tier as a router sees it: its spec, its Service and the endpoints its connector opened. */
export interface BoundTier {
  readonly spec: TierSpec;
  /** Name of the tier's ClusterIP Service. */
  readonly serviceName: string;
  readonly endpoints: ConnectorEndpoints;
}

/** What a router implementation gets from `PdRouter`. */
export interface RouterContext {
  readonly where: string;
  readonly prefill: BoundTier;
  readonly decode: BoundTier;
  readonly discovery: RouterDiscovery;
  /** The connector's request flow. */
  readonly transport: Transport;
  /** The router's HTTP port. */
  readonly port: number;
  readonly replicas: number;
  /** Name of an env var holding the pod's namespace (downward API), for args. */
  readonly namespaceEnv: string;
  /** OpenTelemetry tracing of the router, if asked for. */
  readonly tracing?: RouterTracingOptions;
}

/** Everything a router renders for one pair. */
export interface RouterRendering {
  /**
   * The router container (PdRouter adds the namespace env and renders its `ports` from `ports`, so leave
   * the container's own `ports` empty).
   */
  readonly container: k8s.Container;
  /**
   * Every port the router container listens on, with the peers that dial it: its HTTP port (clients),
   * metrics, a connector's side port. The container ports and the NetworkPolicies are derived from these.
   */
  readonly ports: PodPort[];
  /** Whether it needs the Kubernetes API (ServiceAccount token + pod RBAC). */
  readonly needsKubernetesApi: boolean;
  /** The port where connectors send side traffic to the router, if any (exposed on the router Service). */
  readonly connectorPort?: number;
  /** The container port (named `metrics`) where the router serves Prometheus metrics, exposed on its Service. */
  readonly metricsPort?: number;
  /** What it adds to the prefill pods (labels it matches, later a sidecar). */
  readonly prefill?: PodContribution;
  /** What it adds to the decode pods (e.g. the llm-d routing sidecar). */
  readonly decode?: PodContribution;
}

/** What one router implementation provides. */
export interface RouterImpl {
  readonly displayName: string;
  /** The request flows this router implements. */
  readonly supportedTransports: Transport[];
  /**
   * Why only one router pod may run with this flow (then replicas default to 1, more are refused and the
   * rollout recreates the pod), or undefined when replicas are free (they default to 2).
   */
  singleReplicaReason(transport: Transport): string | undefined;
  /** Warnings for this router and pair that do not stop it, e.g. per-replica routing state. */
  warnings?(ctx: RouterContext): string[];
  /** Rules for this router and pair; throws with a prop-naming message. */
  validate(ctx: RouterContext): void;
  render(ctx: RouterContext): RouterRendering;
  /**
   * Objects of the router's own beyond its Deployment and Service (an EPP config, an InferencePool, an
   * HTTPRoute), created in the PdRouter's scope.
   */
  renderObjects?(scope: Construct, ctx: RouterContext): void;
  /**
   * Refuses an autoscaler range this router cannot route, e.g. a routing policy that needs two workers.
   * `where` and `prop` name the autoscaler's prop in the message.
   */
  validateScaling?(ctx: RouterContext, scaling: ScalingRange): void;
}

/** An autoscaler's replica range for one tier, as routers check it. */
export interface ScalingRange {
  /** The autoscaler, for messages. */
  readonly where: string;
  readonly tier: TierRole;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/** What a tier keeps of its router to check an autoscaler bound before or after it. */
export interface RouterScalingRule {
  check(scaling: ScalingRange): void;
}
