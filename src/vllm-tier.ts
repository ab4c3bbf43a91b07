import { ApiObject, Duration, Lazy, Names, Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Accelerator } from './accelerator';
import { KvConnector } from './kv-connector';
import { AttentionKind, Model } from './model';
import { ModelCache } from './model-cache';
import { checkStruct, requirePort } from './private/boundary';
import { Capability, has, requireCapability } from './private/compat';
import { RouterBinding, TierContext } from './private/connector-context';
import { renderExtraEnv } from './private/env';
import { invalid, requireInteger, wholeSeconds } from './private/errors';
import { requireDistinctMountPaths } from './private/k8s-syntax';
import {
  APP_NAME, COMPONENT_LABEL, INSTANCE_LABEL, LLMD_ROLE_LABEL, MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL, VERSION_LABEL,
} from './private/labels';
import { bytesOf, quantity } from './private/size';
import { VLLM_TIER_PROPS } from './private/tier-keys';
import { checkExtraArgs, renderServeArgs } from './private/vllm-args';
import { KvRole, TierRole } from './roles';
import { KvCacheDtype, VllmTierProps } from './tier-options';
import { VllmImage } from './vllm-image';

// vLLM answers GET /health with 200 when the engine is healthy and 503 on EngineDeadError
// (vllm/entrypoints/serve/instrumentator/health.py). The startup probe's long budget covers the model load;
// llm-d suggests /v1/models for startup (llm-d.ai/docs/usage/readiness-probes), a claim not checked here.
const HEALTH_PATH = '/health';
const HTTP_PORT_NAME = 'http';
const DEFAULT_PORT = 8000; // `vllm serve --port` default (docs.vllm.ai/en/latest/cli/serve.html)
const STARTUP_PERIOD_SECONDS = 10;
const DRAIN_MARGIN_SECONDS = 30;
const DEFAULT_PRE_STOP_SLEEP_SECONDS = 10;
const SHM_VOLUME = 'dshm';
const CACHE_VOLUME = 'model-cache';
const CONTAINER_NAME = 'vllm';


/**
 * Shared implementation of `PrefillTier` and `DecodeTier`: one Deployment (`Resource`) of
 * `vllm serve` pods and one ClusterIP Service (`Service`).
 */
export abstract class VllmTier extends Construct {
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
  /** GPUs requested by each pod: tensor x pipeline x data. */
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
  /** The tier's Deployment. */
  public readonly deployment: ApiObject;
  /** The tier's ClusterIP Service. */
  public readonly service: ApiObject;
  /** Name of the tier's Service. */
  public readonly serviceName: string;
  /** Labels that select exactly this tier's pods. */
  public readonly selectorLabels: { [key: string]: string };

  /**
   * What connectors and pair rules know about this tier.
   * @internal
   */
  public readonly _context: TierContext;

  private _router?: RouterBinding;
  private _routerPath?: string;

  protected constructor(scope: Construct, id: string, role: TierRole, props: VllmTierProps) {
    super(scope, id);
    const where = `${role === TierRole.PREFILL ? 'PrefillTier' : 'DecodeTier'} '${this.node.path}'`;
    if (!props || !props.model) {
      throw invalid(where, 'model', props?.model, 'is required: pass Model.of(...) or a catalogue entry such as Model.LLAMA_3_1_8B_INSTRUCT');
    }
    props = checkStruct(where, 'props', props, VLLM_TIER_PROPS);
    // Tiers of one PD deployment share their parent's instance label; a second tier of the same role there
    // would share selectors with the first, so each Service would pick both Deployments' pods.
    const twin = this.node.scope?.node.children.find(c => c !== this && c instanceof VllmTier && c.role === role);
    if (twin) {
      throw invalid(where, 'scope', this.node.scope?.node.path || '<root>',
        `already holds ${role} tier '${twin.node.path}': put each PD deployment in its own scope (a Construct or a PdService)`);
    }
    this.role = role;
    this.model = props.model;
    this.servedModelName = props.servedModelName;
    this.tokenizer = props.tokenizer;
    this.image = props.image ?? VllmImage.DEFAULT;
    this.kvConnector = props.kvConnector ?? KvConnector.nixl();
    this.kvRole = props.kvRole ?? this.kvConnector._defaultKvRole(role);
    this.replicas = props.replicas ?? 1;
    this.accelerator = props.accelerator ?? Accelerator.NVIDIA_H100_80GB;
    this.tensorParallelSize = props.tensorParallelSize ?? 1;
    this.pipelineParallelSize = props.pipelineParallelSize ?? 1;
    this.dataParallelSize = props.dataParallelSize ?? 1;
    this.blockSize = props.blockSize;
    this.kvCacheDtype = props.kvCacheDtype;
    this.port = props.port ?? DEFAULT_PORT;
    const version = this.image.version;
    requireCapability(version, Capability.SUPPORTED_RELEASE, where, 'image', this.image.image);

    // ---- validation: every rule names the prop, the value and what is allowed
    requireInteger(where, 'replicas', this.replicas, 1);
    requireInteger(where, 'tensorParallelSize', this.tensorParallelSize, 1);
    requireInteger(where, 'pipelineParallelSize', this.pipelineParallelSize, 1);
    requireInteger(where, 'dataParallelSize', this.dataParallelSize, 1);
    requireInteger(where, 'maxModelLen', props.maxModelLen, 1);
    requireInteger(where, 'maxNumSeqs', props.maxNumSeqs, 1);
    requireInteger(where, 'maxNumBatchedTokens', props.maxNumBatchedTokens, 1);
    requireInteger(where, 'blockSize', props.blockSize, 1);
    requirePort(where, 'port', this.port);
    const gmu = props.gpuMemoryUtilization;
    if (gmu !== undefined && !(typeof gmu === 'number' && gmu > 0 && gmu <= 1)) {
      throw invalid(where, 'gpuMemoryUtilization', gmu, 'must be a fraction in (0, 1], e.g. 0.9');
    }
    if (props.kvCacheDtype !== undefined && !Object.values(KvCacheDtype).includes(props.kvCacheDtype)) {
      throw invalid(where, 'kvCacheDtype', props.kvCacheDtype, `must be one of ${Object.values(KvCacheDtype).join(', ')}`);
    }
    if (!Object.values(KvRole).includes(this.kvRole)) {
      throw invalid(where, 'kvRole', this.kvRole, `must be one of ${Object.values(KvRole).join(', ')}`);
    }
    this.gpusPerPod = this.tensorParallelSize * this.pipelineParallelSize * this.dataParallelSize;
    if (this.gpusPerPod > this.accelerator.gpusPerNode) {
      throw invalid(where, 'tensorParallelSize x pipelineParallelSize x dataParallelSize', this.gpusPerPod,
        `exceeds the ${this.accelerator.gpusPerNode} GPUs one ${this.accelerator.displayName} node has; a tier pod runs on one node`);
    }
    const arch = this.model.architecture;
    if (arch && arch.numAttentionHeads % this.tensorParallelSize !== 0) {
      throw invalid(where, 'tensorParallelSize', this.tensorParallelSize,
        `must divide the number of attention heads of ${this.model.name} (${arch.numAttentionHeads}) ` +
        '(vllm/config/model.py verify_with_parallel_config)');
    }
    // QKVParallelLinear (vllm/model_executor/layers/linear.py) splits KV heads across TP ranks with divide(), or,
    // when TP exceeds them, replicates each head on divide(tp, kv heads) ranks: one must divide the other.
    // MLA keeps one latent KV per token, replicated on every rank, so the rule does not apply there.
    const kvHeads = arch?.numKeyValueHeads;
    if (kvHeads !== undefined && this.model.attention !== AttentionKind.MLA
      && kvHeads % this.tensorParallelSize !== 0 && this.tensorParallelSize % kvHeads !== 0) {
      throw invalid(where, 'tensorParallelSize', this.tensorParallelSize,
        `must divide, or be a multiple of, the number of KV heads of ${this.model.name} (${kvHeads}) ` +
        '(vllm/model_executor/layers/linear.py QKVParallelLinear)');
    }
    if (arch?.numHiddenLayers !== undefined && this.pipelineParallelSize > arch.numHiddenLayers) {
      throw invalid(where, 'pipelineParallelSize', this.pipelineParallelSize,
        `must not exceed the number of layers of ${this.model.name} (${arch.numHiddenLayers})`);
    }
    // vllm/config/scheduler.py: without chunked prefill, max_num_batched_tokens must be >= max_model_len.
    if (props.enableChunkedPrefill === false && props.maxNumBatchedTokens !== undefined && props.maxModelLen !== undefined
      && props.maxNumBatchedTokens < props.maxModelLen) {
      throw invalid(where, 'maxNumBatchedTokens', props.maxNumBatchedTokens,
        `must be >= maxModelLen (${props.maxModelLen}) when enableChunkedPrefill is false (vllm/config/scheduler.py)`);
    }
    // A model download and load takes minutes; probes count whole seconds.
    this.startupTimeout = props.startupTimeout ?? Duration.minutes(60);
    const startupSeconds = wholeSeconds(where, 'startupTimeout', this.startupTimeout, 60);
    const drainSeconds = wholeSeconds(where, 'drainTimeout', props.drainTimeout ?? Duration.seconds(60), 0);
    const preStopSeconds = wholeSeconds(where, 'preStopSleep',
      props.preStopSleep ?? Duration.seconds(DEFAULT_PRE_STOP_SLEEP_SECONDS), 0);
    // The grace period counts from the deletion, preStop included; SIGTERM (and the --shutdown-timeout drain)
    // only starts once the hook returns, so the period must hold both plus a margin for engine teardown.
    const gracePeriodSeconds = preStopSeconds + drainSeconds + DRAIN_MARGIN_SECONDS;
    // Older releases reject `--shutdown-timeout`: they abort in-flight requests on SIGTERM, so an explicit
    // drainTimeout cannot be honoured there.
    const canDrain = has(version, Capability.SHUTDOWN_TIMEOUT_FLAG);
    if (props.drainTimeout !== undefined) {
      requireCapability(version, Capability.SHUTDOWN_TIMEOUT_FLAG, where, 'drainTimeout', `${drainSeconds}s`);
    }
    const shmSize = props.sharedMemorySize ?? Size.gibibytes(20);
    const gib = (s: Size) => bytesOf(s) / 1024 ** 3;
    const baseMemory = props.resources?.memory ?? Size.gibibytes(Math.max(32 * this.gpusPerPod, gib(shmSize) + 16));
    if (gib(baseMemory) <= gib(shmSize)) {
      throw invalid(where, 'resources.memory', `${gib(baseMemory)}Gi`,
        `must exceed sharedMemorySize (${gib(shmSize)}Gi): a memory-backed /dev/shm counts against the container's memory limit`);
    }
    const extraArgs = props.extraArgs ?? [];
    checkExtraArgs(where, extraArgs, version);

    const instance = Names.toLabelValue(this.node.scope ?? this);
    const instanceLabels = { [NAME_LABEL]: APP_NAME, [INSTANCE_LABEL]: instance };
    const ctx: TierContext = {
      where,
      tier: role,
      kvRole: this.kvRole,
      version,
      model: this.model,
      tensorParallelSize: this.tensorParallelSize,
      pipelineParallelSize: this.pipelineParallelSize,
      dataParallelSize: this.dataParallelSize,
      port: this.port,
      blockSize: this.blockSize,
      enableChunkedPrefill: props.enableChunkedPrefill,
      maxModelLen: props.maxModelLen,
      gpusPerPod: this.gpusPerPod,
      memoryExplicit: props.resources?.memory !== undefined,
      instanceLabels,
    };
    this._context = ctx;
    this.kvConnector._validate(ctx);
    // Connectors may force engine settings the user left unset (LMCache PD: chunked prefill off).
    this.enableChunkedPrefill = props.enableChunkedPrefill ?? this.kvConnector._engineDefaults(ctx).enableChunkedPrefill;
    // Host memory a connector allocates (offload store, pinned pools) is added so the kubelet does not OOM-kill the pod.
    const memoryBytes = bytesOf(baseMemory) + this.kvConnector._extraMemoryBytes(ctx);
    const podSettings = this.kvConnector._pod(ctx);

    // ---- container
    const ports: k8s.ContainerPort[] = [
      { name: HTTP_PORT_NAME, containerPort: this.port, protocol: 'TCP' },
      ...this.kvConnector._ports(ctx),
    ];
    const seen = new Map<number, string>();
    for (const p of ports) {
      const other = seen.get(p.containerPort);
      if (other !== undefined) {
        throw invalid(where, `container port '${p.name}'`, p.containerPort,
          `collides with container port '${other}'; change 'port' or the connector's port options`);
      }
      seen.set(p.containerPort, p.name!);
    }
    const servicePortNames = this.kvConnector._servicePortNames(ctx);
    const modelCache = props.modelCache ?? ModelCache.emptyDir();
    const libraryEnv: k8s.EnvVar[] = [
      ...this.kvConnector._env(ctx),
      ...(props.hfToken
        ? [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: props.hfToken.secret.name, key: props.hfToken.key } } }]
        : []),
      ...modelCache._env(),
    ];
    const env = [...libraryEnv, ...renderExtraEnv(where, props.extraEnv ?? [], libraryEnv, version)];
    const connectorVolumes = [
      ...this.kvConnector._volumes(ctx),
      ...this.kvConnector._objects(this, ctx, () => this._router),
    ];
    // Rendered at synth time: some connectors' JSON needs the router's address, bound by PdRouter later.
    const args = Lazy.any({
      produce: () => [
        ...renderServeArgs({
          model: this.model.name,
          servedModelName: this.servedModelName,
          tokenizer: this.tokenizer,
          port: this.port,
          tensorParallelSize: this.tensorParallelSize,
          pipelineParallelSize: this.pipelineParallelSize,
          dataParallelSize: this.dataParallelSize,
          gpuMemoryUtilization: gmu,
          maxModelLen: props.maxModelLen,
          maxNumSeqs: props.maxNumSeqs,
          maxNumBatchedTokens: props.maxNumBatchedTokens,
          blockSize: this.blockSize,
          kvCacheDtype: this.kvCacheDtype,
          enablePrefixCaching: props.enablePrefixCaching,
          enableChunkedPrefill: this.enableChunkedPrefill,
          kvTransferConfig: this.kvConnector._transferConfig({ ...ctx, router: this._router }),
          shutdownTimeoutSeconds: canDrain ? drainSeconds : undefined,
        }),
        ...extraArgs,
      ],
    }) as unknown as string[];
    const gpus = k8s.Quantity.fromNumber(this.gpusPerPod);
    const httpGet = { path: HEALTH_PATH, port: k8s.IntOrString.fromString(HTTP_PORT_NAME) };
    const container: k8s.Container = {
      name: CONTAINER_NAME,
      image: this.image.image,
      // Pinned tags are immutable, and vLLM images are ~10 GB: pull once per node.
      imagePullPolicy: 'IfNotPresent',
      // vllm-openai's entrypoint is `vllm serve` (docs/deployment/docker.md); set it explicitly, as llm-d
      // does, so images with another entrypoint behave the same.
      command: ['vllm', 'serve'],
      args,
      env,
      ports,
      resources: {
        requests: {
          cpu: k8s.Quantity.fromString(props.resources?.cpu?.amount ?? String(4 * this.gpusPerPod)),
          memory: k8s.Quantity.fromString(quantity(memoryBytes)),
          [this.accelerator.resourceName]: gpus,
        },
        limits: {
          memory: k8s.Quantity.fromString(quantity(memoryBytes)),
          [this.accelerator.resourceName]: gpus,
        },
      },
      volumeMounts: [
        // With hostIPC the host's /dev/shm is shared on purpose (NCCL across pods); do not hide it.
        ...(podSettings.hostIpc ? [] : [{ name: SHM_VOLUME, mountPath: '/dev/shm' }]),
        modelCache._mount(CACHE_VOLUME),
        ...connectorVolumes.map(v => v.mount),
      ],
      startupProbe: {
        httpGet,
        periodSeconds: STARTUP_PERIOD_SECONDS,
        timeoutSeconds: 5,
        failureThreshold: Math.ceil(startupSeconds / STARTUP_PERIOD_SECONDS),
      },
      readinessProbe: { httpGet, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 },
      livenessProbe: { httpGet, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      // An exec `sleep`, not the `sleep` lifecycle action: that action is alpha in Kubernetes 1.29 and beta from
      // 1.30 (KEP-3960, PodLifecycleSleepAction), absent from the 1.28 API this library is typed on
      // (cdk8s-plus-28 LifecycleHandler has only exec/httpGet/tcpSocket). vllm-openai is built FROM
      // nvidia/cuda:*-ubuntu22.04 with SHELL /bin/bash (vllm docker/Dockerfile, vllm-base stage), so coreutils'
      // `sleep` is on PATH.
      lifecycle: preStopSeconds > 0 ? { preStop: { exec: { command: ['sleep', String(preStopSeconds)] } } } : undefined,
    };

    requireDistinctMountPaths(where, container.volumeMounts!);

    // ---- labels
    this.selectorLabels = {
      ...instanceLabels,
      [COMPONENT_LABEL]: role,
      [LLMD_ROLE_LABEL]: role,
    };
    const labels = {
      ...this.selectorLabels,
      [VERSION_LABEL]: version.toString(),
      [MANAGED_BY_LABEL]: MANAGED_BY,
    };

    const tolerations: k8s.Toleration[] = [
      { key: this.accelerator.tolerationKey, operator: 'Exists', effect: 'NoSchedule' },
    ];
    const nodeSelector = this.accelerator.nodeLabelKey
      ? { [this.accelerator.nodeLabelKey]: this.accelerator.nodeLabelValue! }
      : undefined;

    const deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { labels },
      spec: {
        replicas: this.replicas,
        selector: { matchLabels: this.selectorLabels },
        // Rolling one pod at a time without surge: a surge pod would need spare GPUs.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(0), maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: {
            // Routers may need extra pod labels (production-stack matches a `model` label); bound later.
            labels: Lazy.any({ produce: () => ({ ...labels, ...this._router?.podLabels }) }) as unknown as { [key: string]: string },
            annotations: podSettings.annotations && Object.keys(podSettings.annotations).length > 0 ? podSettings.annotations : undefined,
          },
          spec: {
            // vLLM never talks to the Kubernetes API.
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: gracePeriodSeconds,
            nodeSelector,
            tolerations,
            containers: [container],
            hostIpc: podSettings.hostIpc,
            affinity: podSettings.affinity,
            volumes: [
              ...(podSettings.hostIpc ? [] : [{
                name: SHM_VOLUME,
                emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(quantity(bytesOf(shmSize))) },
              }]),
              modelCache._volume(CACHE_VOLUME),
              ...connectorVolumes.map(v => v.volume),
            ],
          },
        },
      },
    });
    this.deployment = deployment;

    const service = new k8s.KubeService(this, 'Service', {
      metadata: { labels },
      spec: {
        type: 'ClusterIP',
        selector: this.selectorLabels,
        ports: [
          { name: HTTP_PORT_NAME, port: this.port, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP' },
          ...ports.filter(p => servicePortNames.includes(p.name!)).map(p => ({
            name: p.name, port: p.containerPort, targetPort: k8s.IntOrString.fromString(p.name!), protocol: 'TCP',
          })),
        ],
      },
    });
    this.service = service;
    this.serviceName = service.name;

    this.node.addValidation({
      validate: () => this.kvConnector._needsRouterAddress() && this._router === undefined
        ? [`${where}: 'kvConnector' ('${this.kvConnector.displayName}') needs a PdRouter for this tier: its config carries the router's address`]
        : [],
    });
  }

  /**
   * Called by PdRouter: the router's address and the pod labels it needs.
   * @internal
   */
  public _bindRouter(binding: RouterBinding, routerPath: string): void {
    if (this._routerPath !== undefined && this._routerPath !== routerPath) {
      throw invalid(`PdRouter '${routerPath}'`, this.role, this.node.path,
        `is already routed by PdRouter '${this._routerPath}'; a tier belongs to one router`);
    }
    this._router = binding;
    this._routerPath = routerPath;
  }
}
