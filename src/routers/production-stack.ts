import { k8s } from 'cdk8s-plus-28';
import { Transport } from '../private/connector-context';
import { invalid } from '../private/errors';
import { requireImageReference } from '../private/k8s-syntax';
import { COMPONENT_LABEL } from '../private/labels';
import { HTTP_PORT_NAME } from '../private/ports';
import { LIVENESS_TIMING, READINESS_TIMING } from '../private/probes';
import { RouterContext, RouterImpl, RouterRendering } from '../private/router-context';
import { TierRole } from '../roles';
import { RouterDiscovery } from '../router-discovery';

/**
 * Options for `RouterStrategy.productionStackRouter()`.
 */
export interface ProductionStackRouterOptions {
  /**
   * The router image (its ENTRYPOINT is the router, so only args are set).
   *
   * @default 'docker.io/lmcache/lmstack-router:v0.1.12'
   * @see https://github.com/vllm-project/production-stack
   */
  readonly image?: string;
}

// production-stack's weekly release publishes lmcache/lmstack-router:v<chart version>
// (.github/workflows/scheduled-release.yml); v0.1.12 is pinned by third-party manifests.
const DEFAULT_IMAGE = 'docker.io/lmcache/lmstack-router:v0.1.12';
// The production-stack Helm values for LMCache PD point the prefill's LMCache sender at the router Service
// on 7500 (tutorials/assets/values-16-disagg-prefill.yaml: nixlProxyHost vllm-router-service, nixlProxyPort 7500).
// The router binds it in its NIXL/ZMQ code line (zmq_proxy.py `_zmq_pull_server`, production-stack PRs #841/#913);
// UNCONFIRMED which code line a given lmstack-router tag contains, so keep the image configurable.
const LMCACHE_NOTIFY_PORT = 7500;
/** production-stack matches prefill/decode pods by the value of this pod label (service_discovery.py `_get_model_label`). */
const MODEL_LABEL = 'model';

/** Decode's rank-0 LMCache receiver port, from the connector's typed endpoints. */
function lmcachePort(ctx: RouterContext, port: number | undefined): number {
  if (port === undefined) {
    throw invalid(ctx.where, 'decode.kvConnector', ctx.decode.spec.kvConnector.displayName, 'must be KvConnector.lmcache() for the production-stack router');
  }
  return port;
}

/**
 * The vLLM production-stack router (`vllm_router.app`) with `--routing-logic disaggregated_prefill`, the
 * LMCache PD flow (src/vllm_router/parsers/parser.py, routers/routing_logic.py).
 * @see https://github.com/vllm-project/production-stack/tree/main/tutorials
 */
export class ProductionStackRouterImpl implements RouterImpl {
  public readonly displayName = 'production-stack router';
  public readonly supportedTransports = [Transport.LMCACHE];
  private readonly image: string;

  public constructor(options: ProductionStackRouterOptions) {
    this.image = options.image ?? DEFAULT_IMAGE;
    if (!this.image || /\s/.test(this.image)) {
      throw invalid('RouterStrategy.productionStackRouter', 'image', this.image, 'must be an image reference without whitespace');
    }
    requireImageReference('RouterStrategy.productionStackRouter', 'image', this.image);
  }

  public render(ctx: RouterContext): RouterRendering {
    return {
      container: this.container(ctx),
      needsKubernetesApi: true,
      connectorPort: LMCACHE_NOTIFY_PORT,
      // production-stack matches prefill and decode pods by their `model` label.
      prefill: { labels: { [MODEL_LABEL]: TierRole.PREFILL } },
      decode: { labels: { [MODEL_LABEL]: TierRole.DECODE } },
    };
  }

  public validate(ctx: RouterContext): void {
    if (ctx.port === LMCACHE_NOTIFY_PORT) {
      throw invalid(ctx.where, 'port', ctx.port, `collides with the LMCache notification port (${LMCACHE_NOTIFY_PORT}); choose another port`);
    }
    if (ctx.discovery !== RouterDiscovery.KUBERNETES) {
      throw invalid(ctx.where, 'discovery', ctx.discovery, 'must be RouterDiscovery.KUBERNETES with the production-stack router');
    }
    // The router keeps one prefill and one decode client; with more endpoints the last one discovered wins
    // (src/vllm_router/services/request_service/request.py, initialize_client_sessions), i.e. 1P1D.
    for (const tier of [ctx.prefill.spec, ctx.decode.spec]) {
      if (tier.replicas !== 1) {
        throw invalid(ctx.where, `${tier.tier}.replicas`, tier.replicas,
          'must be 1 with the production-stack router: it routes to a single prefill and a single decode endpoint');
      }
    }
    if (ctx.replicas !== 1) {
      throw invalid(ctx.where, 'replicas', ctx.replicas, 'must be 1: LMCache transfer notifications go to one router');
    }
    // The router passes one init and one alloc port (receiver_init_port: [port]), i.e. one decode TP rank.
    if (ctx.decode.spec.tensorParallelSize !== 1) {
      throw invalid(ctx.where, 'decode.tensorParallelSize', ctx.decode.spec.tensorParallelSize,
        'must be 1 with the production-stack router: it sends LMCache a single receiver port pair (TP rank 0)');
    }
    if (ctx.prefill.spec.port !== ctx.decode.spec.port) {
      throw invalid(ctx.where, 'decode.port', ctx.decode.spec.port, `must equal prefill's port (${ctx.prefill.spec.port}): --k8s-port applies to both tiers`);
    }
  }

  private container(ctx: RouterContext): k8s.Container {
    const prefill = ctx.prefill.spec;
    const { endpoints } = ctx.decode;
    // Set-based selector: only this deployment's vLLM pods (k8s label selector syntax).
    const selector = [
      ...Object.entries(prefill.instanceLabels).map(([k, v]) => `${k}=${v}`),
      `${COMPONENT_LABEL} in (${TierRole.PREFILL},${TierRole.DECODE})`,
    ].join(',');
    return {
      name: 'router',
      image: this.image,
      imagePullPolicy: 'IfNotPresent',
      // Flags: src/vllm_router/parsers/parser.py.
      args: [
        '--host', '0.0.0.0',
        '--port', String(ctx.port),
        '--service-discovery', 'k8s',
        '--k8s-service-discovery-type', 'pod-ip',
        '--k8s-namespace', `$(${ctx.namespaceEnv})`,
        '--k8s-port', String(prefill.port),
        '--k8s-label-selector', selector,
        '--routing-logic', 'disaggregated_prefill',
        '--prefill-model-labels', TierRole.PREFILL,
        '--decode-model-labels', TierRole.DECODE,
        // LMCache PD: the router binds a ZMQ PULL for prefill's transfer-done notifications and tells prefill
        // where decode listens (disagg_spec.receiver_host = the decode pod IP it discovered; ports from these
        // flags) (src/vllm_router/services/request_service/zmq_proxy.py and request.py;
        // tutorials/25-disagg-prefill-crd-enabled.md).
        '--nixl-proxy-host', '0.0.0.0',
        '--nixl-proxy-port', String(LMCACHE_NOTIFY_PORT),
        '--nixl-peer-host', '0.0.0.0',
        '--nixl-peer-init-port', String(lmcachePort(ctx, endpoints.peerInitPorts?.[0])),
        '--nixl-peer-alloc-port', String(lmcachePort(ctx, endpoints.peerAllocPorts?.[0])),
      ],
      ports: [
        { name: HTTP_PORT_NAME, containerPort: ctx.port, protocol: 'TCP' },
        { name: 'lmcache-notify', containerPort: LMCACHE_NOTIFY_PORT, protocol: 'TCP' },
      ],
      resources: {
        requests: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') },
        limits: { memory: k8s.Quantity.fromString('2Gi') },
      },
      // GET /health answers 200 while discovery and stats threads live (routers/main_router.py); the Helm
      // chart probes it for liveness and readiness.
      livenessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString(HTTP_PORT_NAME) }, ...LIVENESS_TIMING },
      readinessProbe: { httpGet: { path: '/health', port: k8s.IntOrString.fromString(HTTP_PORT_NAME) }, ...READINESS_TIMING },
    };
  }
}
