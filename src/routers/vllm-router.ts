import { k8s } from 'cdk8s-plus-28';
import { KvLoadFailurePolicy } from '../kv-connector-options';
import { Capability, requireCapability } from '../private/compat';
import { Transport } from '../private/connector-context';
import { invalid } from '../private/errors';
import { requireImageReference } from '../private/k8s-syntax';
import { PodPort, PortPeer } from '../private/pod-contribution';
import { HTTP_PORT_NAME, METRICS_PORT_NAME } from '../private/ports';
import { LIVENESS_TIMING, READINESS_TIMING, STARTUP_PERIOD_SECONDS, STARTUP_TIMEOUT_SECONDS } from '../private/probes';
import { requireOtlpGrpcEndpoint, RouterContext, RouterImpl, RouterRendering, ScalingRange } from '../private/router-context';
import { TierRole } from '../roles';
import { RouterDiscovery } from '../router-discovery';
import { VllmRouterVersion } from '../vllm-router-version';

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
   * The router image. Its binary must be `vllm-router` (the Rust router from vllm-project/router). When you
   * set it, set `version` too. vllm-router publishes only dated nightly images and upstream deletes old ones,
   * so mirror the image you use into your registry.
   *
   * @default 'docker.io/vllm/vllm-router:nightly-20260809-d2ba586' (README "The router" says how it was chosen)
   * @see https://github.com/vllm-project/router
   */
  readonly image?: string;

  /**
   * The vllm-router release the image contains: for a nightly, the newest PyPI release published before the
   * image's date. Decides which flags are rendered; releases the library cannot confirm are refused.
   *
   * @default '0.1.15' with the default image; required when `image` is set
   * @see https://pypi.org/project/vllm-router/#history
   */
  readonly version?: string;

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

// Docker Hub has only nightly vllm-router images: no vX.Y.Z tag was ever published (vllm-project/router issue #77,
// PR #231); tags are nightly-<build date>-<main commit>. This one (built 2026-08-09 from d2ba586) is pinned by the
// InferenceX benchmark's MI300X vllm-disagg launcher (VLLM_ROUTER_IMAGE=vllm/vllm-router:nightly-20260809-d2ba586).
// It was built after PyPI vllm-router 0.1.15 (2026-07-13) and before 0.1.16 (2026-10-10), so it contains 0.1.15;
// every flag rendered below is in src/main.rs CliArgs of both the 0.1.15 and the 0.1.16 sdists (and
// conformance/router/run checks them against 0.1.15). The old default, nightly-20260330-4f56d66, predates
// --kv-connector (router PR #151, April 2026). Upstream deletes older dated nightlies
// (.buildkite/scripts/cleanup-nightly-router-builds.sh), so mirror it into your registry.
const DEFAULT_IMAGE = 'docker.io/vllm/vllm-router:nightly-20260809-d2ba586';
const DEFAULT_IMAGE_VERSION = '0.1.15';
// vllm-router's Prometheus exporter listens on --prometheus-port (default 29000), bound to
// --prometheus-host (default 127.0.0.1, so it must be 0.0.0.0 to be scraped) (docs/cli_reference.md).
const METRICS_PORT = 29000;
// The vllm-router docs' NCCL mode binds the ZMQ registry on 0.0.0.0:30001, the port of vLLM's P2pNccl proxy
// (disagg_proxy_p2p_nccl_xpyd.py).
const ZMQ_DISCOVERY_PORT = 30001;

/**
 * What a routing policy keeps inside one router process, so that several router replicas (behind one
 * Service, each seeing part of the traffic) decide worse than one. Policies not listed keep nothing that
 * matters: random decides alone; consistent_hash hashes the request's session or user id onto a ring built
 * from the worker URLs, the same in every replica (src/policies/consistent_hash.rs); round_robin's counter
 * balances per replica too.
 */
const PER_REPLICA_STATE: { [policy: string]: string | undefined } = {
  // "maintains an approximate radix tree for each worker based on request history" (src/policies/cache_aware.rs)
  [RoutingPolicy.CACHE_AWARE]: 'each replica keeps its own approximate prefix tree of the requests it routed ' +
    '(vllm-router src/policies/cache_aware.rs), so a prefix seen by one replica is unknown to the other and prefix-cache ' +
    'hits drop; set replicas: 1, or RoutingPolicy.CONSISTENT_HASH (session affinity that every replica computes alike)',
  // load = polled worker load + the replica's own in-flight counter (src/policies/power_of_two.rs get_worker_load)
  [RoutingPolicy.POWER_OF_TWO]: 'each replica adds only its own in-flight requests to the polled worker loads ' +
    '(vllm-router src/policies/power_of_two.rs), so between polls the replicas may pick the same worker',
};

/**
 * vllm-router in PD mode (`--vllm-pd-disaggregation`): sends each request to a prefill worker with
 * `max_tokens=1` and `kv_transfer_params.do_remote_decode=true`, then the original request plus the
 * returned `kv_transfer_params` to a decode worker (src/routers/http/vllm_pd_router.rs).
 * @see https://github.com/vllm-project/router/blob/main/docs/model-routing/pd-disaggregation.md
 */
export class VllmRouterImpl implements RouterImpl {
  public readonly displayName = 'vllm-router';
  // `--kv-connector nixl|mooncake|moriio` (docs/cli_reference.md); P2pNccl through ZMQ registration
  // (`--vllm-discovery-address`, docs/model-routing/pd-disaggregation.md "NCCL Connector Mode"); shared storage
  // needs only prefill-then-decode, which the NIXL flow is: ExampleConnector finds KV by prompt hash and ignores
  // kv_transfer_params, and vllm-router then sends the original body to decode ("No kv_transfer_params for prefill
  // ..., decode will proceed without them", src/routers/http/vllm_pd_router.rs).
  public readonly supportedTransports = [Transport.NIXL_PULL, Transport.MOONCAKE, Transport.P2P_NCCL, Transport.SHARED_STORAGE];
  private readonly image: string;
  private readonly version: VllmRouterVersion;
  private readonly prefillPolicy: RoutingPolicy;
  private readonly decodePolicy: RoutingPolicy;
  private readonly explicitPolicies = new Set<string>();

  public constructor(options: VllmRouterOptions) {
    const where = 'RouterStrategy.vllmRouter';
    this.image = options.image ?? DEFAULT_IMAGE;
    if (!this.image || /\s/.test(this.image)) {
      throw invalid(where, 'image', this.image, 'must be an image reference without whitespace');
    }
    requireImageReference(where, 'image', this.image);
    if (options.image !== undefined && options.version === undefined) {
      throw invalid(where, 'version', undefined,
        `is required with 'image' (${options.image}): vllm-router tags carry no version; pass the newest PyPI vllm-router release older than the image, e.g. '${DEFAULT_IMAGE_VERSION}'`);
    }
    this.version = VllmRouterVersion.of(options.version ?? DEFAULT_IMAGE_VERSION);
    requireCapability(this.version, Capability.VLLM_ROUTER_SUPPORTED_RELEASE, where, 'version', this.version.toString());
    this.prefillPolicy = options.prefillPolicy ?? RoutingPolicy.CACHE_AWARE;
    if (options.prefillPolicy !== undefined) this.explicitPolicies.add('prefillPolicy');
    if (options.decodePolicy !== undefined) this.explicitPolicies.add('decodePolicy');
    this.decodePolicy = options.decodePolicy ?? RoutingPolicy.ROUND_ROBIN;
    for (const [prop, value] of [['prefillPolicy', this.prefillPolicy], ['decodePolicy', this.decodePolicy]] as const) {
      if (!Object.values(RoutingPolicy).includes(value)) {
        throw invalid(where, prop, value, `must be one of ${Object.values(RoutingPolicy).join(', ')}`);
      }
    }
  }

  public singleReplicaReason(transport: Transport): string | undefined {
    // Engines send their registrations to the one proxy_ip:proxy_port of their config, through the router
    // Service, over one ZMQ connection each; the registry is the router process's own memory
    // (src/routers/http/vllm_service_discovery.rs ServiceRegistry, entries expire after 5 s without a ping).
    // A second router pod would see only the engines whose connection landed on it. The other flows register
    // nothing: static Mooncake workers are read by each replica on its own (a GET of the bootstrap server's
    // /query at startup, VllmPDRouter::query_mooncake_bootstrap in src/routers/http/vllm_pd_router.rs), and
    // Kubernetes discovery watches pods from every replica.
    return transport === Transport.P2P_NCCL
      ? "engines register over one ZMQ connection with a single router, whose registry lives in that router's memory (vllm-router src/routers/http/vllm_service_discovery.rs)"
      : undefined;
  }

  public warnings(ctx: RouterContext): string[] {
    const out: string[] = [];
    // The router reads the prefill's Mooncake engine ids once, at startup (VllmPDRouter::new ->
    // query_mooncake_bootstrap, src/routers/http/vllm_pd_router.rs, 0.1.15), and vLLM draws a new engine_id at every
    // start (KVTransferConfig.engine_id default uuid4, vllm/config/kv_transfer.py, 0.32.0): after a prefill restart
    // decode finds no such engine on the bootstrap server ("not found from bootstrap server", mooncake_connector.py).
    if (ctx.transport === Transport.MOONCAKE && ctx.decode.spec.kvConnector.kvLoadFailurePolicy === KvLoadFailurePolicy.FAIL) {
      out.push(`${ctx.where}: MooncakeConnector on vllm-router with kvLoadFailurePolicy FAIL: the router reads the prefill's engine ids ` +
        'once at startup and the prefill draws new ones at every start, so after any prefill restart (rollout, eviction, OOM) ' +
        'every PD request fails until the router restarts too (kubectl rollout restart of the router Deployment). ' +
        'KvLoadFailurePolicy.RECOMPUTE keeps serving meanwhile (decode recomputes the prompt); RouterStrategy.llmD() queries each new prefill pod');
    }
    if (ctx.replicas < 2) return out;
    for (const [prop, policy] of [['prefillPolicy', this.prefillPolicy], ['decodePolicy', this.decodePolicy]] as const) {
      // The defaults together (2 replicas, cache_aware prefill) are documented on PdRouterOptions.replicas and
      // print nothing; a warning on every default synth would teach users to ignore warnings.
      if (!ctx.replicasExplicit && !this.explicitPolicies.has(prop)) continue;
      const state = PER_REPLICA_STATE[policy];
      if (state) out.push(`${ctx.where}: '${prop}' (${policy}) with ${ctx.replicas} router replicas: ${state}`);
    }
    return out;
  }

  public validate(ctx: RouterContext): void {
    const prefill = ctx.prefill.spec;
    const decode = ctx.decode.spec;
    for (const [name, taken] of [['metrics', METRICS_PORT], ['ZMQ registry', ZMQ_DISCOVERY_PORT]] as const) {
      if (ctx.port === taken && (name === 'metrics' || ctx.transport === Transport.P2P_NCCL)) {
        throw invalid(ctx.where, 'port', ctx.port, `collides with the router's ${name} port (${taken}); choose another port`);
      }
    }
    if (ctx.transport === Transport.MOONCAKE) {
      // vllm-router fetches Mooncake engine ids only for static --prefill workers, at startup
      // (VllmPDRouter::new -> query_mooncake_bootstrap); pods found by discovery get none, so decode runs without
      // KV transfer (router PR #209 tracks it). Through one Service address, the ids are only right for one pod.
      if (ctx.discovery !== RouterDiscovery.STATIC) {
        throw invalid(ctx.where, 'discovery', ctx.discovery,
          'must be RouterDiscovery.STATIC with MooncakeConnector: vllm-router bootstraps Mooncake only for static prefill URLs (vllm-project/router PR #209)');
      }
      if (prefill.replicas !== 1) {
        throw invalid(ctx.where, 'prefill.replicas', prefill.replicas,
          "must be 1 with MooncakeConnector on vllm-router: it reads one prefill's engine ids through the prefill Service at startup");
      }
    }
    // --service-discovery-port is one port for every discovered worker (docs/cli_reference.md).
    if (ctx.discovery === RouterDiscovery.KUBERNETES && prefill.port !== decode.port) {
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

  public validateScaling(ctx: RouterContext, scaling: ScalingRange): void {
    if (ctx.transport === Transport.MOONCAKE && scaling.tier === TierRole.PREFILL) {
      throw invalid(scaling.where, 'tier', scaling.tier,
        'cannot be autoscaled: MooncakeConnector on vllm-router needs exactly one prefill pod, whose engine ids it reads once at startup (vllm-project/router PR #209)');
    }
    if (ctx.transport !== Transport.P2P_NCCL && ctx.discovery === RouterDiscovery.STATIC) {
      // Static workers are fixed URLs: the router sees one worker per tier (the Service), so its policy cannot
      // balance across pods, and the pooled keep-alive connections it holds to that ClusterIP stay on the pods they
      // were opened to (kube-proxy balances per connection), so pods added later get little traffic.
      throw invalid(scaling.where, 'tier', scaling.tier,
        `cannot be autoscaled behind a vllm-router with RouterDiscovery.STATIC: it routes to one fixed URL per tier (${scaling.tier === TierRole.PREFILL ? ctx.prefill.serviceName : ctx.decode.serviceName}); use RouterDiscovery.KUBERNETES so it sees every pod`);
    }
    // power_of_two compares two distinct healthy workers; with one it just returns that one (src/policies/power_of_two.rs,
    // 0.1.15), so the policy only means something from two on. validate() asks the same of fixed replicas.
    const policy = scaling.tier === TierRole.PREFILL ? this.prefillPolicy : this.decodePolicy;
    if (policy === RoutingPolicy.POWER_OF_TWO && scaling.minReplicas < 2) {
      throw invalid(scaling.where, 'minReplicas', scaling.minReplicas,
        `must be at least 2: the router's ${scaling.tier === TierRole.PREFILL ? 'prefillPolicy' : 'decodePolicy'} ${policy} picks the less loaded of 2 ${scaling.tier} workers`);
    }
  }

  public render(ctx: RouterContext): RouterRendering {
    const nccl = ctx.transport === Transport.P2P_NCCL;
    const ports: PodPort[] = [
      { name: HTTP_PORT_NAME, containerPort: ctx.port, peers: [PortPeer.CLIENTS] },
      { name: METRICS_PORT_NAME, containerPort: METRICS_PORT, peers: [PortPeer.MONITORING] },
      // Each engine's rank 0 dials the registry and sends its registration every 3 s (p2p_nccl_engine.py).
      ...(nccl ? [{ name: 'kv-registry', containerPort: ZMQ_DISCOVERY_PORT, peers: [PortPeer.PREFILL, PortPeer.DECODE] }] : []),
    ];
    return {
      container: this.container(ctx),
      ports,
      // P2pNccl engines register themselves over ZMQ; no pod discovery then.
      needsKubernetesApi: ctx.transport !== Transport.P2P_NCCL && ctx.discovery === RouterDiscovery.KUBERNETES,
      connectorPort: ctx.transport === Transport.P2P_NCCL ? ZMQ_DISCOVERY_PORT : undefined,
      metricsPort: METRICS_PORT,
    };
  }

  private container(ctx: RouterContext): k8s.Container {
    const prefill = ctx.prefill.spec;
    const decode = ctx.decode.spec;
    // Flags and spellings: vllm-project/router docs/cli_reference.md and src/main.rs (clap). Each value is its
    // own list item: `--prefill URL` is split off before clap parses the rest.
    const args: string[] = [
      '--host', '0.0.0.0',
      '--port', String(ctx.port),
      '--vllm-pd-disaggregation',
    ];
    if (ctx.transport !== Transport.P2P_NCCL) {
      requireCapability(this.version, Capability.VLLM_ROUTER_KV_CONNECTOR_FLAG, ctx.where, 'strategy', this.displayName);
      args.push('--kv-connector', ctx.transport === Transport.MOONCAKE ? 'mooncake' : 'nixl');
    }
    args.push('--prefill-policy', this.prefillPolicy, '--decode-policy', this.decodePolicy);
    const bootstrap = ctx.prefill.endpoints.bootstrapPort;
    /** With static workers: how long the router may wait for them before it listens. */
    let startupBudget: number | undefined;
    if (ctx.transport === Transport.P2P_NCCL) {
      // Engines register {type, http_address, zmq_address} over ZMQ (src/routers/http/vllm_service_discovery.rs).
      args.push('--vllm-discovery-address', `0.0.0.0:${ZMQ_DISCOVERY_PORT}`);
    } else if (ctx.discovery === RouterDiscovery.KUBERNETES) {
      // vllm-router reads Mooncake's bootstrap port from the prefill pods' `vllm.ai/bootstrap-port` annotation.
      const selector = (labels: { [k: string]: string }) => Object.entries(labels).map(([k, v]) => `${k}=${v}`);
      args.push(
        '--service-discovery',
        '--service-discovery-namespace', `$(${ctx.namespaceEnv})`,
        // Default is 80 in clap; always set it to the vLLM port.
        '--service-discovery-port', String(prefill.port),
        // A multi-node tier's leaders only (servingSelectorLabels): its workers run no API server.
        '--prefill-selector', ...selector(prefill.servingSelectorLabels),
        '--decode-selector', ...selector(decode.servingSelectorLabels),
      );
    } else {
      // `--prefill URL [BOOTSTRAP_PORT|none]` (docs/cli_reference.md).
      args.push('--prefill', `http://${ctx.prefill.serviceName}:${prefill.port}`);
      if (bootstrap !== undefined) args.push(String(bootstrap));
      args.push('--decode', `http://${ctx.decode.serviceName}:${decode.port}`);
      // Static workers must become healthy within --worker-startup-timeout-secs (default 600, docs/cli_reference.md)
      // or the router exits; give it the tiers' own model-load budget.
      startupBudget = Math.max(prefill.startupSeconds, decode.startupSeconds);
      args.push('--worker-startup-timeout-secs', String(startupBudget));
    }
    if (prefill.dataParallelSize > 1) {
      args.push('--intra-node-data-parallel-size', String(prefill.dataParallelSize));
    }
    args.push('--prometheus-host', '0.0.0.0', '--prometheus-port', String(METRICS_PORT));
    if (ctx.tracing) {
      // src/main.rs "Tracing (OpenTelemetry)": --enable-trace turns tracing on; the endpoint goes to the OTLP/gRPC
      // (tonic) exporter, which takes a scheme and authority only (src/otel_trace.rs).
      requireCapability(this.version, Capability.VLLM_ROUTER_TRACING_FLAGS, ctx.where, 'tracing', ctx.tracing.otlpTracesEndpoint);
      requireOtlpGrpcEndpoint(ctx.where, ctx.tracing.otlpTracesEndpoint, 'vllm-router');
      args.push('--enable-trace', '--otlp-traces-endpoint', ctx.tracing.otlpTracesEndpoint);
      if (ctx.tracing.samplingRatio !== undefined) args.push('--otel-sampling-ratio', String(ctx.tracing.samplingRatio));
    }
    return {
      name: 'router',
      image: this.image,
      imagePullPolicy: 'IfNotPresent',
      // The image has no ENTRYPOINT; its binary is /usr/local/bin/vllm-router (Dockerfile.router).
      command: ['vllm-router'],
      args,
      resources: {
        requests: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') },
        limits: { memory: k8s.Quantity.fromString('2Gi') },
      },
      // /liveness always answers 200; /readiness answers 200 once at least one prefill and one decode worker
      // are healthy (src/server.rs, src/routers/http/pd_router.rs). /health would fail on any one bad worker.
      // With static workers the router waits for them to be healthy while it builds its PD router, before it binds its
      // port (src/routers/http/pd_router.rs wait_for_healthy_workers, src/server.rs create_router then
      // TcpListener::bind, vllm-router 0.1.15), so /liveness answers only after the model load: a startup probe holds
      // liveness off for the same budget plus one period, or the kubelet would restart the router every 30 s.
      startupProbe: startupBudget === undefined ? undefined : {
        httpGet: { path: '/liveness', port: k8s.IntOrString.fromString(HTTP_PORT_NAME) },
        periodSeconds: STARTUP_PERIOD_SECONDS,
        timeoutSeconds: STARTUP_TIMEOUT_SECONDS,
        failureThreshold: Math.ceil(startupBudget / STARTUP_PERIOD_SECONDS) + 1,
      },
      livenessProbe: { httpGet: { path: '/liveness', port: k8s.IntOrString.fromString(HTTP_PORT_NAME) }, ...LIVENESS_TIMING },
      // In ZMQ-registration mode workers live in a separate registry, so /readiness would stay 503;
      // use a TCP check there.
      readinessProbe: ctx.transport === Transport.P2P_NCCL
        ? { tcpSocket: { port: k8s.IntOrString.fromString(HTTP_PORT_NAME) }, ...READINESS_TIMING }
        : { httpGet: { path: '/readiness', port: k8s.IntOrString.fromString(HTTP_PORT_NAME) }, ...READINESS_TIMING },
    };
  }
}
