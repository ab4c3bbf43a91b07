import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DecodeTier } from './decode-tier';
import { IPdTier } from './pd-tier';
import { PrefillTier } from './prefill-tier';
import { checkStruct, extend, instanceOf, requirePort } from './private/boundary';
import { Transport } from './private/connector-context';
import { invalid, requireInteger } from './private/errors';
import { requireDns1123Label } from './private/k8s-syntax';
import {
  COMPONENT_LABEL, INSTANCE_LABEL, instanceLabelValue, MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL,
} from './private/labels';
import { validatePair } from './private/pair-rules';
import { DEFAULT_HTTP_PORT, HTTP_PORT_NAME } from './private/ports';
import { BoundTier, RouterContext } from './private/router-context';
import { PD_ROUTER_OPTIONS } from './private/tier-keys';
import { renderDeployment } from './private/workload';
import { TierRole } from './roles';
import { RouterDiscovery } from './router-discovery';
import { RouterStrategy } from './router-strategy';
import { LMCACHE_PD_UNROUTABLE } from './routers/production-stack';
import { VllmTier } from './vllm-tier';

/**
 * Router settings, shared by `PdRouterProps` and `PdServiceProps.router`.
 */
export interface PdRouterOptions {
  /**
   * The router implementation.
   *
   * @default RouterStrategy.vllmRouter()
   * @see https://github.com/vllm-project/router/blob/main/docs/model-routing/pd-disaggregation.md
   */
  readonly strategy?: RouterStrategy;

  /**
   * Router pods.
   *
   * @default 1
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
   */
  readonly replicas?: number;

  /**
   * Port of the router's container and Service (what clients call).
   *
   * @default 8000
   * @see https://kubernetes.io/docs/concepts/services-networking/service/
   */
  readonly port?: number;

  /**
   * How the router finds the tiers' pods.
   *
   * @default RouterDiscovery.KUBERNETES
   * @see https://github.com/vllm-project/router/blob/main/docs/environment/kubernetes.md
   */
  readonly discovery?: RouterDiscovery;
}

/**
 * Props of a `PdRouter`.
 */
export interface PdRouterProps extends PdRouterOptions {
  /** The prefill tier (a `PrefillTier`). */
  readonly prefill: IPdTier;
  /** The decode tier (a `DecodeTier`). */
  readonly decode: IPdTier;
}

// A tier handed in the wrong role fails here: a DecodeTier is no PrefillTier.
const PD_ROUTER_PROPS = extend('PdRouterProps', [PD_ROUTER_OPTIONS], {
  prefill: instanceOf(PrefillTier, 'the PrefillTier of this PD pair'),
  decode: instanceOf(DecodeTier, 'the DecodeTier of this PD pair'),
});

const NAMESPACE_ENV = 'POD_NAMESPACE';
// A separate app name keeps router pods out of selectors that pick the vLLM pods of a deployment.
const ROUTER_APP_NAME = 'vllm-router';

/**
 * The router clients call: its own Deployment (`Resource`) and Service (`Service`), plus, with
 * Kubernetes discovery, a ServiceAccount, a Role (get/list/watch pods) and a RoleBinding.
 *
 * Creating it checks that the two tiers can form a PD pair (same model, tokenizer, vLLM version,
 * connector settings and KV dtype; the connector's own pair rules such as NIXL's TP direction) and
 * that the router implements the connector's request flow.
 */
export class PdRouter extends Construct {
  /** The router Deployment. */
  public readonly deployment: ApiObject;
  /** The Service clients call. */
  public readonly service: ApiObject;
  /** Name of the Service clients call. */
  public readonly serviceName: string;
  /** Port of the Service clients call. */
  public readonly port: number;
  /** The router implementation. */
  public readonly strategy: RouterStrategy;

  public constructor(scope: Construct, id: string, props: PdRouterProps) {
    super(scope, id);
    const where = `PdRouter '${this.node.path}'`;
    if (!props?.prefill || !props?.decode) {
      throw invalid(where, props?.prefill ? 'decode' : 'prefill', undefined, 'is required');
    }
    // ---- the validated boundary (private/boundary.ts), then one namespace for the pair and the router
    props = checkStruct(where, 'props', props, PD_ROUTER_PROPS);
    // The router dials each tier's Service by its short name and discovers pods in its own namespace.
    const namespace = Chart.of(this).namespace;
    if (namespace !== undefined) requireDns1123Label(where, 'chart namespace', namespace);
    for (const tier of [props.prefill, props.decode]) {
      const tierNamespace = Chart.of(tier).namespace;
      if (tierNamespace !== namespace) {
        throw invalid(where, tier.role, tier.node.path,
          `is in namespace ${tierNamespace === undefined ? '(none)' : `'${tierNamespace}'`} but the router is in ` +
          `${namespace === undefined ? '(none)' : `'${namespace}'`}: put the tiers and the router in charts of one namespace`);
      }
    }
    const strategy = props.strategy ?? RouterStrategy.vllmRouter();
    const impl = strategy._impl;
    const replicas = props.replicas ?? 1;
    const port = props.port ?? DEFAULT_HTTP_PORT;
    requireInteger(where, 'replicas', replicas, 1);
    requirePort(where, 'port', port);
    const discovery = props.discovery ?? RouterDiscovery.KUBERNETES;
    if (!Object.values(RouterDiscovery).includes(discovery)) {
      throw invalid(where, 'discovery', discovery, `must be one of ${Object.values(RouterDiscovery).join(', ')}`);
    }
    const prefillTier = libraryTier(where, 'prefill', props.prefill, TierRole.PREFILL);
    const decodeTier = libraryTier(where, 'decode', props.decode, TierRole.DECODE);
    const prefill = prefillTier._spec;
    const decode = decodeTier._spec;

    validatePair(where, prefill, decode);
    const connector = prefill.kvConnector;
    const transport = connector._transport();
    if (transport === undefined) {
      throw invalid(where, 'kvConnector', connector.displayName,
        'moves no KV between prefill and decode; chain it after a transport, e.g. KvConnector.multi([KvConnector.nixl(), ...])');
    }
    if (!impl.supportedTransports.includes(transport)) {
      throw invalid(where, 'strategy', impl.displayName,
        `does not implement the ${transport} request flow that ${connector.displayName} needs ` +
        `(${impl.displayName} implements: ${impl.supportedTransports.join(', ')}); ` +
        (transport === Transport.LMCACHE ? LMCACHE_PD_UNROUTABLE : 'see the RouterStrategy table'));
    }
    const bound = (tier: VllmTier): BoundTier => ({
      spec: tier._spec, serviceName: tier.serviceName, endpoints: tier._connectorRendering().endpoints,
    });
    const ctx: RouterContext = {
      where, prefill: bound(prefillTier), decode: bound(decodeTier), discovery, transport, port, replicas, namespaceEnv: NAMESPACE_ENV,
    };
    impl.validate(ctx);
    const rendering = impl.render(ctx);

    const needsApi = rendering.needsKubernetesApi;
    const chart = Chart.of(this);
    if (needsApi && chart.namespace === undefined) {
      throw invalid(where, 'discovery', discovery,
        "needs the chart's namespace for the router's Role and RoleBinding: create the Chart with { namespace: '...' } or use RouterDiscovery.STATIC");
    }

    const labels = {
      [NAME_LABEL]: ROUTER_APP_NAME,
      [INSTANCE_LABEL]: instanceLabelValue(this.node.scope ?? this),
      [COMPONENT_LABEL]: 'router',
    };
    const allLabels = { ...labels, [MANAGED_BY_LABEL]: MANAGED_BY };

    let serviceAccountName: string | undefined;
    if (needsApi) {
      const sa = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: { labels: allLabels } });
      // vllm-router's discovery runs a kube-rs watcher on pods only (src/service_discovery.rs):
      // list + watch, and get for single reads. Nothing else.
      const role = new k8s.KubeRole(this, 'Role', {
        metadata: { labels: allLabels },
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
      });
      new k8s.KubeRoleBinding(this, 'RoleBinding', {
        metadata: { labels: allLabels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
        subjects: [{ kind: 'ServiceAccount', name: sa.name, namespace: chart.namespace }],
      });
      serviceAccountName = sa.name;
    }

    const container = rendering.container;
    this.deployment = renderDeployment(this, 'Resource', {
      labels: allLabels,
      selector: labels,
      replicas: () => replicas,
      template: () => ({
        metadata: { labels: allLabels },
        spec: {
          serviceAccountName,
          // The router reads the in-cluster token only when it discovers pods (kube::Client::try_default).
          automountServiceAccountToken: needsApi,
          containers: [{
            ...container,
            env: [
              { name: NAMESPACE_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              ...(container.env ?? []),
            ],
          }],
        },
      }),
    });
    const connectorPort = rendering.connectorPort;
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { labels: allLabels },
      spec: {
        type: 'ClusterIP',
        selector: labels,
        ports: [
          { name: HTTP_PORT_NAME, port, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP' },
          ...(connectorPort !== undefined
            ? [{ name: 'kv-side', port: connectorPort, targetPort: k8s.IntOrString.fromNumber(connectorPort), protocol: 'TCP' }]
            : []),
        ],
      },
    });
    this.serviceName = this.service.name;
    impl.renderObjects?.(this, ctx);
    const endpoint = { serviceName: this.serviceName, connectorPort };
    prefillTier._bindRouter(this.node.path, endpoint, impl.displayName, rendering.prefill);
    decodeTier._bindRouter(this.node.path, endpoint, impl.displayName, rendering.decode);
    this.port = port;
    this.strategy = strategy;
  }

  /** In-cluster URL of the OpenAI-compatible endpoint, e.g. `http://<service>:8000/v1`. */
  public get url(): string {
    return `http://${this.serviceName}:${this.port}/v1`;
  }
}

/** The library tier behind an `IPdTier` (the boundary has already checked the class and the role). */
function libraryTier(where: string, prop: string, tier: IPdTier, role: TierRole): VllmTier {
  if (!(tier instanceof VllmTier) || tier.role !== role) {
    throw invalid(where, prop, tier?.node?.path ?? tier, `must be the ${role === TierRole.PREFILL ? 'PrefillTier' : 'DecodeTier'} of this PD pair`);
  }
  return tier;
}
