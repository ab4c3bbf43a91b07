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
import { RouterDiscovery } from '../router-discovery';

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
  /** Rules for this router and pair; throws with a prop-naming message. */
  validate(ctx: RouterContext): void;
  render(ctx: RouterContext): RouterRendering;
  /**
   * Objects of the router's own beyond its Deployment and Service (an EPP config, an InferencePool, an
   * HTTPRoute), created in the PdRouter's scope.
   */
  renderObjects?(scope: Construct, ctx: RouterContext): void;
}
