import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DecodeTier } from './decode-tier';
import { DisruptionBudget } from './disruption-budget';
import { MonitoringOptions, MonitorKind, ScrapeScheme } from './monitoring';
import { NetworkPolicyOptions } from './network-policy-options';
import { IPdTier } from './pd-tier';
import { SpreadMode } from './placement';
import { PrefillTier } from './prefill-tier';
import { checkStruct, extend, instanceOf, requirePort } from './private/boundary';
import { Transport } from './private/connector-context';
import {
  checkDisruptionBudget, DEFAULT_DISRUPTION_BUDGET, RECREATE_ROLLOUT, renderDisruptionBudget, SURGE_ROLLOUT,
} from './private/disruption';
import { invalid, requireInteger } from './private/errors';
import { requireDns1123Label } from './private/k8s-syntax';
import {
  COMPONENT_LABEL, INSTANCE_LABEL, instanceLabelValue, MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL,
} from './private/labels';
import { renderMonitor, resolveMonitoring } from './private/monitoring';
import { claimFixedName } from './private/names';
import { PdPoliciesInput, PolicyTier, renderPdNetworkPolicies } from './private/network-policy';
import { validatePair } from './private/pair-rules';
import { spreadConstraints } from './private/placement';
import { containerPort, mergePod, PortPeer } from './private/pod-contribution';
import { DEFAULT_HTTP_PORT, HTTP_PORT_NAME, METRICS_PATH, METRICS_PORT_NAME } from './private/ports';
import { BoundTier, RouterContext, RouterScalingRule } from './private/router-context';
import { containerSecurityContext, podSecurityContext, ROUTER_UID, routerTmpVolume } from './private/security';
import { PD_ROUTER_OPTIONS } from './private/tier-keys';
import { warn } from './private/warn';
import { named, renderDeployment } from './private/workload';
import { TierRole } from './roles';
import { RouterDiscovery } from './router-discovery';
import { RouterStrategy } from './router-strategy';
import { LMCACHE_PD_UNROUTABLE } from './routers/production-stack';
import { RouterTracingOptions } from './tracing';
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
   * Router pods. Two by default, so a drain or a crash leaves one serving; one where the connector's flow
   * allows a single router only (P2pNccl engines register with one router), and more are refused there.
   * Routing policies that keep per-replica state (cache_aware's prefix tree) print a warning with more than one
   * when either the replicas or the policy was chosen; the defaults together (2 replicas, cache_aware prefill) are
   * a deliberate trade of some prefix-cache hits for a router that survives a drain, and print nothing.
   *
   * @default - 2, or 1 with P2pNcclConnector
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
   * Name of the router's Service, the endpoint clients call (`http://<serviceName>:<port>/v1`), instead of the
   * generated name with a hash. A DNS-1035 label.
   *
   * @default - generated from the construct path (stable, but with a hash)
   * @see https://kubernetes.io/docs/concepts/services-networking/service/
   */
  readonly serviceName?: string;

  /**
   * How the router finds the tiers' pods.
   *
   * @default RouterDiscovery.KUBERNETES
   * @see https://github.com/vllm-project/router/blob/main/docs/environment/kubernetes.md
   */
  readonly discovery?: RouterDiscovery;

  /**
   * NetworkPolicies for the router's and both tiers' pods, derived from the ports each connector and the
   * router declare. On unless `enabled: false`.
   *
   * @default - enabled; clients from this namespace, metrics scraped from the 'monitoring' namespace
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
   */
  readonly networkPolicies?: NetworkPolicyOptions;

  /**
   * How many router pods a voluntary disruption may evict at once (the router's PodDisruptionBudget).
   *
   * @default DisruptionBudget.maxUnavailable(1)
   * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-budgets
   */
  readonly disruptionBudget?: DisruptionBudget;

  /**
   * `priorityClassName` of the router pods (an existing PriorityClass). Every request passes the router,
   * so give it at least the tiers' priority.
   *
   * @default - none (the cluster's default priority)
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
   */
  readonly priorityClassName?: string;

  /**
   * A PodMonitor (or ServiceMonitor) scraping the router's metrics port (vllm-router: 29000, any path; the llm-d
   * endpoint picker: 9090, /metrics). Both serve plain HTTP only.
   *
   * @default - no monitor object
   * @see https://github.com/vllm-project/router/blob/main/docs/cli_reference.md
   */
  readonly monitoring?: MonitoringOptions;

  /**
   * OpenTelemetry tracing of the router.
   *
   * @default - no tracing
   * @see https://github.com/vllm-project/router/blob/main/docs/cli_reference.md
   */
  readonly tracing?: RouterTracingOptions;
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
  /** The router Deployment (with `RouterStrategy.llmD()`: the llm-d endpoint picker's). */
  public readonly deployment: ApiObject;
  /** The Service clients call (with `RouterStrategy.llmD()`: the endpoint picker's, which the Gateway calls). */
  public readonly service: ApiObject;
  /** Name of `service`. */
  public readonly serviceName: string;
  /** Port of the Service clients call. */
  public readonly port: number;
  /** The router implementation. */
  public readonly strategy: RouterStrategy;
  /** Router pods. */
  public readonly replicas: number;
  /** The router's PodDisruptionBudget, unless `disruptionBudget` is `DisruptionBudget.none()`. */
  public readonly disruptionBudget?: ApiObject;
  /** The router's PodMonitor or ServiceMonitor, when `monitoring` is set. */
  public readonly monitor?: ApiObject;
  private readonly noUrlReason?: string;

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
    const port = props.port ?? DEFAULT_HTTP_PORT;
    requireInteger(where, 'replicas', props.replicas, 1);
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
    // One router pod where the flow allows only one; two otherwise, so a drain or a crash leaves one.
    const singleReplica = impl.singleReplicaReason(transport);
    const replicas = props.replicas ?? (singleReplica ? 1 : 2);
    if (singleReplica && replicas !== 1) {
      throw invalid(where, 'replicas', replicas, `must be 1 with ${connector.displayName} on ${impl.displayName}: ${singleReplica}`);
    }
    const bound = (tier: VllmTier): BoundTier => ({
      spec: tier._spec, serviceName: tier.serviceName, endpoints: tier._connectorRendering().endpoints,
    });
    const monitoring = resolveMonitoring(where, 'monitoring', props.monitoring);
    const ctx: RouterContext = {
      where,
      prefill: bound(prefillTier),
      decode: bound(decodeTier),
      discovery,
      transport,
      port,
      portExplicit: props.port !== undefined,
      discoveryExplicit: props.discovery !== undefined,
      replicas,
      replicasExplicit: props.replicas !== undefined,
      namespace,
      priorityClassName: props.priorityClassName,
      namespaceEnv: NAMESPACE_ENV,
      tracing: props.tracing,
    };
    impl.validate(ctx);
    const rendering = impl.render(ctx);
    for (const w of impl.warnings?.(ctx) ?? []) warn(this, w.replace(where, impl.displayName), w);

    const needsApi = rendering.needsKubernetesApi;
    const chart = Chart.of(this);
    if (needsApi && chart.namespace === undefined) {
      throw invalid(where, 'discovery', discovery,
        "needs the chart's namespace for the router's Role and RoleBinding: create the Chart with { namespace: '...' } or use RouterDiscovery.STATIC");
    }

    const container = rendering.container;
    let connectorPort: number | undefined;
    let policyRouter: PolicyRouter;
    let clientsRequired: string | undefined;
    /** The router pods' Prometheus endpoint, if they serve one (every router here serves plain HTTP). */
    let metricsTarget: {
      labels: { [key: string]: string }; selector: { [key: string]: string }; podPort: string; servicePort: string; path: string;
    } | undefined;
    if (container !== undefined) {
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

      // The one merge check for the router's ports too (numbers and names unique).
      const routerPorts = mergePod(where, [{ from: impl.displayName, pod: { ports: rendering.ports } }]).ports;
      const tmp = routerTmpVolume();
      this.deployment = renderDeployment(this, 'Resource', {
        labels: allLabels,
        selector: labels,
        replicas: () => replicas,
        // The router needs no GPU, so a new pod may come first; a single-router flow must never run two.
        strategy: singleReplica ? RECREATE_ROLLOUT : SURGE_ROLLOUT,
        template: () => ({
          metadata: { labels: allLabels },
          spec: {
            serviceAccountName,
            priorityClassName: props.priorityClassName,
            // The router reads the in-cluster token only when it discovers pods (kube::Client::try_default).
            automountServiceAccountToken: needsApi,
            // Restricted profile (private/security.ts); the router writes no files, /tmp is writable all the same.
            securityContext: podSecurityContext(ROUTER_UID, ROUTER_UID, false),
            // Router replicas on different nodes and zones where possible, so one failure leaves the endpoint up.
            topologySpreadConstraints: spreadConstraints(labels, SpreadMode.PREFERRED, SpreadMode.PREFERRED),
            containers: [{
              ...container,
              ports: routerPorts.map(containerPort),
              env: [
                { name: NAMESPACE_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                ...(container.env ?? []),
              ],
              securityContext: container.securityContext ?? containerSecurityContext(),
              volumeMounts: [...(container.volumeMounts ?? []), tmp.mount],
            }],
            volumes: [tmp.volume],
          },
        }),
      });
      connectorPort = rendering.connectorPort;
      if (props.serviceName !== undefined) claimFixedName(this, where, 'serviceName', 'Service', props.serviceName);
      this.service = new k8s.KubeService(this, 'Service', {
        metadata: named(props.serviceName, { labels: allLabels }),
        spec: {
          type: 'ClusterIP',
          selector: labels,
          ports: [
            { name: HTTP_PORT_NAME, port, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP' },
            ...(connectorPort !== undefined
              ? [{ name: 'kv-side', port: connectorPort, targetPort: k8s.IntOrString.fromNumber(connectorPort), protocol: 'TCP' }]
              : []),
            // For a ServiceMonitor (and anyone scraping through the Service).
            ...(rendering.metricsPort !== undefined
              ? [{ name: METRICS_PORT_NAME, port: rendering.metricsPort, targetPort: k8s.IntOrString.fromString(METRICS_PORT_NAME), protocol: 'TCP' }]
              : []),
          ],
        },
      });
      this.serviceName = this.service.name;
      const budget = {
        where, prop: 'disruptionBudget', budget: props.disruptionBudget ?? DEFAULT_DISRUPTION_BUDGET, labels: allLabels, selector: labels, replicas,
      };
      checkDisruptionBudget(budget);
      this.disruptionBudget = renderDisruptionBudget(this, 'DisruptionBudget', budget);
      // metrics-exporter-prometheus 0.17 (vllm-router's exporter) serves plain HTTP only (exporter/http_listener.rs).
      metricsTarget = rendering.metricsPort === undefined ? undefined : {
        labels: allLabels, selector: labels, podPort: METRICS_PORT_NAME, servicePort: METRICS_PORT_NAME, path: METRICS_PATH,
      };
      impl.renderObjects?.(this, ctx);
      policyRouter = { scope: this, labels: allLabels, selector: labels, ports: routerPorts };
    } else {
      if (props.serviceName !== undefined) {
        throw invalid(where, 'serviceName', props.serviceName, `cannot be set: ${impl.displayName} renders no router Service of this library's`);
      }
      // No router pod of ours: the strategy renders every object (the llm-d endpoint picker, its pool).
      const objects = impl.renderObjects?.(this, ctx);
      if (!objects) throw new Error(`${where}: router strategy ${impl.displayName} rendered neither a container nor its objects`);
      this.deployment = objects.deployment;
      this.service = objects.service;
      this.serviceName = this.service.name;
      this.noUrlReason = objects.noUrlReason;
      metricsTarget = objects.metrics && { labels: objects.labels, selector: objects.selectorLabels, ...objects.metrics };
      // The one merge check for its pods' ports too.
      const ports = mergePod(where, [{ from: impl.displayName, pod: { ports: objects.ports } }]).ports;
      if (objects.noDisruptionBudget === undefined) {
        const budget = {
          where,
          prop: 'disruptionBudget',
          budget: props.disruptionBudget ?? DEFAULT_DISRUPTION_BUDGET,
          labels: objects.labels,
          selector: objects.selectorLabels,
          replicas,
        };
        checkDisruptionBudget(budget);
        this.disruptionBudget = renderDisruptionBudget(this, 'DisruptionBudget', budget);
      } else if (props.disruptionBudget !== undefined) {
        throw invalid(where, 'disruptionBudget', `${props.disruptionBudget.kind} ${props.disruptionBudget.pods}`, `cannot apply: ${objects.noDisruptionBudget}`);
      }
      policyRouter = { scope: this, as: objects.as, labels: objects.labels, selector: objects.selectorLabels, ports };
      clientsRequired = objects.clientsUnknown;
    }
    if (monitoring) {
      if (metricsTarget === undefined) throw invalid(where, 'monitoring', props.monitoring, `cannot be set: ${impl.displayName} serves no Prometheus metrics port`);
      if (monitoring.scheme !== ScrapeScheme.HTTP) {
        throw invalid(where, 'monitoring.scheme', monitoring.scheme, `must be ScrapeScheme.HTTP: ${impl.displayName} serves its metrics over plain HTTP`);
      }
      this.monitor = renderMonitor(this, 'Monitor', where, 'monitoring', monitoring, {
        labels: metricsTarget.labels,
        selector: metricsTarget.selector,
        portName: monitoring.kind === MonitorKind.SERVICE_MONITOR ? metricsTarget.servicePort : metricsTarget.podPort,
        path: metricsTarget.path,
      });
    }
    // Fixed names (the tiers' and this router's Services) are claimed app-wide where each object is made (claimFixedName).
    const endpoint = { serviceName: this.serviceName, connectorPort };
    // An autoscaler bound to a tier before or after this router is checked against the router's needs.
    const scaling: RouterScalingRule = { check: range => impl.validateScaling?.(ctx, range) };
    prefillTier._bindRouter(this.node.path, endpoint, impl.displayName, rendering.prefill, scaling, rendering.prefillHttp);
    decodeTier._bindRouter(this.node.path, endpoint, impl.displayName, rendering.decode, scaling, rendering.decodeHttp);
    // Policies for all three pod sets from one flow graph, read at synth time.
    renderPdNetworkPolicies({
      where,
      options: props.networkPolicies,
      router: { ...policyRouter, otlpEndpoint: props.tracing?.otlpTracesEndpoint },
      routerNeedsKubernetesApi: needsApi,
      clientsRequired,
      tiers: [policyTier(PortPeer.PREFILL, prefillTier), policyTier(PortPeer.DECODE, decodeTier)],
    });
    this.replicas = replicas;
    this.port = port;
    this.strategy = strategy;
  }

  /**
   * In-cluster URL of the OpenAI-compatible endpoint, e.g. `http://<service>:8000/v1`. Strategies without a
   * router Service clients call (`RouterStrategy.llmD()`: clients call a Gateway) throw, saying why.
   */
  public get url(): string {
    if (this.noUrlReason !== undefined) throw new Error(`PdRouter '${this.node.path}': no url: ${this.noUrlReason}`);
    return `http://${this.serviceName}:${this.port}/v1`;
  }
}

type PolicyRouter = PdPoliciesInput['router'];

/** A tier as its NetworkPolicy sees it. */
function policyTier(as: PortPeer, tier: VllmTier): PolicyTier {
  return {
    as,
    scope: tier,
    labels: tier._spec.labels,
    selector: tier._spec.selectorLabels,
    modelCacheReadOnly: tier._spec.modelCache.readOnly,
    otlpEndpoint: tier._spec.tracing?.otlpTracesEndpoint,
    pod: () => tier._pod(),
    workers: tier._spec.nodesPerReplica > 1
      ? { servingSelector: tier._spec.servingSelectorLabels, pod: () => tier._workerPod() } : undefined,
  };
}

/** The library tier behind an `IPdTier` (the boundary has already checked the class and the role). */
function libraryTier(where: string, prop: string, tier: IPdTier, role: TierRole): VllmTier {
  if (!(tier instanceof VllmTier) || tier.role !== role) {
    throw invalid(where, prop, tier?.node?.path ?? tier, `must be the ${role === TierRole.PREFILL ? 'PrefillTier' : 'DecodeTier'} of this PD pair`);
  }
  return tier;
}
