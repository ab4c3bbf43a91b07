import { k8s } from 'cdk8s-plus-28';
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
  /** The router's HTTP port. */
  readonly port: number;
  /** Name of an env var holding the pod's namespace (downward API), for args. */
  readonly namespaceEnv: string;
}

/** What one router implementation provides. */
export interface RouterImpl {
  readonly displayName: string;
  /** Connector display names whose request flow this router implements. */
  readonly supportedConnectors: string[];
  /** Whether it needs the Kubernetes API (ServiceAccount token + pod RBAC) in this mode. */
  needsKubernetesApi(discovery: DiscoveryMode): boolean;
  /** Rules for this router and pair; throws with a prop-naming message. */
  validate(ctx: RouterContext): void;
  /** The router container (without env for the namespace, which PdRouter adds). */
  container(ctx: RouterContext): k8s.Container;
}
