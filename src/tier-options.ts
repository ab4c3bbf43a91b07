import { Duration, Size } from 'cdk8s';
import { Cpu, SecretValue } from 'cdk8s-plus-28';
import { Accelerator } from './accelerator';
import { DisruptionBudget } from './disruption-budget';
import { EnvironmentVariable } from './environment-variable';
import { All2allBackend, EplbConfig } from './expert-parallel';
import { Interconnect } from './interconnect';
import { KvConnector } from './kv-connector';
import { Model } from './model';
import { ModelCache } from './model-cache';
import { MonitoringOptions } from './monitoring';
import { TierPlacement } from './placement';
import { KvRole } from './roles';
import { TierScheduling } from './tier-scheduling';
import { VllmTracingOptions } from './tracing';
import { VllmImage } from './vllm-image';

/**
 * `--kv-cache-dtype` (vllm/config/cache.py `CacheDType`). Must be identical on prefill and decode:
 * NIXL's handshake compatibility hash includes it (docs/features/nixl_connector_compatibility.md).
 *
 * @see https://docs.vllm.ai/en/latest/cli/serve.html
 */
export enum KvCacheDtype {
  /** Same as the model dtype. */
  AUTO = 'auto',
  /** FP8 (E4M3 on CUDA). */
  FP8 = 'fp8',
  /** FP8 E4M3. */
  FP8_E4M3 = 'fp8_e4m3',
  /** FP8 E5M2. */
  FP8_E5M2 = 'fp8_e5m2',
}

/**
 * `--performance-mode` (vllm/config/vllm.py `PerformanceMode`, vLLM 0.17.0+): what vLLM tunes its defaults for.
 *
 * @see https://docs.vllm.ai/en/latest/cli/serve.html
 */
export enum PerformanceMode {
  /** vLLM's default. */
  BALANCED = 'balanced',
  /** Fine-grained CUDA graphs at small batch sizes (1 to 32), for the lowest latency per request. */
  INTERACTIVITY = 'interactivity',
  /** Doubles the unset maxNumBatchedTokens and maxNumSeqs defaults, for throughput. */
  THROUGHPUT = 'throughput',
}

/**
 * CPU and memory for each vLLM pod. GPUs are derived from parallelism.
 */
export interface TierResources {
  /**
   * CPU request. No CPU limit is set, so tokenization and scheduling are never throttled.
   *
   * @default - 4 cores per GPU
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
   */
  readonly cpu?: Cpu;

  /**
   * Memory request and limit (equal, so the pod is not the first evicted under memory pressure).
   * It must cover the memory-backed /dev/shm, which counts against it.
   *
   * @default - 32 GiB per GPU, and at least sharedMemorySize + 16 GiB
   * @see https://kubernetes.io/docs/concepts/storage/volumes/#emptydir-configuration-example
   */
  readonly memory?: Size;
}

/**
 * The settings a prefill or decode tier may choose independently of the other tier.
 */
export interface TierOptions {
  /**
   * Number of replicas: pods, or groups of `nodesPerReplica` pods on a multi-node tier.
   *
   * @default 1
   * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
   */
  readonly replicas?: number;

  /**
   * The GPU model the pods run on.
   *
   * @default Accelerator.NVIDIA_H100_80GB
   * @see https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
   */
  readonly accelerator?: Accelerator;

  /**
   * `--tensor-parallel-size`.
   *
   * @default 1
   * @see https://docs.vllm.ai/en/latest/serving/parallelism_scaling.html
   */
  readonly tensorParallelSize?: number;

  /**
   * `--pipeline-parallel-size`. Stages may sit on different nodes of a multi-node tier.
   *
   * @default 1
   * @see https://docs.vllm.ai/en/latest/serving/parallelism_scaling.html
   */
  readonly pipelineParallelSize?: number;

  /**
   * `--data-parallel-size`: engines per replica. GPUs per replica = tensor x pipeline x data.
   * Each data-parallel rank gets its own KV side-channel port.
   *
   * @default 1
   * @see https://docs.vllm.ai/en/latest/serving/data_parallel_deployment.html
   */
  readonly dataParallelSize?: number;

  /**
   * Nodes one replica spans. Above 1 the tier renders a LeaderWorkerSet (one pod per node, the GPUs of
   * one node each): the leader serves HTTP, the workers run `vllm serve --headless`. The replica's GPUs
   * (tensor x pipeline x data) must split evenly over the nodes, and with data parallelism every
   * data-parallel rank must sit on one node.
   *
   * @default - 1 when the replica fits one node, otherwise its GPUs divided by the accelerator's gpusPerNode
   * @see https://lws.sigs.k8s.io/docs/overview/
   */
  readonly nodesPerReplica?: number;

  /**
   * Topology label key whose domains hold exactly one group of a multi-node tier (the LeaderWorkerSet
   * annotation `leaderworkerset.sigs.k8s.io/exclusive-topology`), e.g. a rack or NVLink-domain label.
   *
   * @default - no exclusive placement
   * @see https://lws.sigs.k8s.io/docs/concepts/
   */
  readonly exclusiveTopologyKey?: string;

  /**
   * `--enable-expert-parallel`: MoE layers shard experts over the tensor x data ranks instead of
   * splitting each expert.
   *
   * @default - vLLM's default (off)
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly enableExpertParallel?: boolean;

  /**
   * `--all2all-backend`, with `enableExpertParallel`. DeepEP backends need RDMA between nodes.
   *
   * @default - vLLM's default (allgather_reducescatter)
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly all2allBackend?: All2allBackend;

  /**
   * `--enable-eplb`: expert-parallel load balancing, with `enableExpertParallel`.
   *
   * @default - vLLM's default (off)
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly enableEplb?: boolean;

  /**
   * `--eplb-config`, with `enableEplb`.
   *
   * @default - vLLM's defaults
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly eplbConfig?: EplbConfig;

  /**
   * `--gpu-memory-utilization`, in (0, 1].
   *
   * @default - vLLM's default (0.9)
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly gpuMemoryUtilization?: number;

  /**
   * `--max-model-len`.
   *
   * @default - from the model config
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly maxModelLen?: number;

  /**
   * `--max-num-seqs`.
   *
   * @default - vLLM's default
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly maxNumSeqs?: number;

  /**
   * Concurrent `maxModelLen` requests one replica must hold by the capacity plan (`CapacityPlanner`): synth fails
   * when the plan falls short, and warns when only its lower bound does. Needs a model with a sizable architecture.
   *
   * @default - not checked
   * @see https://docs.vllm.ai/en/latest/configuration/optimization.html
   */
  readonly minConcurrency?: number;

  /**
   * `--max-num-batched-tokens`.
   *
   * @default - vLLM's default
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly maxNumBatchedTokens?: number;

  /**
   * `--block-size` (tokens per KV block). Decode's may not be smaller than prefill's.
   *
   * @default - vLLM's platform default
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly blockSize?: number;

  /**
   * `--kv-cache-dtype`. Must match on both tiers.
   *
   * @default - vLLM's default ('auto')
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly kvCacheDtype?: KvCacheDtype;

  /**
   * `--enable-prefix-caching` / `--no-enable-prefix-caching`.
   *
   * @default - vLLM's default (on)
   * @see https://docs.vllm.ai/en/latest/features/automatic_prefix_caching.html
   */
  readonly enablePrefixCaching?: boolean;

  /**
   * `--enable-chunked-prefill` / `--no-enable-chunked-prefill`.
   *
   * @default - vLLM's default (on)
   * @see https://docs.vllm.ai/en/latest/configuration/optimization.html#chunked-prefill
   */
  readonly enableChunkedPrefill?: boolean;

  /**
   * `--performance-mode`: THROUGHPUT doubles the unset maxNumBatchedTokens and maxNumSeqs defaults, which the
   * capacity plan follows (a larger activation peak, a smaller KV cache). vLLM 0.17.0+.
   *
   * @default - vLLM's default (PerformanceMode.BALANCED)
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly performanceMode?: PerformanceMode;

  /**
   * `kv_role` of this tier; each connector allows only some roles per tier.
   *
   * @default - the connector's default: kv_producer on prefill, kv_consumer on decode
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly kvRole?: KvRole;

  /**
   * CPU and memory per pod.
   *
   * @default - see TierResources
   * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
   */
  readonly resources?: TierResources;

  /**
   * Size of the memory-backed `/dev/shm` (NCCL and torch use it between TP workers).
   *
   * @default Size.gibibytes(20)
   * @see https://docs.vllm.ai/en/latest/deployment/k8s.html
   */
  readonly sharedMemorySize?: Size;

  /**
   * How long a pod may take to download and load the model before the startup probe gives up.
   *
   * @default Duration.minutes(60)
   * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
   */
  readonly startupTimeout?: Duration;

  /**
   * How long in-flight requests may drain on shutdown (`--shutdown-timeout`). The pod's
   * `terminationGracePeriodSeconds` is `preStopSleep` plus this plus 30 s.
   *
   * @default Duration.seconds(60)
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly drainTimeout?: Duration;

  /**
   * How long a terminating pod keeps serving before vLLM gets SIGTERM (a `preStop` hook running
   * `sleep`), so the endpoint controller, kube-proxy and routers watching pods stop sending it
   * requests before vLLM stops accepting them. Whole seconds; `Duration.seconds(0)` renders no hook.
   *
   * @default Duration.seconds(10)
   * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
   */
  readonly preStopSleep?: Duration;

  /**
   * vLLM HTTP port (`--port`).
   *
   * @default 8000
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly port?: number;

  /**
   * The network KV caches move over. RDMA fabrics (InfiniBand, RoCE, EFA) add their device resource,
   * `IPC_LOCK` and transport env; TCP is not for production.
   *
   * @default - PdService's `interconnect`, else Interconnect.tcp()
   * @see https://llm-d.ai/docs/0.10/infrastructure/rdma
   */
  readonly interconnect?: Interconnect;

  /**
   * Name of the tier's Service (what the router and other clients dial), instead of the generated name with a
   * hash. A DNS-1035 label, unique among the Services of the namespace.
   *
   * @default - generated from the construct path (stable, but with a hash)
   * @see https://kubernetes.io/docs/concepts/services-networking/service/
   */
  readonly serviceName?: string;

  /**
   * Name of the tier's workload object (the Deployment or LeaderWorkerSet), instead of the generated name.
   *
   * @default - generated from the construct path (stable, but with a hash)
   * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
   */
  readonly workloadName?: string;

  /**
   * Spreading over nodes and zones, co-location with the other tier, extra node affinity and tolerations.
   *
   * @default - replicas spread over nodes and zones where possible (ScheduleAnyway), no co-location
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
   */
  readonly placement?: TierPlacement;

  /**
   * Extra `vllm serve` arguments. They may not repeat a flag the library renders.
   *
   * @default []
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly extraArgs?: string[];

  /**
   * Extra environment variables. They may not override a variable the library renders.
   *
   * @default []
   * @see https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/
   */
  readonly extraEnv?: EnvironmentVariable[];

  /**
   * A PodMonitor (or ServiceMonitor) scraping vLLM's `/metrics` on the HTTP port. Needs the Prometheus
   * operator's CRDs in the cluster.
   *
   * @default - no monitor object
   * @see https://docs.vllm.ai/en/latest/usage/metrics.html
   */
  readonly monitoring?: MonitoringOptions;

  /**
   * OpenTelemetry tracing (`--otlp-traces-endpoint`); vLLM >= 0.17.0.
   *
   * @default - no tracing
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly tracing?: VllmTracingOptions;

  /**
   * How many of this tier's pods a voluntary disruption (node drain, upgrade) may evict at once (the tier's
   * PodDisruptionBudget). A multi-node tier counts groups: evicting any pod of a group recreates the whole group,
   * so its one PDB over all its pods takes `DisruptionBudget.maxUnavailable(1)` (one group at a time) or `none()`;
   * other budgets have no exact pod-level rendering and are refused.
   *
   * @default DisruptionBudget.maxUnavailable(1)
   * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-budgets
   */
  readonly disruptionBudget?: DisruptionBudget;

  /**
   * `priorityClassName` of the tier's pods (an existing PriorityClass), so GPU pods are scheduled before,
   * and preempted after, less important work.
   *
   * @default - none (the cluster's default priority)
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/
   */
  readonly priorityClassName?: string;

  /**
   * Who admits and places the tier's pods beyond the default scheduler: `TierScheduling.kueue({ queueName })`
   * (quota-based admission; a multi-node group is admitted whole) or `TierScheduling.volcano()` (gang scheduling
   * of a multi-node tier's groups). Each needs its controller in the cluster.
   *
   * @default - the default scheduler, pod by pod (a multi-node group's pods are placed one at a time)
   * @see https://lws.sigs.k8s.io/docs/
   */
  readonly scheduling?: TierScheduling;
}

/**
 * What prefill and decode must share: model, tokenizer, image and KV connector.
 */
export interface ModelServingOptions {
  /**
   * The model to serve.
   */
  readonly model: Model;

  /**
   * `--served-model-name`: the name clients put in `"model"`.
   *
   * @default - the model name
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly servedModelName?: string;

  /**
   * `--tokenizer`.
   *
   * @default - the model's own tokenizer
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly tokenizer?: string;

  /**
   * The vLLM image and version.
   *
   * @default VllmImage.DEFAULT
   * @see https://docs.vllm.ai/en/latest/deployment/docker.html
   */
  readonly image?: VllmImage;

  /**
   * How KV caches move from prefill to decode.
   *
   * @default KvConnector.nixl()
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly kvConnector?: KvConnector;

  /**
   * The Hugging Face token, as a Secret key reference (rendered as `HF_TOKEN` via `secretKeyRef`).
   *
   * @default - no token (public models only)
   * @see https://huggingface.co/docs/huggingface_hub/package_reference/environment_variables#hftoken
   */
  readonly hfToken?: SecretValue;

  /**
   * Where model weights are cached.
   *
   * @default ModelCache.emptyDir()
   * @see https://kubernetes.io/docs/concepts/storage/volumes/
   */
  readonly modelCache?: ModelCache;
}

/**
 * Props of a standalone `PrefillTier` or `DecodeTier`.
 */
export interface VllmTierProps extends TierOptions, ModelServingOptions {}
