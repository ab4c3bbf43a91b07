import { k8s } from 'cdk8s-plus-28';
import { RouterBinding, Transport } from './connector-context';
import { TierRole } from '../roles';
import { VllmTier } from '../vllm-tier';

/** How the router finds prefill and decode pods. */
export enum DiscoveryMode {
  KUBERNETES = 'kubernetes',
  STATIC = 'static',
}

/** What a router implementation gets from `PdRouter`. */
export interface RouterContext {
  readonly where: string;
  readonly prefill: VllmTier;
  readonly decode: VllmTier;
  readonly discovery: DiscoveryMode;
  /** The connector's request flow. */
  readonly transport: Transport;
  /** The router's HTTP port. */
  readonly port: number;
  readonly replicas: number;
  /** Name of an env var holding the pod's namespace (downward API), for args. */
  readonly namespaceEnv: string;
}

/** What one router implementation provides. */
export interface RouterImpl {
  readonly displayName: string;
  /** The request flows this router implements. */
  readonly supportedTransports: Transport[];
  /** Whether it needs the Kubernetes API (ServiceAccount token + pod RBAC). */
  needsKubernetesApi(ctx: RouterContext): boolean;
  /** Rules for this router and pair; throws with a prop-naming message. */
  validate(ctx: RouterContext): void;
  /** The port where connectors send side traffic to the router, if any. */
  connectorPort(ctx: RouterContext): number | undefined;
  /** Extra pod labels the router needs on a tier. */
  podLabels?(ctx: RouterContext, tier: TierRole): { [key: string]: string };
  /** The router container (PdRouter adds the namespace env). */
  container(ctx: RouterContext): k8s.Container;
}

/** What PdRouter binds into each tier. */
export function bindingFor(impl: RouterImpl, ctx: RouterContext, serviceName: string, tier: TierRole): RouterBinding {
  return { serviceName, connectorPort: impl.connectorPort(ctx), podLabels: impl.podLabels?.(ctx, tier) };
}
