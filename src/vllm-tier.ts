import { ApiObject, Duration, Lazy, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator } from './accelerator';
import { CapacityPlan } from './capacity-planner';
import { EplbConfig } from './expert-parallel';
import { KvConnector } from './kv-connector';
import { Model } from './model';
import { IPdTier } from './pd-tier';
import { checkStruct } from './private/boundary';
import { RouterEndpoint, TierConnectorRendering } from './private/connector-context';
import { checkDisruptionBudget, NO_SURGE_ROLLOUT, renderDisruptionBudget } from './private/disruption';
import { invalid } from './private/errors';
import { COMPONENT_LABEL, instanceLabelValue, LWS_LEADER_ADDRESS_ENV, LWS_WORKER_INDEX_ENV, MANAGED_BY, MANAGED_BY_LABEL } from './private/labels';
import { renderMonitor } from './private/monitoring';
import { claimFixedName } from './private/names';
import { groupAffinity } from './private/placement';
import { Contribution, MergedPod, PodContribution, PodPort, PodVolume } from './private/pod-contribution';
import { DP_RPC_PORT, HTTP_PORT_NAME, MASTER_PORT, METRICS_PATH } from './private/ports';
import type { HttpPortChange, RouterScalingRule, ScalingRange } from './private/router-context';
import { CAPACITY_WARNING, checkTierCapacity, TierCapacity } from './private/sizing-checks';
import { VLLM_TIER_PROPS } from './private/tier-keys';
import { resolveTierSpec, TierSpec } from './private/tier-spec';
import { EngineSettings, renderServeArgs } from './private/vllm-args';
import { warn } from './private/warn';
import {
  checkTierPod, mergeTierPod, renderDeployment, renderLeaderWorkerSet, renderTierPodTemplate, renderTierService, servingPort,
} from './private/workload';
import { KvRole, TierRole } from './roles';
import { KvCacheDtype, VllmTierProps } from './tier-options';
import { VllmImage } from './vllm-image';

/** Where a pod sits: a single-node replica, or the leader or a worker of a multi-node group. */
enum NodeRole {
  SINGLE = 'single',
  LEADER = 'leader',
  WORKER = 'worker',
}

/** `--eplb-config` JSON in vLLM's field names (vllm/config/parallel.py EPLBConfig), fixed order. */
function eplbConfigJson(c: EplbConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (c.windowSize !== undefined) out.window_size = c.windowSize;
  if (c.stepInterval !== undefined) out.step_interval = c.stepInterval;
  if (c.numRedundantExperts !== undefined) out.num_redundant_experts = c.numRedundantExperts;
  if (c.logBalancedness !== undefined) out.log_balancedness = c.logBalancedness;
  return out;
}

/** What a PdRouter binds into a tier. */
interface RouterBinding {
  readonly path: string;
  readonly endpoint: RouterEndpoint;
  readonly contribution: Contribution;
  readonly scaling?: RouterScalingRule;
  readonly http?: HttpPortChange;
}

/**
 * Shared implementation of `PrefillTier` and `DecodeTier`: one Deployment (`Resource`) of
 * `vllm serve` pods and one ClusterIP Service (`Service`).
 *
 * Three stages: the props are resolved into a validated spec (`src/private/tier-spec.ts`); the connector and
 * the router contribute to the pods from that spec (`src/private/pod-contribution.ts`); the workload renderer
 * writes the pod template and the Deployment (`src/private/workload.ts`).
 */
export abstract class VllmTier extends Construct implements IPdTier {
  /** Prefill or decode. */
  public readonly role: TierRole;
  /** The served model. */
  public readonly model: Model;
  /** `--served-model-name`, if set. */
  public readonly servedModelName?: string;
  /** `--tokenizer`, if set. */
  public readonly tokenizer?: string;
  /** The vLLM image and version. */
  public readonly image: VllmImage;
  /** The KV connector. */
  public readonly kvConnector: KvConnector;
  /** This tier's `kv_role`. */
  public readonly kvRole: KvRole;
  /** Pods. */
  public readonly replicas: number;
  /** GPU model. */
  public readonly accelerator: Accelerator;
  /** `--tensor-parallel-size`. */
  public readonly tensorParallelSize: number;
  /** `--pipeline-parallel-size`. */
  public readonly pipelineParallelSize: number;
  /** `--data-parallel-size`. */
  public readonly dataParallelSize: number;
  /** GPUs requested by each pod: tensor x pipeline x data, divided by nodesPerReplica. */
  public readonly gpusPerPod: number;
  /** `--block-size`, if set. */
  public readonly blockSize?: number;
  /** `--kv-cache-dtype`, if set. */
  public readonly kvCacheDtype?: KvCacheDtype;
  /** `--enable-chunked-prefill`, if set by the user or forced by the connector. */
  public readonly enableChunkedPrefill?: boolean;
  /** vLLM HTTP port. */
  public readonly port: number;
  /** How long a pod may take to start (the startup probe's budget). */
  public readonly startupTimeout: Duration;
  /**
   * The tier's workload object, for escape hatches: a Deployment, or a LeaderWorkerSet
   * (`leaderworkerset.x-k8s.io/v1`) when a replica spans nodes.
   */
  public readonly workload: ApiObject;
  /** The same object as `workload` (a LeaderWorkerSet on multi-node tiers, despite the name). */
  public readonly deployment: ApiObject;
  /** Nodes (pods) one replica spans; above 1 the workload is a LeaderWorkerSet. */
  public readonly nodesPerReplica: number;
  /** The tier's ClusterIP Service. */
  public readonly service: ApiObject;
  /** Name of the tier's Service. */
  public readonly serviceName: string;
  /** Labels that select exactly this tier's pods (a multi-node tier's leaders and workers alike). */
  public readonly selectorLabels: { [key: string]: string };
  /** The tier's PodDisruptionBudget, unless `disruptionBudget` is `DisruptionBudget.none()`. */
  public readonly disruptionBudget?: ApiObject;
  /** The tier's PodMonitor or ServiceMonitor, when `monitoring` is set. */
  public readonly monitor?: ApiObject;

  /**
   * The tier's capacity plan per engine (`CapacityPlanner.plan` of its model, parallelism, engine settings and
   * accelerator), or undefined when the model cannot be sized (no architecture, or a rule not confirmed for the
   * release; see the report).
   */
  public readonly capacityPlan?: CapacityPlan;

  /**
   * The plan and the checks it passed, for the report.
   * @internal
   */
  public readonly _capacity: TierCapacity;

  /**
   * The resolved spec: the only input of connectors, routers and pair rules.
   * @internal
   */
  public readonly _spec: TierSpec;

  private readonly connectorFiles: PodVolume[];
  private router?: RouterBinding;
  private autoscaled = false;
  private scaling?: ScalingRange;
  /** Whether the user set `replicas` (an autoscaler's range must then hold it: it is not silently dropped). */
  private readonly replicasSet: boolean;
  private readonly renderings = new Map<RouterBinding | undefined, TierConnectorRendering>();
  private readonly merges = new Map<RouterBinding | undefined, MergedPod>();
  private readonly workerMerges = new Map<RouterBinding | undefined, MergedPod>();

  protected constructor(scope: Construct, id: string, role: TierRole, props: VllmTierProps) {
    super(scope, id);
    const where = `${role === TierRole.PREFILL ? 'PrefillTier' : 'DecodeTier'} '${this.node.path}'`;
    if (!props || !props.model) {
      throw invalid(where, 'model', props?.model, 'is required: pass Model.of(...) or a catalogue entry such as Model.LLAMA_3_1_8B_INSTRUCT');
    }
    // ---- 0. the validated boundary: types, shapes and unknown keys of every prop (private/boundary.ts)
    props = checkStruct(where, 'props', props, VLLM_TIER_PROPS);
    this.replicasSet = props.replicas !== undefined;
    // Tiers of one PD deployment share their parent's instance label; a second tier of the same role there
    // would share selectors with the first, so each Service would pick both Deployments' pods.
    const twin = this.node.scope?.node.children.find(c => c !== this && c instanceof VllmTier && c.role === role);
    if (twin) {
      throw invalid(where, 'scope', this.node.scope?.node.path || '<root>',
        `already holds ${role} tier '${twin.node.path}': put each PD deployment in its own scope (a Construct or a PdService)`);
    }
    // ---- 1. resolve: defaults, rules, the connector's rules; the only input of the stages below
    const spec = resolveTierSpec({ where, role, instance: instanceLabelValue(this.node.scope ?? this), props });
    this._spec = spec;
    // The capacity plan, a function of the spec: fails here when the weights or one maxModelLen request do not
    // fit, or minConcurrency is not met; warns (cdk8s annotations) when only a bound falls short.
    this._capacity = checkTierCapacity(spec);
    this.capacityPlan = this._capacity.plan;
    for (const warning of this._capacity.warnings) this.node.addMetadata(CAPACITY_WARNING, warning);
    const ready = spec.scheduling.podsReadyTimeout;
    if (ready && spec.startupSeconds > ready.seconds) {
      warn(this, `pods-ready-timeout:${ready.what}`, `${where}: startupTimeout is ${spec.startupSeconds / 60} minutes, but ${ready.what}: ` +
        `a model load that takes longer restarts from scratch; set waitForPodsReady.timeout and recoveryTimeout in Kueue's configuration to at least ${spec.startupSeconds / 60}m ` +
        'and say so with TierScheduling.kueue({ podsReadyTimeout }) (or waitForPodsReady: false if it is off), or lower startupTimeout');
    }
    this.role = role;
    this.model = spec.model;
    this.servedModelName = spec.servedModelName;
    this.tokenizer = spec.tokenizer;
    this.image = spec.image;
    this.kvConnector = spec.kvConnector;
    this.kvRole = spec.kvRole;
    this.replicas = spec.replicas;
    this.accelerator = spec.accelerator;
    this.tensorParallelSize = spec.tensorParallelSize;
    this.pipelineParallelSize = spec.pipelineParallelSize;
    this.dataParallelSize = spec.dataParallelSize;
    this.gpusPerPod = spec.gpusPerPod;
    this.nodesPerReplica = spec.nodesPerReplica;
    this.blockSize = spec.blockSize;
    this.kvCacheDtype = spec.kvCacheDtype;
    this.enableChunkedPrefill = spec.enableChunkedPrefill;
    this.port = spec.port;
    this.startupTimeout = props.startupTimeout ?? Duration.minutes(60);
    this.selectorLabels = spec.selectorLabels;

    // ---- 2. contribute: the connector's config files become ConfigMaps of this tier (content read at synth,
    // when the router's address is known); then everything is merged once now, so collisions fail here.
    this.connectorFiles = this.connectorRendering().configFiles.map((file, i) => {
      let fileScope: Construct = this;
      for (const part of file.path.slice(0, -1)) fileScope = (fileScope.node.tryFindChild(part) as Construct) ?? new Construct(fileScope, part);
      const cm = new ApiObject(fileScope, file.path[file.path.length - 1], {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { labels: { ...spec.instanceLabels, [COMPONENT_LABEL]: spec.tier, [MANAGED_BY_LABEL]: MANAGED_BY } },
        data: Lazy.any({ produce: () => ({ [file.fileName]: Yaml.stringify(this.connectorRendering().configFiles[i].content) }) }),
      });
      return {
        volume: { name: file.volumeName, configMap: { name: cm.name } },
        mount: { name: file.volumeName, mountPath: file.mountPath, readOnly: true },
      };
    });
    const pod = this.mergedPod();

    // ---- 3. render: a Deployment, or a LeaderWorkerSet when a replica spans nodes
    // Rendered at synth time: some connectors' JSON needs the router's address, bound by PdRouter later.
    // A worker runs no API server, so nothing a router adds (a routing sidecar, its labels) reaches it.
    const template = (node: NodeRole) => () => renderTierPodTemplate(spec, this.mergedPod(this.router, node !== NodeRole.WORKER),
      [...renderServeArgs(this.engineSettings(node)), ...spec.extraArgs], node !== NodeRole.WORKER);
    const replicas = () => (this.autoscaled ? undefined : spec.replicas);
    if (spec.workloadName !== undefined) {
      claimFixedName(this, spec.where, 'workloadName', spec.nodesPerReplica > 1 ? 'LeaderWorkerSet' : 'Deployment', spec.workloadName);
    }
    this.workload = spec.nodesPerReplica > 1
      ? renderLeaderWorkerSet(this, 'Resource', {
        labels: { ...spec.labels, ...spec.scheduling.workloadLabels },
        annotations: spec.scheduling.workloadAnnotations,
        size: spec.nodesPerReplica,
        replicas,
        leaderTemplate: template(NodeRole.LEADER),
        workerTemplate: template(NodeRole.WORKER),
        exclusiveTopologyKey: spec.exclusiveTopologyKey,
        groupAffinity: groupAffinity(spec),
        name: spec.workloadName,
      })
      : renderDeployment(this, 'Resource', {
        name: spec.workloadName,
        labels: { ...spec.labels, ...spec.scheduling.workloadLabels },
        selector: spec.selectorLabels,
        replicas,
        strategy: NO_SURGE_ROLLOUT,
        template: template(NodeRole.SINGLE),
      });
    this.deployment = this.workload;
    // Checked eagerly too (the extraEnv rules), so a bad prop fails in the constructor, not at synth.
    checkTierPod(spec, pod);
    this.service = renderTierService(this, 'Service', spec, pod);
    this.serviceName = this.service.name;
    this.disruptionBudget = renderDisruptionBudget(this, 'DisruptionBudget', {
      where, prop: 'disruptionBudget', budget: spec.disruptionBudget, labels: spec.labels, selector: spec.selectorLabels, replicas: spec.replicas,
    });
    // vLLM serves Prometheus metrics at /metrics on its HTTP port (vllm/entrypoints/serve/instrumentator/metrics.py
    // in 0.22.0 and 0.32.0, vllm/entrypoints/openai/api_server.py mount_metrics in 0.12.0: Mount("/metrics", make_asgi_app())).
    if (spec.monitoring) {
      this.monitor = renderMonitor(this, 'Monitor', where, 'monitoring', spec.monitoring, {
        labels: spec.labels, selector: spec.selectorLabels, portName: HTTP_PORT_NAME, path: METRICS_PATH,
      });
    }

    // Checked at synth, against the autoscaler's minimum when one is bound later (and eagerly when it binds).
    this.node.addValidation({
      validate: () => {
        try {
          checkDisruptionBudget({
            where,
            prop: 'disruptionBudget',
            budget: spec.disruptionBudget,
            labels: {},
            selector: {},
            replicas: this.scaling?.minReplicas ?? spec.replicas,
            replicasName: this.scaling ? `the minReplicas of autoscaler ${this.scaling.where}` : undefined,
          });
          return [];
        } catch (e) {
          return [(e as Error).message];
        }
      },
    });
    this.node.addValidation({
      validate: () => this.kvConnector._needsRouterAddress() && this.router === undefined
        ? [`${where}: 'kvConnector' ('${this.kvConnector.displayName}') needs a PdRouter for this tier: its config carries the router's address`]
        : [],
    });
  }

  /**
   * Whether an autoscaler owns this tier's replica count (then `replicas` is left out of the workload).
   */
  public get hasAutoscaler(): boolean {
    return this.autoscaled;
  }

  /**
   * Called by an autoscaler bound to this tier (cdk8s-plus's `IScalable` pattern): the workload then
   * leaves `replicas` to it.
   */
  public markHasAutoscaler(): void {
    this.autoscaled = true;
  }

  /**
   * Called by TierAutoscaler: one autoscaler per tier, its range checked against the router's needs now (if
   * routed) or when a PdRouter binds later.
   * @internal
   */
  public _bindAutoscaler(range: ScalingRange): void {
    if (this.autoscaled) {
      throw invalid(range.where, 'tier', this.node.path,
        `already has an autoscaler${this.scaling ? ` ('${this.scaling.where}')` : ' (markHasAutoscaler() was called)'}; a tier takes one`);
    }
    if (this.replicasSet && (this._spec.replicas < range.minReplicas || this._spec.replicas > range.maxReplicas)) {
      throw invalid(range.where, 'minReplicas..maxReplicas', `${range.minReplicas}..${range.maxReplicas}`,
        `must hold the 'replicas' (${this._spec.replicas}) set on ${this.node.path}: the autoscaler owns the replica count, so leave 'replicas' unset or within the range`);
    }
    this.router?.scaling?.check(range);
    // At its minimum the autoscaler must still leave the budget a pod to evict.
    checkDisruptionBudget({
      where: this._spec.where,
      prop: 'disruptionBudget',
      budget: this._spec.disruptionBudget,
      labels: {},
      selector: {},
      replicas: range.minReplicas,
      replicasName: `the minReplicas of autoscaler ${range.where}`,
    });
    this.scaling = range;
    this.markHasAutoscaler();
  }

  /**
   * Same as `_spec`, under the name connectors' tests used before the spec existed.
   * @internal
   */
  public get _context(): TierSpec {
    return this._spec;
  }

  /**
   * Everything contributed to this tier's pods, merged (ports with their peers, for NetworkPolicies).
   * @internal
   */
  public _pod(): MergedPod {
    return this.mergedPod();
  }

  /**
   * What is contributed to a multi-node tier's worker pods (no router contribution: workers run no API server).
   * @internal
   */
  public _workerPod(): MergedPod {
    return this.mergedPod(this.router, false);
  }

  /**
   * The connector's endpoints on this tier, for routers.
   * @internal
   */
  public _connectorRendering(): TierConnectorRendering {
    return this.connectorRendering();
  }

  /**
   * Called by PdRouter: the router's address and what it adds to this tier's pods. Merged right away, so a
   * router contribution that collides with the connector's fails at the PdRouter.
   * @internal
   */
  public _bindRouter(routerPath: string, endpoint: RouterEndpoint, from: string, pod: PodContribution | undefined,
    scaling?: RouterScalingRule, http?: HttpPortChange): void {
    if (this.router !== undefined && this.router.path !== routerPath) {
      throw invalid(`PdRouter '${routerPath}'`, this.role, this.node.path,
        `is already routed by PdRouter '${this.router.path}'; a tier belongs to one router`);
    }
    const binding = { path: routerPath, endpoint, contribution: { from, pod }, scaling, http };
    // Merged before it is kept, so a router that fails to bind leaves the tier as it was.
    this.mergedPod(binding);
    if (this.scaling) scaling?.check(this.scaling);
    this.router = binding;
  }

  /** The typed engine settings of one pod of this tier; multi-node settings per the pod's place in its group. */
  private engineSettings(node: NodeRole): EngineSettings {
    const spec = this._spec;
    const multiNode = node !== NodeRole.SINGLE;
    // vLLM infers each node's data-parallel start rank from --node-rank (compat.ts MULTI_NODE_SERVE), so one
    // worker template serves every index of the group: LWS sets LWS_WORKER_INDEX per pod and Kubernetes
    // expands `$(VAR)` in args from the container's env (lws docs/examples/vllm/GPU/lws.yaml @ v0.10.0).
    const dpAcrossNodes = multiNode && spec.dataParallelSize > 1;
    return {
      model: spec.model.name,
      servedModelName: spec.servedModelName,
      tokenizer: spec.tokenizer,
      // The tier's port, unless a routing sidecar took it and vLLM moved behind it (the serving pod's; a headless
      // worker binds no HTTP port, so it renders the same value).
      port: servingPort(this.mergedPod()),
      tensorParallelSize: spec.tensorParallelSize,
      pipelineParallelSize: spec.pipelineParallelSize,
      dataParallelSize: spec.dataParallelSize,
      dataParallelSizeLocal: dpAcrossNodes ? spec.dataParallelSizeLocal : undefined,
      dataParallelAddress: dpAcrossNodes ? `$(${LWS_LEADER_ADDRESS_ENV})` : undefined,
      dataParallelRpcPort: dpAcrossNodes ? DP_RPC_PORT : undefined,
      nnodes: multiNode ? spec.nodesPerReplica : undefined,
      nodeRank: multiNode ? (node === NodeRole.LEADER ? '0' : `$(${LWS_WORKER_INDEX_ENV})`) : undefined,
      masterAddr: multiNode ? `$(${LWS_LEADER_ADDRESS_ENV})` : undefined,
      masterPort: multiNode ? MASTER_PORT : undefined,
      headless: node === NodeRole.WORKER,
      enableExpertParallel: spec.enableExpertParallel,
      all2allBackend: spec.all2allBackend?.name,
      enableEplb: spec.enableEplb,
      eplbConfig: spec.eplbConfig ? eplbConfigJson(spec.eplbConfig) : undefined,
      gpuMemoryUtilization: spec.gpuMemoryUtilization,
      maxModelLen: spec.maxModelLen,
      maxNumSeqs: spec.maxNumSeqs,
      maxNumBatchedTokens: spec.maxNumBatchedTokens,
      blockSize: spec.blockSize,
      kvCacheDtype: spec.kvCacheDtype,
      enablePrefixCaching: spec.enablePrefixCaching,
      enableChunkedPrefill: spec.enableChunkedPrefill,
      performanceMode: spec.performanceMode,
      kvTransferConfig: this.connectorRendering().transferConfig,
      shutdownTimeoutSeconds: spec.renderShutdownTimeout ? spec.drainSeconds : undefined,
      otlpTracesEndpoint: spec.tracing?.otlpTracesEndpoint,
      collectDetailedTraces: spec.tracing?.collectDetailedTraces,
    };
  }

  /**
   * The container ports of this tier's pods, with the peers that dial them (for the report).
   * @internal
   */
  public _podPorts(): PodPort[] {
    return this.mergedPod().ports;
  }

  // The spec, the connector and a binding never change, so each (binding or none) is rendered and merged once:
  // the constructor, the router's bind, the ConfigMaps and the pod template at synth share the results.
  private connectorRendering(router = this.router): TierConnectorRendering {
    return memo(this.renderings, router, () => this.kvConnector._render(this._spec, router?.endpoint));
  }

  /**
   * The merged pod of a serving pod (a single-node pod, a multi-node group's leader) or, `serving` false, of a
   * multi-node worker: the router's contribution and its HTTP port change go to serving pods only (the router
   * talks to the API server, which only they run); the connector's (its router address included) to every pod.
   */
  private mergedPod(router = this.router, serving = true): MergedPod {
    return memo(serving ? this.merges : this.workerMerges, router, () => mergeTierPod(this._spec, {
      connector: { from: this.kvConnector.displayName, pod: this.connectorRendering(router).pod },
      router: serving ? router?.contribution : undefined,
      routerHttp: serving ? router?.http : undefined,
      configVolumes: this.connectorFiles,
    }));
  }
}

function memo<K, V>(cache: Map<K, V>, key: K, make: () => V): V {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key)!;
}
