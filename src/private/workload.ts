/**
 * Render: the spec and the merged contributions become a pod template, and the pod template becomes a
 * workload object: a Deployment (`renderDeployment`) when a replica fits one node, a LeaderWorkerSet
 * (`renderLeaderWorkerSet`, leader and worker templates from `renderTierPodTemplate`) when it spans nodes,
 * chosen from `TierSpec.nodesPerReplica`.
 */
import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { usesUcx } from './connector-context';
import { renderExtraEnv } from './env';
import { INTERCONNECT_CONTRIBUTOR, interconnectContribution } from './interconnect';
import { LWS_EXCLUSIVE_TOPOLOGY_ANNOTATION } from './labels';
import { claimFixedName } from './names';
import { GroupAffinityTerm, placementContribution, topologySpread } from './placement';
import { Contribution, containerPort, MergedPod, mergePod, PodContribution, PodPort, PodVolume, PortPeer } from './pod-contribution';
import { DP_RPC_PORT, DP_RPC_PORT_NAME, HTTP_PORT_NAME, MASTER_PORT, MASTER_PORT_NAME } from './ports';
import { LIVENESS_TIMING, READINESS_TIMING, STARTUP_PERIOD_SECONDS, STARTUP_TIMEOUT_SECONDS } from './probes';
import type { HttpPortChange } from './router-context';
import { containerSecurityContext, podSecurityContext, restricted, VLLM_GID, VLLM_UID, vllmWritablePaths } from './security';
import { quantity } from './size';
import type { TierSpec } from './tier-spec';
import { LeaderWorkerSet, LeaderWorkerSetSpec } from '../imports/leaderworkerset.x-k8s.io';

// vLLM answers GET /health with 200 when the engine is healthy and 503 on EngineDeadError
// (vllm/entrypoints/serve/instrumentator/health.py). The startup probe's long budget covers the model load;
// llm-d suggests /v1/models for startup (llm-d.ai/docs/usage/readiness-probes), a claim not checked here.
const HEALTH_PATH = '/health';
const SHM_VOLUME = 'dshm';
const CACHE_VOLUME = 'model-cache';
const CONTAINER_NAME = 'vllm';

/** What the tier's pods get from others: its connector, its router, the connector's config files. */
export interface TierContributions {
  readonly connector: Contribution;
  readonly router?: Contribution;
  /** How the router changes vLLM's HTTP port (moved behind a routing sidecar, other peers). */
  readonly routerHttp?: HttpPortChange;
  /** Volumes of the ConfigMaps the tier created for its connector. */
  readonly configVolumes?: PodVolume[];
}

/**
 * The vLLM HTTP port: the router dials it, monitoring scrapes /metrics on it; a router may move it behind a
 * routing sidecar (which then takes the tier's port) and name other peers.
 */
export function httpPort(spec: TierSpec, change: HttpPortChange = {}): PodPort {
  return {
    name: HTTP_PORT_NAME,
    containerPort: change.containerPort ?? spec.port,
    peers: change.peers ?? [PortPeer.ROUTER, PortPeer.MONITORING],
  };
}

/** The port vLLM listens on (`--port`): the merged pod's `http` port. */
export function servingPort(pod: MergedPod): number {
  const http = pod.ports.find(p => p.name === HTTP_PORT_NAME);
  if (!http) throw new Error('workload: the merged pod has no http port');
  return http.containerPort;
}

/**
 * The ports a rendered pod listens on: all of the merged pod's, except that a multi-node worker (`serving` false,
 * `vllm serve --headless`) runs no API server and so has no HTTP port. The pod template and the NetworkPolicies
 * both read it.
 */
export function listeningPorts(pod: MergedPod, serving: boolean): PodPort[] {
  return serving ? [...pod.ports] : pod.ports.filter(p => p.name !== HTTP_PORT_NAME);
}

/** Merges the tier's own pieces with every contribution, in the order the pod renders them. */
export function mergeTierPod(spec: TierSpec, c: TierContributions): MergedPod {
  // With hostIPC the host's /dev/shm is shared on purpose (NCCL across pods); do not hide it.
  const hostIpc = c.connector.pod?.hostIpc === true || c.router?.pod?.hostIpc === true;
  const multiNode = spec.nodesPerReplica > 1;
  // DeepEP's NVSHMEM registers (pins) GPU and host memory for RDMA: llm-d's wide-EP pods add IPC_LOCK
  // (llm-d guides/wide-ep-lws/manifests/modelserver/base/decode.yaml).
  const deepEp = spec.enableExpertParallel === true && spec.all2allBackend?._deepEp === true;
  // A memory-backed emptyDir's tmpfs is as large as its sizeLimit (KEP-1967 SizeMemoryBackedVolumes, on by default since 1.22), so
  // files a contributor keeps in /dev/shm (vLLM's CPU KV offload region) come on top of the user's size.
  const shmBytes = spec.sharedMemoryBytes + (c.connector.pod?.sharedMemoryBytes ?? 0) + (c.router?.pod?.sharedMemoryBytes ?? 0);
  const own: PodContribution = {
    ports: [
      httpPort(spec, c.routerHttp),
      // The pods of one group dial the leader's torch.distributed store and, with data parallelism across nodes,
      // its DP RPC socket; NCCL, Gloo and the DP engines then pick ephemeral ports (peersOnAnyPort).
      ...(multiNode ? [{ name: MASTER_PORT_NAME, containerPort: MASTER_PORT, peers: [PortPeer.SAME_TIER] }] : []),
      ...(multiNode && spec.dataParallelSize > 1 ? [{ name: DP_RPC_PORT_NAME, containerPort: DP_RPC_PORT, peers: [PortPeer.SAME_TIER] }] : []),
    ],
    peersOnAnyPort: multiNode ? [PortPeer.SAME_TIER] : undefined,
    capabilities: deepEp ? ['IPC_LOCK'] : undefined,
    volumes: [
      ...(hostIpc ? [] : [{
        volume: { name: SHM_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(quantity(shmBytes)) } },
        mount: { name: SHM_VOLUME, mountPath: '/dev/shm' },
      }]),
      { volume: spec.modelCache._volume(CACHE_VOLUME), mount: spec.modelCache._mount(CACHE_VOLUME) },
    ],
    labels: spec.labels,
  };
  const serving: PodContribution = {
    env: [
      ...(spec.hfToken
        ? [{ name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: spec.hfToken.secret.name, key: spec.hfToken.key } } }]
        : []),
      ...spec.modelCache._env(),
    ],
  };
  const ucx = usesUcx(spec.kvConnector._transport(), spec.enableEplb === true);
  return mergePod(spec.where, [
    { from: 'the tier', pod: own },
    { from: INTERCONNECT_CONTRIBUTOR, pod: interconnectContribution(spec.interconnect, ucx) },
    { from: 'the placement', pod: placementContribution(spec) },
    c.connector,
    ...(c.router ? [c.router] : []),
    { from: 'the model settings', pod: serving },
    { from: 'the security profile', pod: vllmWritablePaths() },
    { from: c.connector.from, pod: { volumes: c.configVolumes ?? [] } },
  ]);
}

/**
 * The vLLM pod template: one `vllm serve` container plus whatever sidecars and init containers were contributed.
 * `serving` false renders a multi-node worker (`vllm serve --headless`): no API server, so no HTTP port, probes
 * or preStop drain; a failing worker restarts its container, and the LeaderWorkerSet then recreates the group.
 */
export function renderTierPodTemplate(spec: TierSpec, pod: MergedPod, args: string[], serving = true): k8s.PodTemplateSpec {
  const env = tierPodEnv(spec, pod);
  const memory = k8s.Quantity.fromString(quantity(spec.baseMemoryBytes + pod.extraMemoryBytes));
  const gpus = k8s.Quantity.fromNumber(spec.gpusPerPod);
  const extended = Object.fromEntries(Object.entries(pod.resources).map(([k, v]) => [k, k8s.Quantity.fromNumber(v)]));
  const httpGet = { path: HEALTH_PATH, port: k8s.IntOrString.fromString(HTTP_PORT_NAME) };
  const container: k8s.Container = {
    name: CONTAINER_NAME,
    image: spec.image.image,
    // Pinned tags are immutable, and vLLM images are ~10 GB: pull once per node.
    imagePullPolicy: 'IfNotPresent',
    // vllm-openai's entrypoint is `vllm serve` (docs/deployment/docker.md); set it explicitly, as llm-d
    // does, so images with another entrypoint behave the same.
    command: ['vllm', 'serve'],
    args,
    env,
    ports: listeningPorts(pod, serving).filter(p => p.container === undefined).map(containerPort),
    resources: {
      requests: {
        cpu: k8s.Quantity.fromString(spec.cpu),
        memory,
        [spec.accelerator.resourceName]: gpus,
        ...extended,
      },
      limits: { memory, [spec.accelerator.resourceName]: gpus, ...extended },
    },
    // Restricted profile (private/security.ts); capabilities only as contributed (IPC_LOCK with RDMA, then as root).
    securityContext: containerSecurityContext(pod.capabilities),
    volumeMounts: pod.volumes.map(v => v.mount),
    startupProbe: serving ? {
      httpGet,
      periodSeconds: STARTUP_PERIOD_SECONDS,
      timeoutSeconds: STARTUP_TIMEOUT_SECONDS,
      failureThreshold: Math.ceil(spec.startupSeconds / STARTUP_PERIOD_SECONDS),
    } : undefined,
    readinessProbe: serving ? { httpGet, ...READINESS_TIMING } : undefined,
    livenessProbe: serving ? { httpGet, ...LIVENESS_TIMING } : undefined,
    // An exec `sleep`, not the `sleep` lifecycle action: that action is alpha in Kubernetes 1.29 and beta from
    // 1.30 (KEP-3960, PodLifecycleSleepAction), absent from the 1.28 API this library is typed on
    // (cdk8s-plus-28 LifecycleHandler has only exec/httpGet/tcpSocket). vllm-openai is built FROM
    // nvidia/cuda:*-ubuntu22.04 with SHELL /bin/bash (vllm docker/Dockerfile, vllm-base stage), so coreutils'
    // `sleep` is on PATH.
    lifecycle: serving && spec.preStopSeconds > 0 ? { preStop: { exec: { command: ['sleep', String(spec.preStopSeconds)] } } } : undefined,
  };
  const accelerator = spec.accelerator;
  const initContainers = [
    ...pod.initContainers.map(restricted),
    // Native sidecars (beta and on by default from Kubernetes 1.29): init containers that keep running beside the main container.
    ...pod.sidecars.map(c => ({ ...restricted(c), ...sidecarPorts(pod, c.name), restartPolicy: 'Always' })),
  ];
  return {
    metadata: {
      labels: pod.labels,
      annotations: Object.keys(pod.annotations).length > 0 ? pod.annotations : undefined,
    },
    spec: {
      // vLLM never talks to the Kubernetes API.
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(VLLM_UID, VLLM_GID, true),
      terminationGracePeriodSeconds: spec.gracePeriodSeconds,
      priorityClassName: spec.priorityClassName,
      schedulerName: spec.scheduling.schedulerName,
      nodeSelector: accelerator.nodeLabelKey ? { [accelerator.nodeLabelKey]: accelerator.nodeLabelValue! } : undefined,
      tolerations: [{ key: accelerator.tolerationKey, operator: 'Exists', effect: 'NoSchedule' }, ...spec.placement.tolerations],
      topologySpreadConstraints: topologySpread(spec, serving),
      initContainers: initContainers.length > 0 ? initContainers : undefined,
      containers: [container],
      hostIpc: pod.hostIpc || undefined,
      affinity: pod.affinity,
      volumes: pod.volumes.map(v => v.volume),
    },
  };
}

/**
 * What `renderTierPodTemplate` refuses, without rendering the rest: a tier checks its pod in its constructor (a bad
 * prop fails there, not at synth) and renders the template at synth, once.
 */
export function checkTierPod(spec: TierSpec, pod: MergedPod): void {
  tierPodEnv(spec, pod);
}

/** The vLLM container's env, after the checks that can refuse the merged pod (sidecar ports, the extraEnv rules). */
function tierPodEnv(spec: TierSpec, pod: MergedPod): k8s.EnvVar[] {
  for (const p of pod.ports) {
    if (p.container !== undefined && !pod.sidecars.some(c => c.name === p.container)) {
      throw new Error(`${spec.where}: container port '${p.name}' belongs to sidecar '${p.container}', which no contributor adds`);
    }
  }
  return [...pod.env, ...renderExtraEnv(spec.where, spec.extraEnv, pod.env, spec.version)];
}

/** The ports a sidecar listens on, declared as the pod's `PodPort`s (so peers and collisions are checked once). */
function sidecarPorts(pod: MergedPod, name: string): { ports?: k8s.ContainerPort[] } {
  const ports = pod.ports.filter(p => p.container === name);
  return ports.length > 0 ? { ports: ports.map(containerPort) } : {};
}

/** What every workload renderer needs. */
export interface WorkloadOptions {
  /** The object's name; undefined: generated from the construct path. */
  readonly name?: string;
  /** Labels of the workload object itself. */
  readonly labels: { [key: string]: string };
  readonly selector: { [key: string]: string };
  /** Rendered at synth time, so contributions bound after construction (a router) still reach the pods. */
  readonly template: () => k8s.PodTemplateSpec;
  /** Read at synth time; undefined leaves `replicas` out (an autoscaler owns it). */
  readonly replicas: () => number | undefined;
  readonly strategy?: k8s.DeploymentStrategy;
}

/** A Deployment (id `Resource`) whose spec is rendered at synth time. */
export function renderDeployment(scope: Construct, id: string, o: WorkloadOptions): ApiObject {
  return new k8s.KubeDeployment(scope, id, {
    metadata: named(o.name, { labels: o.labels }),
    spec: Lazy.any({
      produce: (): k8s.DeploymentSpec => ({
        replicas: o.replicas(),
        selector: { matchLabels: o.selector },
        strategy: o.strategy,
        template: o.template(),
      }),
    }) as unknown as k8s.DeploymentSpec,
  });
}

/** What the LeaderWorkerSet renderer needs besides the Deployment's options. */
export interface GroupWorkloadOptions {
  readonly labels: { [key: string]: string };
  /** Pods per group: the nodes of one replica. */
  readonly size: number;
  readonly leaderTemplate: () => k8s.PodTemplateSpec;
  readonly workerTemplate: () => k8s.PodTemplateSpec;
  /** Groups; undefined leaves `replicas` out (an autoscaler scales groups). */
  readonly replicas: () => number | undefined;
  /** `leaderworkerset.sigs.k8s.io/exclusive-topology`: one group per domain of this label. */
  readonly exclusiveTopologyKey?: string;
  /** A required pod-affinity term added to both templates: the pods of one group share a domain. */
  readonly groupAffinity?: GroupAffinityTerm;
  /** A fixed `metadata.name`; undefined lets cdk8s derive it from the construct path. */
  readonly name?: string;
  /** More annotations of the LeaderWorkerSet itself (a gang scheduler's queue). */
  readonly annotations?: { [key: string]: string };
}

/**
 * A LeaderWorkerSet (`leaderworkerset.x-k8s.io/v1`, id `Resource`): one group of `size` pods per replica.
 * Field semantics: kubernetes-sigs/lws api/leaderworkerset/v1/leaderworkerset_types.go @ v0.10.0 (2161f38).
 */
export function renderLeaderWorkerSet(scope: Construct, id: string, o: GroupWorkloadOptions): ApiObject {
  return new LeaderWorkerSet(scope, id, {
    metadata: named(o.name, {
      labels: o.labels,
      annotations: nonEmpty({
        ...o.annotations,
        ...(o.exclusiveTopologyKey ? { [LWS_EXCLUSIVE_TOPOLOGY_ANNOTATION]: o.exclusiveTopologyKey } : {}),
      }),
    }),
    spec: Lazy.any({
      produce: () => ({
        replicas: o.replicas(),
        // LeaderCreated (the CRD default, written out): with LeaderReady the workers would only be created once
        // the leader is ready, but the leader's /health only answers once its engine has every worker.
        startupPolicy: 'LeaderCreated',
        // One group at a time, no surge group: a surge group would need a spare set of GPU nodes.
        rolloutStrategy: {
          type: 'RollingUpdate',
          rollingUpdateConfiguration: { maxUnavailable: k8s.IntOrString.fromNumber(1), maxSurge: k8s.IntOrString.fromNumber(0) },
        },
        leaderWorkerTemplate: {
          size: o.size,
          // One torch.distributed world per group: a restarted pod cannot rejoin it, so the group restarts
          // together ("recreate all the pods in the group if any pod or container restarts").
          restartPolicy: 'RecreateGroupOnPodRestart',
          leaderTemplate: withGroupAffinity(o.leaderTemplate(), o.groupAffinity),
          workerTemplate: withGroupAffinity(o.workerTemplate(), o.groupAffinity),
        },
      }),
    }) as unknown as LeaderWorkerSetSpec,
  });
}

/** The map, or undefined when it has no key (cdk8s would render an empty `annotations: {}`). */
function nonEmpty(map: { [key: string]: string }): { [key: string]: string } | undefined {
  return Object.keys(map).length > 0 ? map : undefined;
}

/** The template with `term` joined to its required pod-affinity terms (all of them must hold, as in mergePod). */
function withGroupAffinity(t: k8s.PodTemplateSpec, term: GroupAffinityTerm | undefined): k8s.PodTemplateSpec {
  if (term === undefined) return t;
  const affinity = t.spec?.affinity;
  const required = [...(affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []), term];
  // The term carries matchLabelKeys, which the LWS binding renders and cdk8s-plus-28's 1.28 type lacks.
  const podAffinity = { ...affinity?.podAffinity, requiredDuringSchedulingIgnoredDuringExecution: required } as k8s.PodAffinity;
  return { ...t, spec: { ...t.spec!, affinity: { ...affinity, podAffinity } } };
}

/**
 * Metadata with a fixed name, or without the key: cdk8s generates the name from the construct path only when
 * `name` is absent (an explicit undefined would leave the object unnamed).
 */
export function named(name: string | undefined, metadata: k8s.ObjectMeta): k8s.ObjectMeta {
  return name === undefined ? metadata : { ...metadata, name };
}

/** The tier's ClusterIP Service: HTTP plus the ports contributors asked to expose. */
export function renderTierService(scope: Construct, id: string, spec: TierSpec, pod: MergedPod): ApiObject {
  if (spec.serviceName !== undefined) claimFixedName(scope, spec.where, 'serviceName', 'Service', spec.serviceName);
  return new k8s.KubeService(scope, id, {
    metadata: named(spec.serviceName, { labels: spec.labels }),
    spec: {
      type: 'ClusterIP',
      // A multi-node tier's leaders only: its workers run no API server.
      selector: spec.servingSelectorLabels,
      ports: [
        { name: HTTP_PORT_NAME, port: spec.port, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP' },
        ...pod.ports.filter(p => p.exposeOnService).map(p => ({
          name: p.name, port: p.containerPort, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP',
        })),
      ],
    },
  });
}
