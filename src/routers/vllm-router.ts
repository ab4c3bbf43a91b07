import { k8s } from 'cdk8s-plus-28';
import { invalid } from '../private/errors';
import { DiscoveryMode, RouterContext, RouterImpl } from '../private/router-context';

/**
 * vllm-router's load-balancing policies (`--policy`, `--prefill-policy`, `--decode-policy`).
 *
 * @see https://github.com/vllm-project/router/blob/main/docs/cli_reference.md
 */
export enum RoutingPolicy {
  /** Random worker. */
  RANDOM = 'random',
  /** Round robin. */
  ROUND_ROBIN = 'round_robin',
  /** Prefix-cache-aware (the router's default). */
  CACHE_AWARE = 'cache_aware',
  /** Power of two choices (needs at least two workers per stage). */
  POWER_OF_TWO = 'power_of_two',
  /** Consistent hashing. */
  CONSISTENT_HASH = 'consistent_hash',
}

/**
 * Options for `RouterStrategy.vllmRouter()`.
 */
export interface VllmRouterOptions {
  /**
   * The router image. Its binary must be `vllm-router` (the Rust router from vllm-project/router).
   *
   * @default 'docker.io/vllm/vllm-router:v0.1.17'
   * @see https://github.com/vllm-project/router
   */
  readonly image?: string;

  /**
   * Policy for picking a prefill worker.
   *
   * @default RoutingPolicy.CACHE_AWARE
   * @see https://github.com/vllm-project/router/blob/main/docs/cli_reference.md
   */
  readonly prefillPolicy?: RoutingPolicy;

  /**
   * Policy for picking a decode worker.
   *
   * @default RoutingPolicy.ROUND_ROBIN
   * @see https://github.com/vllm-project/router/blob/main/docs/cli_reference.md
   */
  readonly decodePolicy?: RoutingPolicy;
}

// vllm-project/router releases 0.1.17 (PyPI vllm-router 0.1.17, 2026-11); its release pipeline publishes
// vllm/vllm-router:vX.Y.Z (.buildkite/release-pipeline.yml). Nightly tags are deleted after ~14 days
// (.buildkite/scripts/cleanup-nightly-router-builds.sh), so they cannot be pinned.
const DEFAULT_IMAGE = 'docker.io/vllm/vllm-router:v0.1.17';
// vllm-router's Prometheus exporter listens on --prometheus-port (default 29000), bound to
// --prometheus-host (default 127.0.0.1, so it must be 0.0.0.0 to be scraped) (docs/cli_reference.md).
const METRICS_PORT = 29000;

/**
 * vllm-router in PD mode (`--vllm-pd-disaggregation`): sends each request to a prefill worker with
 * `max_tokens=1` and `kv_transfer_params.do_remote_decode=true`, then the original request plus the
 * returned `kv_transfer_params` to a decode worker (src/routers/http/vllm_pd_router.rs).
 * @see https://github.com/vllm-project/router/blob/main/docs/model-routing/pd-disaggregation.md
 */
export class VllmRouterImpl implements RouterImpl {
  public readonly displayName = 'vllm-router';
  // `--kv-connector nixl|mooncake|moriio` (docs/cli_reference.md); this library wires NIXL here.
  public readonly supportedConnectors = ['NixlConnector'];
  private readonly image: string;
  private readonly prefillPolicy: RoutingPolicy;
  private readonly decodePolicy: RoutingPolicy;

  public constructor(options: VllmRouterOptions) {
    const where = 'RouterStrategy.vllmRouter';
    this.image = options.image ?? DEFAULT_IMAGE;
    if (!this.image || /\s/.test(this.image)) {
      throw invalid(where, 'image', this.image, 'must be an image reference without whitespace');
    }
    this.prefillPolicy = options.prefillPolicy ?? RoutingPolicy.CACHE_AWARE;
    this.decodePolicy = options.decodePolicy ?? RoutingPolicy.ROUND_ROBIN;
    for (const [prop, value] of [['prefillPolicy', this.prefillPolicy], ['decodePolicy', this.decodePolicy]] as const) {
      if (!Object.values(RoutingPolicy).includes(value)) {
        throw invalid(where, prop, value, `must be one of ${Object.values(RoutingPolicy).join(', ')}`);
      }
    }
  }

  public needsKubernetesApi(discovery: DiscoveryMode): boolean {
    return discovery === DiscoveryMode.KUBERNETES;
  }

  public validate(ctx: RouterContext): void {
    const { prefill, decode } = ctx;
    // --service-discovery-port is one port for every discovered worker (docs/cli_reference.md).
    if (ctx.discovery === DiscoveryMode.KUBERNETES && prefill.port !== decode.port) {
      throw invalid(ctx.where, 'decode.port', decode.port,
        `must equal prefill's port (${prefill.port}): vllm-router's --service-discovery-port applies to both tiers`);
    }
    // --intra-node-data-parallel-size is one value for every worker URL (docs/cli_reference.md).
    if (prefill.dataParallelSize !== decode.dataParallelSize) {
      throw invalid(ctx.where, 'decode.dataParallelSize', decode.dataParallelSize,
        `must equal prefill's dataParallelSize (${prefill.dataParallelSize}): vllm-router's --intra-node-data-parallel-size applies to both tiers`);
    }
    if (this.prefillPolicy === RoutingPolicy.POWER_OF_TWO && prefill.replicas < 2) {
      throw invalid(ctx.where, 'prefillPolicy', this.prefillPolicy, `needs at least 2 prefill replicas (got ${prefill.replicas})`);
    }
    if (this.decodePolicy === RoutingPolicy.POWER_OF_TWO && decode.replicas < 2) {
      throw invalid(ctx.where, 'decodePolicy', this.decodePolicy, `needs at least 2 decode replicas (got ${decode.replicas})`);
    }
  }

  public container(ctx: RouterContext): k8s.Container {
    const { prefill, decode } = ctx;
    // Flags and spellings: vllm-project/router docs/cli_reference.md and src/main.rs (clap). Each value is its
    // own list item: `--prefill URL` is split off before clap parses the rest.
    const args: string[] = [
      '--host', '0.0.0.0',
      '--port', String(ctx.port),
      '--vllm-pd-disaggregation',
      '--kv-connector', 'nixl',
      '--prefill-policy', this.prefillPolicy,
      '--decode-policy', this.decodePolicy,
    ];
    if (ctx.discovery === DiscoveryMode.KUBERNETES) {
      const selector = (labels: { [k: string]: string }) => Object.entries(labels).map(([k, v]) => `${k}=${v}`);
      args.push(
        '--service-discovery',
        '--service-discovery-namespace', `$(${ctx.namespaceEnv})`,
        // Default is 80 in clap; always set it to the vLLM port.
        '--service-discovery-port', String(prefill.port),
        '--prefill-selector', ...selector(prefill.selectorLabels),
        '--decode-selector', ...selector(decode.selectorLabels),
      );
    } else {
      args.push(
        '--prefill', `http://${prefill.serviceName}:${prefill.port}`,
        '--decode', `http://${decode.serviceName}:${decode.port}`,
      );
    }
    if (prefill.dataParallelSize > 1) {
      args.push('--intra-node-data-parallel-size', String(prefill.dataParallelSize));
    }
    args.push('--prometheus-host', '0.0.0.0', '--prometheus-port', String(METRICS_PORT));
    return {
      name: 'router',
      image: this.image,
      imagePullPolicy: 'IfNotPresent',
      // The image has no ENTRYPOINT; its binary is /usr/local/bin/vllm-router (Dockerfile.router).
      command: ['vllm-router'],
      args,
      ports: [
        { name: 'http', containerPort: ctx.port, protocol: 'TCP' },
        { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
      ],
      resources: {
        requests: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') },
        limits: { memory: k8s.Quantity.fromString('2Gi') },
      },
      // /liveness always answers 200; /readiness answers 200 once at least one prefill and one decode worker
      // are healthy (src/server.rs, src/routers/http/pd_router.rs). /health would fail on any one bad worker.
      livenessProbe: {
        httpGet: { path: '/liveness', port: k8s.IntOrString.fromString('http') },
        periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3,
      },
      readinessProbe: {
        httpGet: { path: '/readiness', port: k8s.IntOrString.fromString('http') },
        periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3,
      },
    };
  }
}
