/**
 * The router contract: each file under src/routers/ implements `RouterImpl`, and `RouterStrategy` wraps it.
 * A router binds to a resolved pair and answers with one `RouterRendering`: its container, what it adds to
 * each tier's pods, and (through `renderObjects`) any objects of its own.
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ConnectorEndpoints, Transport } from './connector-context';
import { invalid } from './errors';
import { PodContribution, PodPort, PortPeer } from './pod-contribution';
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
  /** Whether the user set `port` (a strategy without a client port of its own refuses it rather than ignore it). */
  readonly portExplicit: boolean;
  /** Whether the user set `discovery`. */
  readonly discoveryExplicit: boolean;
  readonly replicas: number;
  /** Whether the user set `replicas` (a warning about several replicas then names their choice, not a default). */
  readonly replicasExplicit: boolean;
  /** `priorityClassName` of the router pods. */
  readonly priorityClassName?: string;
  /** The chart's namespace (the tiers and the router share it), if it has one. */
  readonly namespace?: string;
  /** Name of an env var holding the pod's namespace (downward API), for args. */
  readonly namespaceEnv: string;
  /** OpenTelemetry tracing of the router, if asked for. */
  readonly tracing?: RouterTracingOptions;
}

/**
 * How a router changes a tier's vLLM HTTP port (the `http` port of the `vllm` container): a routing sidecar
 * takes the tier's port and vLLM moves behind it; other components dial it than the default router and scrapers.
 */
export interface HttpPortChange {
  /** vLLM listens here instead of the tier's `port` (`--port`); the tier's port is then the sidecar's. */
  readonly containerPort?: number;
  /** Who dials vLLM's HTTP port, replacing the default (the router and metrics scrapers). */
  readonly peers?: PortPeer[];
}

/** Everything a router renders for one pair. */
export interface RouterRendering {
  /**
   * The router container (PdRouter adds the namespace env and renders its `ports` from `ports`, so leave
   * the container's own `ports` empty), rendered into PdRouter's own Deployment and Service. Absent: the
   * strategy has no router pod of that kind (the llm-d endpoint picker is the scheduler and a Gateway the
   * data plane) and `renderObjects` returns its objects instead.
   */
  readonly container?: k8s.Container;
  /**
   * Every port the router container listens on, with the peers that dial it: its HTTP port (clients),
   * metrics, a connector's side port. The container ports and the NetworkPolicies are derived from these.
   * Empty without a container (the strategy's own pods' ports are `RouterObjects.ports`).
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
  /** How it changes prefill's vLLM HTTP port. */
  readonly prefillHttp?: HttpPortChange;
  /** How it changes decode's vLLM HTTP port (e.g. moved behind the llm-d routing sidecar). */
  readonly decodeHttp?: HttpPortChange;
}

/** The objects of a strategy without a router container: PdRouter exposes them as its own. */
export interface RouterObjects {
  /** The strategy's Deployment (e.g. the llm-d endpoint picker), PdRouter's `deployment`. */
  readonly deployment: ApiObject;
  /** Its Service, PdRouter's `service`. */
  readonly service: ApiObject;
  /** Labels of its objects and pods. */
  readonly labels: { [key: string]: string };
  /** Labels that select its pods. */
  readonly selectorLabels: { [key: string]: string };
  /** The PortPeer that names its pods in other pods' ports (e.g. `PortPeer.EPP`). */
  readonly as: PortPeer;
  /** Its pods' ports, each with the peers that dial it. */
  readonly ports: PodPort[];
  /** Why its pods get no PodDisruptionBudget (e.g. only the elected leader is ready), if they do not. */
  readonly noDisruptionBudget?: string;
  /** Why there is no in-cluster URL clients call (the Gateway decides the address). */
  readonly noUrlReason: string;
  /**
   * Why `networkPolicies.clients` has no default with this strategy (who dials its pods and why the library cannot
   * know where they run), which makes the prop required while the policies are on.
   * @default - the default clients (this namespace) apply
   */
  readonly clientsUnknown?: string;
  /**
   * Its pods' Prometheus endpoint (plain HTTP): the container port's name, the Service port's name, the path. A
   * `monitoring` prop renders a monitor for it.
   * @default - no metrics endpoint: `monitoring` is refused
   */
  readonly metrics?: { readonly podPort: string; readonly servicePort: string; readonly path: string };
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
   * Objects of the router's own beyond PdRouter's Deployment and Service (an EPP config, an InferencePool, an
   * HTTPRoute), created in the PdRouter's scope. A strategy whose rendering has no `container` renders all of
   * its objects here and returns them.
   */
  renderObjects?(scope: Construct, ctx: RouterContext): RouterObjects | void;
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

/**
 * A router's OTLP/gRPC exporter addresses the collector by scheme, host and port; a path (an OTLP/HTTP URL such as
 * `/v1/traces`) would be lost or refused, so it is refused here for every router that exports over gRPC.
 */
export function requireOtlpGrpcEndpoint(where: string, endpoint: string, exporter: string): void {
  const path = new URL(endpoint).pathname;
  if (path !== '/' && path !== '') {
    throw invalid(where, 'tracing.otlpTracesEndpoint', endpoint,
      `must have no path: ${exporter} exports over OTLP/gRPC, which addresses the collector by host and port (e.g. 'http://otel-collector:4317')`);
  }
}
