import { Duration, Names, Yaml } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import * as gw from '../imports/gateway.networking.k8s.io';
import * as gaie from '../imports/inference.networking.k8s.io';
import * as llmd from '../imports/llm-d.ai';
import { KvLoadFailurePolicy } from '../kv-connector-options';
import { LlmdRouterVersion } from '../llm-d-router-version';
import { PdDecider } from '../pd-decider';
import { Capability, requireCapability } from '../private/compat';
import { Transport } from '../private/connector-context';
import { invalid, wholeSeconds } from '../private/errors';
import { isDns1123Label, isDns1123Subdomain, requireImageReference } from '../private/k8s-syntax';
import { COMPONENT_LABEL, INSTANCE_LABEL, LLMD_SERVING_LABEL, MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL } from '../private/labels';
import { claimFixedName } from '../private/names';
import { PodPort, PortPeer } from '../private/pod-contribution';
import { MAX_PORT } from '../private/ports';
import { LIVENESS_TIMING, READINESS_TIMING } from '../private/probes';
import { requireOtlpGrpcEndpoint, RouterContext, RouterImpl, RouterObjects, RouterRendering } from '../private/router-context';
import { containerSecurityContext, podSecurityContext } from '../private/security';
import type { TierSpec } from '../private/tier-spec';
import { RouterDiscovery } from '../router-discovery';

/**
 * What the Gateway does when the endpoint picker does not answer (`InferencePool.spec.endpointPickerRef.failureMode`).
 *
 * @see https://gateway-api-inference-extension.sigs.k8s.io/api-types/inferencepool/
 */
export enum EndpointPickerFailureMode {
  /** Fail the request (the InferencePool CRD's default): a PD request must not land on a prefill pod by chance. */
  FAIL_CLOSE = 'FailClose',
  /** Route to any pool pod (prefill pods included) when the picker is down. */
  FAIL_OPEN = 'FailOpen',
}

/**
 * An HTTPRoute attaching the pool to a Gateway you already run.
 */
export interface GatewayRouteOptions {
  /** Name of the Gateway (`parentRefs[0].name`). */
  readonly gatewayName: string;

  /**
   * Namespace of the Gateway; the Gateway's listener must allow routes from the chart's namespace.
   *
   * @default - the chart's namespace
   * @see https://gateway-api.sigs.k8s.io/reference/spec/#parentreference
   */
  readonly gatewayNamespace?: string;

  /**
   * The Gateway listener to attach to (`parentRefs[0].sectionName`).
   *
   * @default - every listener that allows the route
   * @see https://gateway-api.sigs.k8s.io/reference/spec/#parentreference
   */
  readonly sectionName?: string;

  /**
   * Path prefix routed to the pool.
   *
   * @default '/'
   * @see https://gateway-api.sigs.k8s.io/reference/spec/#httppathmatch
   */
  readonly pathPrefix?: string;

  /**
   * Request timeout (`rules[0].timeouts.request`): long generations outlive many Gateways' defaults (Envoy: 15 s).
   *
   * @default Duration.seconds(300) (the llm-d router gateway chart's httpRoute.requestTimeout)
   * @see https://gateway-api.sigs.k8s.io/reference/spec/#httproutetimeouts
   */
  readonly requestTimeout?: Duration;
}

/**
 * An `InferenceObjective` (llm-d.ai/v1alpha2) of the pool: requests naming it in the
 * `x-gateway-inference-objective` header get its priority in flow control.
 */
export interface InferenceObjectiveOptions {
  /** Object name, which requests name in the `x-gateway-inference-objective` header (a DNS-1123 subdomain). */
  readonly name: string;

  /**
   * Priority: higher is served first when requests queue; negative values are allowed.
   *
   * @default - unset (the endpoint picker treats it as 0)
   * @see https://github.com/llm-d/llm-d-router/blob/v0.10.0/config/crd/bases/llm-d.ai_inferenceobjectives.yaml
   */
  readonly priority?: number;
}

/**
 * Options for `RouterStrategy.llmD()`.
 */
export interface LlmdRouterOptions {
  /**
   * The llm-d router release of both images. Decides the rendered flags and plugins; releases the library
   * cannot confirm are refused.
   *
   * @default '0.10.0' with the default images; required when an image is set
   * @see https://github.com/llm-d/llm-d-router/releases
   */
  readonly version?: string;

  /**
   * The endpoint picker image.
   *
   * @default 'ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.10.0'
   * @see https://github.com/llm-d/llm-d-router/blob/v0.10.0/Dockerfile.epp
   */
  readonly endpointPickerImage?: string;

  /**
   * The disaggregation sidecar image (decode pods).
   *
   * @default 'ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.10.0'
   * @see https://github.com/llm-d/llm-d-router/blob/v0.10.0/Dockerfile.sidecar
   */
  readonly sidecarImage?: string;

  /**
   * The port decode's vLLM moves to; the sidecar takes the decode tier's `port` (the pool's target port)
   * and forwards to it over localhost.
   *
   * @default 8200 (the sidecar's --model-server-port default)
   * @see https://github.com/llm-d/llm-d-router/blob/v0.10.0/pkg/sidecar/proxy/options.go
   */
  readonly decodeVllmPort?: number;

  /**
   * When a request is disaggregated.
   *
   * @default PdDecider.prefixBased({ nonCachedTokens: 16 }) (deploy/config/pd-epp-config.yaml of the release)
   * @see https://github.com/llm-d/llm-d-router/blob/v0.10.0/docs/disaggregation.md
   */
  readonly decider?: PdDecider;

  /**
   * What the Gateway does when the endpoint picker does not answer.
   *
   * @default EndpointPickerFailureMode.FAIL_CLOSE
   * @see https://gateway-api-inference-extension.sigs.k8s.io/api-types/inferencepool/
   */
  readonly failureMode?: EndpointPickerFailureMode;

  /**
   * An HTTPRoute from a Gateway you run to the pool.
   *
   * @default - no HTTPRoute (write your own backendRef to the InferencePool)
   * @see https://gateway-api-inference-extension.sigs.k8s.io/guides/
   */
  readonly httpRoute?: GatewayRouteOptions;

  /**
   * InferenceObjectives of the pool.
   *
   * @default - none
   * @see https://github.com/llm-d/llm-d-router/blob/v0.10.0/config/crd/bases/llm-d.ai_inferenceobjectives.yaml
   */
  readonly objectives?: InferenceObjectiveOptions[];
}

const DEFAULT_VERSION = '0.10.0';
// Image names: .github/workflows/ci-release.yaml at v0.10.0 ("${repo}-endpoint-picker", "${repo}-disagg-sidecar",
// pushed to ghcr.io/llm-d with the git tag on each v* tag); Makefile EPP_IMAGE_NAME / SIDECAR_IMAGE_NAME agree.
const DEFAULT_EPP_IMAGE = 'ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.10.0';
const DEFAULT_SIDECAR_IMAGE = 'ghcr.io/llm-d/llm-d-router-disagg-sidecar:v0.10.0';
// The sidecar's model-server port default (pkg/sidecar/proxy/options.go defaultVLLMPort = "8200").
const DEFAULT_DECODE_VLLM_PORT = 8200;
// EPP ports: pkg/epp/server/options.go NewOptions (GRPCPort DefaultGrpcPort 9002, GRPCHealthPort 9003, MetricsPort
// 9090); Dockerfile.epp EXPOSE 9002 9003 9090; routerlib/templates/_deployment.yaml names them grpc, grpc-health, metrics.
const EXT_PROC_PORT = 9002;
const HEALTH_PORT = 9003;
const METRICS_PORT = 9090;
const CONFIG_DIR = '/config';
const CONFIG_FILE = 'epp-config.yaml';
const SIDECAR_NAME = 'routing-sidecar';
// gcr.io/distroless/static:nonroot's user (the base image of Dockerfile.epp and Dockerfile.sidecar at v0.10.0).
const EPP_UID = 65532;
const SIDECAR_PORT_NAME = 'sidecar';
const POOL_GROUP = 'inference.networking.k8s.io';
// The llm-d router gateway chart's httpRoute.requestTimeout (config/charts/llm-d-router-gateway/values.yaml).
const DEFAULT_REQUEST_TIMEOUT_SECONDS = 300;
// Gateway API Duration: ^([0-9]{1,5}(h|m|s|ms)){1,4}$ (HTTPRouteTimeouts in the HTTPRoute CRD).
const MAX_TIMEOUT_SECONDS = 99999;

/**
 * The llm-d routing architecture on Gateway API Inference Extension: an `InferencePool` of both tiers' serving
 * pods (a multi-node tier's leaders),
 * the llm-d endpoint picker (EPP) scheduling each request with a PD profile (decode pod first, then, when the
 * decider says so, a prefill pod, passed in `x-prefiller-host-port`), and the disaggregation sidecar on each
 * decode pod, which runs the prefill on that pod and then hands `kv_transfer_params` to the local vLLM. The
 * Gateway is the data plane; there is no router Deployment of ours besides the EPP.
 *
 * @see https://github.com/llm-d/llm-d-router/blob/v0.10.0/docs/disaggregation.md
 */
export class LlmdRouterImpl implements RouterImpl {
  public readonly displayName = 'llm-d router';
  // The sidecar's KV protocols (pkg/sidecar/proxy/options.go supportedKVConnectors at v0.10.0): nixlv2 (NIXL pull:
  // prefill with do_remote_decode, then decode with the returned kv_transfer_params, connector_nixlv2.go),
  // mooncake (bootstrap query on the prefill pod, connector_mooncake.go), shared-storage (prefill, then decode finds
  // the KV by prompt, connector_shared_storage.go). sglang and offloading are not vLLM flows of this library; no
  // LMCache, P2pNccl or NIXL push protocol exists in the sidecar.
  public readonly supportedTransports = [Transport.NIXL_PULL, Transport.MOONCAKE, Transport.SHARED_STORAGE];
  private readonly version: LlmdRouterVersion;
  private readonly eppImage: string;
  private readonly sidecarImage: string;
  private readonly decodeVllmPort: number;
  private readonly decider: PdDecider;
  private readonly failureMode: EndpointPickerFailureMode;
  private readonly route?: GatewayRouteOptions;
  private readonly requestTimeoutSeconds: number;
  private readonly objectives: InferenceObjectiveOptions[];

  public constructor(options: LlmdRouterOptions) {
    const where = 'RouterStrategy.llmD';
    this.eppImage = options.endpointPickerImage ?? DEFAULT_EPP_IMAGE;
    this.sidecarImage = options.sidecarImage ?? DEFAULT_SIDECAR_IMAGE;
    requireImageReference(where, 'endpointPickerImage', this.eppImage);
    requireImageReference(where, 'sidecarImage', this.sidecarImage);
    if ((options.endpointPickerImage !== undefined || options.sidecarImage !== undefined) && options.version === undefined) {
      throw invalid(where, 'version', undefined,
        `is required with 'endpointPickerImage' or 'sidecarImage': pass the llm-d router release both images are built from, e.g. '${DEFAULT_VERSION}'`);
    }
    this.version = LlmdRouterVersion.of(options.version ?? DEFAULT_VERSION);
    requireCapability(this.version, Capability.LLMD_ROUTER_SUPPORTED_RELEASE, where, 'version', this.version.toString());
    // The rendered objects speak these; both rows hold from the supported release on, checked so a wider
    // supported range cannot silently pair an old EPP with a v1 pool.
    requireCapability(this.version, Capability.LLMD_INFERENCE_POOL_V1, where, 'version', this.version.toString());
    requireCapability(this.version, Capability.LLMD_EPP_CONFIG_LLMD_GROUP, where, 'version', this.version.toString());
    requireCapability(this.version, Capability.LLMD_SIDECAR_MODEL_SERVER_PORT_FLAG, where, 'version', this.version.toString());
    this.decodeVllmPort = options.decodeVllmPort ?? DEFAULT_DECODE_VLLM_PORT;
    this.decider = options.decider ?? PdDecider.prefixBased({ nonCachedTokens: 16 });
    this.failureMode = options.failureMode ?? EndpointPickerFailureMode.FAIL_CLOSE;
    if (!Object.values(EndpointPickerFailureMode).includes(this.failureMode)) {
      throw invalid(where, 'failureMode', this.failureMode, `must be one of ${Object.values(EndpointPickerFailureMode).join(', ')}`);
    }
    this.route = options.httpRoute;
    this.requestTimeoutSeconds = DEFAULT_REQUEST_TIMEOUT_SECONDS;
    if (this.route) {
      const r = this.route;
      if (!r.gatewayName || !isDns1123Subdomain(r.gatewayName)) {
        throw invalid(where, 'httpRoute.gatewayName', r.gatewayName, 'must be the name of a Gateway (a DNS-1123 subdomain)');
      }
      if (r.gatewayNamespace !== undefined && !isDns1123Label(r.gatewayNamespace)) {
        throw invalid(where, 'httpRoute.gatewayNamespace', r.gatewayNamespace, 'must be a namespace name (a DNS-1123 label)');
      }
      if (r.sectionName !== undefined && !isDns1123Subdomain(r.sectionName)) {
        throw invalid(where, 'httpRoute.sectionName', r.sectionName, 'must be a listener name (a DNS-1123 subdomain)');
      }
      // HTTPPathMatch PathPrefix: starts with '/', no '//', '/./', '/../', '%2f', '%2F', '#' (HTTPRoute CRD CEL rules).
      if (r.pathPrefix !== undefined && (!r.pathPrefix.startsWith('/') || /\/\/|\/\.\/|\/\.\.\/|%2f|#|\/\.\.?$/i.test(r.pathPrefix) || r.pathPrefix.length > 1024)) {
        throw invalid(where, 'httpRoute.pathPrefix', r.pathPrefix,
          "must be an absolute path such as '/v1' (at most 1024 characters, no '//', '/./', '/../', '%2f' or '#')");
      }
      if (r.requestTimeout !== undefined) {
        this.requestTimeoutSeconds = wholeSeconds(where, 'httpRoute.requestTimeout', r.requestTimeout, 1);
        if (this.requestTimeoutSeconds > MAX_TIMEOUT_SECONDS) {
          throw invalid(where, 'httpRoute.requestTimeout', `${this.requestTimeoutSeconds}s`, `must be at most ${MAX_TIMEOUT_SECONDS}s (a Gateway API Duration has at most 5 digits)`);
        }
      }
    }
    this.objectives = options.objectives ?? [];
    const names = new Set<string>();
    this.objectives.forEach((o, i) => {
      if (!o.name || !isDns1123Subdomain(o.name)) {
        throw invalid(where, `objectives[${i}].name`, o.name, 'must be a DNS-1123 subdomain (the InferenceObjective name requests send in x-gateway-inference-objective)');
      }
      if (names.has(o.name)) throw invalid(where, `objectives[${i}].name`, o.name, 'is used by another objective');
      names.add(o.name);
      if (o.priority !== undefined && (!Number.isInteger(o.priority) || Math.abs(o.priority) > 2147483647)) {
        throw invalid(where, `objectives[${i}].priority`, o.priority, 'must be a 32-bit integer');
      }
    });
  }

  public singleReplicaReason(): string | undefined {
    // Several EPP replicas are supported: they run leader election (--ha-enable-leader-election).
    return undefined;
  }

  public warnings(ctx: RouterContext): string[] {
    // The decode sidecar caches the prefill's Mooncake engine ids per prefill host:port, with no expiry (an LRU,
    // pkg/sidecar/proxy/connector_mooncake.go getMooncakeEngineMap and proxy.go at v0.10.0), while vLLM draws a new
    // engine_id at every start (vllm/config/kv_transfer.py, 0.32.0): a new prefill pod has a new address and is queried
    // afresh, but a prefill container restarted in place keeps its address and gets stale ids.
    if (ctx.transport === Transport.MOONCAKE && ctx.decode.spec.kvConnector.kvLoadFailurePolicy === KvLoadFailurePolicy.FAIL) {
      return [`${ctx.where}: MooncakeConnector on llm-d with kvLoadFailurePolicy FAIL: the decode sidecars cache each prefill pod's ` +
        'engine ids by its address, and a prefill container restarted in place (OOM, liveness) draws new ones at the same address, ' +
        'so PD requests to that prefill pod fail until the decode pods restart. KvLoadFailurePolicy.RECOMPUTE keeps serving ' +
        'meanwhile (decode recomputes the prompt)'];
    }
    return [];
  }

  public validate(ctx: RouterContext): void {
    const prefill = ctx.prefill.spec;
    const decode = ctx.decode.spec;
    if (ctx.portExplicit) {
      throw invalid(ctx.where, 'port', ctx.port,
        "is not used by RouterStrategy.llmD(): clients call your Gateway, and the InferencePool's target port is the tiers' port; set the tiers' 'port' instead");
    }
    if (ctx.discoveryExplicit && ctx.discovery !== RouterDiscovery.KUBERNETES) {
      throw invalid(ctx.where, 'discovery', ctx.discovery,
        'must be RouterDiscovery.KUBERNETES with RouterStrategy.llmD(): the endpoint picker watches the InferencePool\'s pods');
    }
    if (ctx.namespace === undefined) {
      throw invalid(ctx.where, 'chart namespace', undefined,
        "is required by RouterStrategy.llmD(): the endpoint picker's --pool-namespace, Role and RoleBinding need it; create the Chart with { namespace: '...' }");
    }
    // One InferencePool target port: the EPP sends x-prefiller-host-port as <prefill pod IP>:<target port>
    // (disagg-profile-handler PreRequest) and the Gateway sends the request to <decode pod IP>:<target port>.
    if (prefill.port !== decode.port) {
      throw invalid(ctx.where, 'decode.port', decode.port,
        `must equal prefill's port (${prefill.port}): the InferencePool has one target port, which is prefill's vLLM port and decode's sidecar port`);
    }
    if (this.decodeVllmPort === decode.port) {
      throw invalid(ctx.where, 'decodeVllmPort', this.decodeVllmPort,
        `must differ from the decode tier's port (${decode.port}), which the routing sidecar takes`);
    }
    if (this.decodeVllmPort < 1 || this.decodeVllmPort > MAX_PORT) {
      throw invalid(ctx.where, 'decodeVllmPort', this.decodeVllmPort, `must be a TCP port (1-${MAX_PORT})`);
    }
    if (ctx.transport === Transport.MOONCAKE) {
      requireCapability(this.version, Capability.LLMD_SIDECAR_MOONCAKE, ctx.where, 'strategy', this.displayName);
      if (ctx.prefill.endpoints.bootstrapPort === undefined) {
        throw new Error(`${ctx.where}: the Mooncake connector opened no bootstrap port on prefill`);
      }
    } else {
      requireCapability(this.version, Capability.LLMD_SIDECAR_NIXLV2_SHARED_STORAGE, ctx.where, 'strategy', this.displayName);
    }
  }

  public render(ctx: RouterContext): RouterRendering {
    const decode = ctx.decode.spec;
    const kvConnector = ctx.transport === Transport.MOONCAKE ? 'mooncake'
      : ctx.transport === Transport.SHARED_STORAGE ? 'shared-storage' : 'nixlv2';
    // Flags: pkg/sidecar/proxy/options.go AddFlags at v0.10.0. --secure-proxy defaults to true (a self-signed TLS
    // listener); the pool's appProtocol is http, so the Gateway speaks plain HTTP to it, as in the release's own
    // deploy/components/vllm-decode/deployment.yaml ("--secure-proxy=false").
    const args = [
      `--port=${decode.port}`,
      `--model-server-port=${this.decodeVllmPort}`,
      `--kv-connector=${kvConnector}`,
      '--secure-proxy=false',
    ];
    if (ctx.transport === Transport.MOONCAKE) {
      // The sidecar queries http://<prefill pod>:<this port> for the engine ids (connector_mooncake.go).
      args.push(`--mooncake-bootstrap-port=${ctx.prefill.endpoints.bootstrapPort}`);
    }
    const sidecar: k8s.Container = {
      name: SIDECAR_NAME,
      image: this.sidecarImage,
      imagePullPolicy: 'IfNotPresent',
      args,
      // GET /health answers 200 from the sidecar itself (pkg/sidecar/proxy/proxy.go createRoutes).
      readinessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString(SIDECAR_PORT_NAME) }, ...READINESS_TIMING },
      livenessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString(SIDECAR_PORT_NAME) }, ...LIVENESS_TIMING },
      // The image runs as 65532 (Dockerfile.sidecar USER 65532:65532).
      // Restricted profile (private/security.ts): the sidecar is a static Go proxy that writes no files
      // (--secure-proxy=false: no self-signed certificate to generate).
      securityContext: containerSecurityContext(),
    };
    return {
      // No router container: the EPP and its pool are rendered by renderObjects.
      needsKubernetesApi: true,
      ports: [],
      // Router contributions reach serving pods only (single-node pods, a multi-node group's leader: VllmTier),
      // so this label marks exactly the pods the pool selects.
      prefill: { labels: SERVING_LABELS },
      decode: {
        labels: SERVING_LABELS,
        // On serving pods only: a multi-node group's leader runs the API server for every rank of the group
        // (the workers are `vllm serve --headless`), so the sidecar sits beside it and the workers get none.
        sidecars: [sidecar],
        // The Gateway sends each request here; the EPP scrapes /metrics through it (proxied to vLLM: every path
        // but the completions endpoints and /health goes to the decoder, proxy.go createRoutes).
        ports: [{ name: SIDECAR_PORT_NAME, containerPort: decode.port, peers: [PortPeer.GATEWAY, PortPeer.EPP], container: SIDECAR_NAME }],
      },
      // Decode's vLLM behind the sidecar: dialed over localhost, scraped by monitoring.
      decodeHttp: { containerPort: this.decodeVllmPort, peers: [PortPeer.MONITORING] },
      // Prefill's vLLM: decode's sidecars send the prefill request, the EPP scrapes /metrics.
      prefillHttp: { peers: [PortPeer.DECODE, PortPeer.EPP, PortPeer.MONITORING] },
    };
  }

  public renderObjects(scope: Construct, ctx: RouterContext): RouterObjects {
    const namespace = ctx.namespace!;
    const prefill = ctx.prefill.spec;
    const selector = {
      [NAME_LABEL]: 'llm-d-epp',
      [INSTANCE_LABEL]: Names.toLabelValue(scope.node.scope ?? scope),
      [COMPONENT_LABEL]: 'router',
    };
    const labels = { ...selector, [MANAGED_BY_LABEL]: MANAGED_BY };
    const metadata = { labels };

    const sa = new k8s.KubeServiceAccount(scope, 'ServiceAccount', { metadata });
    // What the EPP watches (pkg/epp/server/controller_manager.go defaultManagerOptions at v0.10.0): pods of its
    // namespace, its InferencePool (by name), and InferenceObjective / InferenceModelRewrite of the llm-d.ai group
    // when those CRDs exist (controller_config.go prefers llm-d.ai over the legacy x-k8s.io group). Read-only.
    const role = new k8s.KubeRole(scope, 'Role', {
      metadata,
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [POOL_GROUP], resources: ['inferencepools'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['llm-d.ai'], resources: ['inferenceobjectives', 'inferencemodelrewrites'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    const bind = (id: string, r: k8s.KubeRole) => new k8s.KubeRoleBinding(scope, id, {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: r.name },
      subjects: [{ kind: 'ServiceAccount', name: sa.name, namespace }],
    });
    bind('RoleBinding', role);
    const ha = ctx.replicas > 1;
    if (ha) {
      // --ha-enable-leader-election: a coordination.k8s.io Lease (routerlib/templates/_leader-election-rbac.yaml).
      const election = new k8s.KubeRole(scope, 'LeaderElectionRole', {
        metadata,
        rules: [
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
          { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        ],
      });
      bind('LeaderElectionRoleBinding', election);
    }

    const config = new k8s.KubeConfigMap(scope, 'EndpointPickerConfig', {
      metadata,
      data: { [CONFIG_FILE]: Yaml.stringify(this.endpointPickerConfig()) },
    });

    const eppService = new k8s.KubeService(scope, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [
          // The Gateway's ext_proc filter speaks gRPC (HTTP/2 cleartext or TLS) to it (routerlib/templates/_service.yaml).
          { name: 'grpc-ext-proc', port: EXT_PROC_PORT, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' },
          { name: 'http-metrics', port: METRICS_PORT, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' },
        ],
      },
    });

    const pool = new gaie.InferencePool(scope, 'InferencePool', {
      metadata,
      spec: {
        selector: { matchLabels: poolSelector(prefill, ctx.decode.spec) },
        targetPorts: [{ number: prefill.port }],
        appProtocol: gaie.InferencePoolSpecAppProtocol.HTTP,
        endpointPickerRef: {
          name: eppService.name,
          port: { number: EXT_PROC_PORT },
          failureMode: this.failureMode === EndpointPickerFailureMode.FAIL_OPEN
            ? gaie.InferencePoolSpecEndpointPickerRefFailureMode.FAIL_OPEN
            : gaie.InferencePoolSpecEndpointPickerRefFailureMode.FAIL_CLOSE,
        },
      },
    });

    // The EPP's health service: inference-extension with one replica, liveness/readiness with leader election
    // (routerlib/templates/_deployment.yaml).
    const probe = (service: string) => ({ grpc: { port: HEALTH_PORT, service } });
    // Tracing (pkg/common/observability/tracing/telemetry.go InitTracing at v0.10.0): the exporter is 'console'
    // unless OTEL_TRACES_EXPORTER is 'otlp' (gRPC, to OTEL_EXPORTER_OTLP_ENDPOINT); the sampler is
    // parentbased_traceidratio with OTEL_TRACES_SAMPLER_ARG, 0.1 by default.
    const tracing = ctx.tracing;
    if (tracing) requireOtlpGrpcEndpoint(ctx.where, tracing.otlpTracesEndpoint, 'the llm-d endpoint picker');
    const tracingEnv = tracing ? [
      { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: tracing.otlpTracesEndpoint },
      ...(tracing.samplingRatio === undefined ? [] : [
        { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
        { name: 'OTEL_TRACES_SAMPLER_ARG', value: String(tracing.samplingRatio) },
      ]),
    ] : [];
    // Args: pkg/epp/server/options.go AddFlags at v0.10.0. --tracing defaults to true (OTLP to localhost:4317);
    // --metrics-endpoint-auth defaults to true and then needs a ClusterRole for TokenReviews and
    // SubjectAccessReviews; off, the NetworkPolicy peers of the metrics port restrict it instead.
    const args = [
      `--pool-name=${pool.name}`,
      `--pool-namespace=${namespace}`,
      `--pool-group=${POOL_GROUP}`,
      `--config-file=${CONFIG_DIR}/${CONFIG_FILE}`,
      `--grpc-port=${EXT_PROC_PORT}`,
      `--grpc-health-port=${HEALTH_PORT}`,
      `--metrics-port=${METRICS_PORT}`,
      `--tracing=${tracing !== undefined}`,
      '--metrics-endpoint-auth=false',
      ...(ha ? ['--ha-enable-leader-election'] : []),
    ];
    const deployment = new k8s.KubeDeployment(scope, 'Resource', {
      metadata,
      spec: {
        replicas: ctx.replicas,
        // One active replica keeps the prefix-cache index whole; Recreate lets a new leader take over at once
        // (routerlib/templates/_deployment.yaml).
        strategy: { type: 'Recreate' },
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: sa.name,
            priorityClassName: ctx.priorityClassName,
            automountServiceAccountToken: true,
            // Restricted profile; the image runs as 65532 (Dockerfile.epp `USER 65532:65532` on distroless/static:nonroot, llm-d/llm-d-router@0c4e4ae).
            securityContext: podSecurityContext(EPP_UID, EPP_UID, false),
            // "this timeout should mirror the longest grace period of the pods within the pool" (routerlib).
            terminationGracePeriodSeconds: Math.max(ctx.prefill.spec.gracePeriodSeconds, ctx.decode.spec.gracePeriodSeconds),
            containers: [{
              name: 'epp',
              image: this.eppImage,
              imagePullPolicy: 'IfNotPresent',
              args,
              ports: EPP_PORTS.map(p => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })),
              env: [
                { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ...tracingEnv,
              ],
              // routerlib values.yaml epp.resources: CPU unlimited for bursts, memory capped.
              resources: {
                requests: { cpu: k8s.Quantity.fromString('8'), memory: k8s.Quantity.fromString('8Gi') },
                limits: { memory: k8s.Quantity.fromString('16Gi') },
              },
              livenessProbe: { ...probe(ha ? 'liveness' : 'inference-extension'), initialDelaySeconds: 5, periodSeconds: 10 },
              readinessProbe: { ...probe(ha ? 'readiness' : 'inference-extension'), periodSeconds: 2 },
              // Restricted profile (private/security.ts): a static Go binary that reads its config and writes no files.
              securityContext: containerSecurityContext(),
              volumeMounts: [{ name: 'epp-config', mountPath: CONFIG_DIR, readOnly: true }],
            }],
            volumes: [{ name: 'epp-config', configMap: { name: config.name } }],
          },
        },
      },
    });

    this.objectives.forEach((o, i) => {
      claimFixedName(scope, ctx.where, `strategy.objectives[${i}].name`, 'InferenceObjective', o.name);
      new llmd.InferenceObjective(scope, `Objective-${o.name}`, {
        // Requests name the objective itself, so its name is the user's, not a generated one.
        metadata: { name: o.name, labels },
        spec: { poolRef: { name: pool.name }, priority: o.priority },
      });
    });

    if (this.route) {
      const r = this.route;
      new gw.HttpRoute(scope, 'HttpRoute', {
        metadata,
        spec: {
          parentRefs: [{
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: r.gatewayName,
            namespace: r.gatewayNamespace,
            sectionName: r.sectionName,
          }],
          rules: [{
            matches: [{ path: { type: gw.HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: r.pathPrefix ?? '/' } }],
            backendRefs: [{ group: POOL_GROUP, kind: 'InferencePool', name: pool.name }],
            timeouts: { request: `${this.requestTimeoutSeconds}s` },
          }],
        },
      });
    }

    return {
      deployment,
      service: eppService,
      labels,
      selectorLabels: selector,
      as: PortPeer.EPP,
      ports: EPP_PORTS,
      // controller-runtime's metrics server: plain HTTP on --metrics-port, /metrics (cmd/epp/runner/runner.go at v0.10.0
      // sets no SecureServing; --metrics-endpoint-auth=false drops its authn filter).
      metrics: { podPort: 'metrics', servicePort: 'http-metrics', path: '/metrics' },
      noDisruptionBudget: ha
        ? 'with more than one endpoint picker replica only the elected leader is ready (--ha-enable-leader-election), so a budget would block every drain of its node; use one replica for a budget'
        : undefined,
      noUrlReason: this.route
        ? `clients call Gateway '${this.route.gatewayName}'${this.route.gatewayNamespace ? ` in namespace '${this.route.gatewayNamespace}'` : ''}, whose address its implementation decides`
        : 'clients call the Gateway whose HTTPRoute points at the InferencePool; set RouterStrategy.llmD({ httpRoute }) to render one',
      // Envoy Gateway runs its proxies in its controller's namespace unless Gateway Namespace Mode is on
      // (https://gateway.envoyproxy.io/latest/tasks/operations/gateway-namespace-mode); Istio's automated deployment
      // puts them in the Gateway's namespace (https://istio.io/latest/docs/tasks/traffic-management/ingress/gateway-api/#automated-deployment).
      // GKE's Gateways are Envoy-based Google load balancers outside the cluster: backends see the proxy-only subnet's addresses
      // and the health checks come from 35.191.0.0/16 and 130.211.0.0/22 (https://cloud.google.com/load-balancing/docs/firewall-rules,
      // https://cloud.google.com/load-balancing/docs/proxy-only-subnets).
      clientsUnknown: "must be set with RouterStrategy.llmD() while NetworkPolicies are on: the Gateway's data plane calls the " +
        `endpoint picker (ext_proc, port ${EXT_PROC_PORT}) and the decode pods' routing sidecars, and where it runs is the Gateway ` +
        "implementation's choice (Envoy Gateway: its controller's namespace, envoy-gateway-system by default; Istio: the Gateway's " +
        "namespace; GKE: the region's proxy-only subnet, plus Google's health-check ranges 35.191.0.0/16 and 130.211.0.0/22), so no " +
        "default fits; name it, e.g. [NetworkPeer.namespace('envoy-gateway-system')], [NetworkPeer.cidr('<proxy-only subnet>'), " +
        "NetworkPeer.cidr('35.191.0.0/16'), NetworkPeer.cidr('130.211.0.0/22')] on GKE, or " +
        '[NetworkPeer.SAME_NAMESPACE] when the proxies run in this namespace',
    };
  }

  /** The EPP's EndpointPickerConfig: the release's PD sample (deploy/config/pd-epp-config.yaml at v0.10.0), decider typed. */
  private endpointPickerConfig(): Record<string, unknown> {
    const decider = this.decider._plugin();
    const profile = (name: string, filter: string) => ({
      name,
      plugins: [
        { pluginRef: filter },
        { pluginRef: 'max-score-picker' },
        { pluginRef: 'prefix-cache-scorer', weight: 2 },
        { pluginRef: 'queue-scorer', weight: 1 },
      ],
    });
    return {
      apiVersion: 'llm-d.ai/v1alpha1',
      kind: 'EndpointPickerConfig',
      plugins: [
        // Feeds the prefix-cache scorer and the prefix-based decider (PrefixCacheMatchInfo on each endpoint).
        { type: 'approx-prefix-cache-producer', parameters: { maxPrefixTokensToMatch: 16384, lruCapacityPerServer: 31250 } },
        { type: 'prefix-cache-scorer' },
        { type: 'queue-scorer' },
        { type: 'prefill-filter' },
        { type: 'decode-filter' },
        { type: 'max-score-picker' },
        { type: 'disagg-profile-handler', parameters: { deciders: { prefill: decider.type } } },
        decider,
      ],
      schedulingProfiles: [profile('prefill', 'prefill-filter'), profile('decode', 'decode-filter')],
    };
  }
}

/** The label this router puts on every pod its pool selects (the serving pods of both tiers). */
const SERVING_LABELS = { [LLMD_SERVING_LABEL]: 'true' };

/**
 * The InferencePool's selector: the serving pods of both tiers and nothing else, the EPP's prefill-filter /
 * decode-filter telling them apart by llm-d.ai/role. It is what both tiers' serving selectors (their Services',
 * vllm-router's discovery: `servingSelectorLabels`, a multi-node tier's leaders) share, plus the serving label,
 * which a multi-node tier's workers lack: so a multi-node tier beside a single-node one still contributes its
 * leaders only. The EPP's endpoints are the ready pods matching it (llm-d-router v0.10.0
 * pkg/epp/controller/pod_reconciler.go, pkg/epp/datastore/datastore.go PoolLabelsMatch), and a worker, with no
 * probes, is ready at once: selected, it would be an endpoint that nothing listens on. The pool's selector is
 * matchLabels only (InferencePool v1 `LabelSelector`), hence a label rather than an expression.
 * llm-d's own wide-EP guide runs every pod of a group as an API server instead (`--data-parallel-hybrid-lb`,
 * a routing sidecar on each, the pool over all pods: guides/wide-ep-lws/manifests/modelserver/base/decode.yaml);
 * this library's groups serve from the leader (internal DP load balancing), so the pool selects leaders.
 */
function poolSelector(prefill: TierSpec, decode: TierSpec): { [key: string]: string } {
  const shared = Object.entries(prefill.servingSelectorLabels).filter(([k, v]) => decode.servingSelectorLabels[k] === v);
  return { ...Object.fromEntries(shared), ...SERVING_LABELS };
}

/** The EPP pod's ports and who dials them; the health port is for the kubelet's gRPC probes only. */
const EPP_PORTS: PodPort[] = [
  { name: 'grpc', containerPort: EXT_PROC_PORT, peers: [PortPeer.GATEWAY] },
  { name: 'grpc-health', containerPort: HEALTH_PORT, peers: [] },
  { name: 'metrics', containerPort: METRICS_PORT, peers: [PortPeer.MONITORING] },
];
