/**
 * Render: the spec and the merged contributions become a pod template, and the pod template becomes a
 * workload object. A Deployment today; a LeaderWorkerSet renderer goes beside `renderDeployment` (the leader
 * and worker templates from `renderTierPodTemplate`), chosen from `TierSpec.nodesPerReplica`.
 */
import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { renderExtraEnv } from './env';
import { INTERCONNECT_CONTRIBUTOR, interconnectContribution } from './interconnect';
import { Contribution, containerPort, MergedPod, mergePod, PodContribution, PodPort, PodVolume, PortPeer } from './pod-contribution';
import { HTTP_PORT_NAME } from './ports';
import { LIVENESS_TIMING, READINESS_TIMING, STARTUP_PERIOD_SECONDS, STARTUP_TIMEOUT_SECONDS } from './probes';
import { quantity } from './size';
import type { TierSpec } from './tier-spec';

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
  /** Volumes of the ConfigMaps the tier created for its connector. */
  readonly configVolumes?: PodVolume[];
}

/** The vLLM HTTP port: the router dials it, monitoring scrapes /metrics on it. */
export function httpPort(spec: TierSpec): PodPort {
  return { name: HTTP_PORT_NAME, containerPort: spec.port, peers: [PortPeer.ROUTER, PortPeer.MONITORING] };
}

/** Merges the tier's own pieces with every contribution, in the order the pod renders them. */
export function mergeTierPod(spec: TierSpec, c: TierContributions): MergedPod {
  // With hostIPC the host's /dev/shm is shared on purpose (NCCL across pods); do not hide it.
  const hostIpc = c.connector.pod?.hostIpc === true || c.router?.pod?.hostIpc === true;
  const own: PodContribution = {
    ports: [httpPort(spec)],
    volumes: [
      ...(hostIpc ? [] : [{
        volume: { name: SHM_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(quantity(spec.sharedMemoryBytes)) } },
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
  return mergePod(spec.where, [
    { from: 'the tier', pod: own },
    { from: INTERCONNECT_CONTRIBUTOR, pod: interconnectContribution(spec.interconnect) },
    c.connector,
    ...(c.router ? [c.router] : []),
    { from: 'the model settings', pod: serving },
    { from: c.connector.from, pod: { volumes: c.configVolumes ?? [] } },
  ]);
}

/** The vLLM pod template: one `vllm serve` container plus whatever sidecars and init containers were contributed. */
export function renderTierPodTemplate(spec: TierSpec, pod: MergedPod, args: string[]): k8s.PodTemplateSpec {
  const env = [...pod.env, ...renderExtraEnv(spec.where, spec.extraEnv, pod.env, spec.version)];
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
    ports: pod.ports.map(containerPort),
    resources: {
      requests: {
        cpu: k8s.Quantity.fromString(spec.cpu),
        memory,
        [spec.accelerator.resourceName]: gpus,
        ...extended,
      },
      limits: { memory, [spec.accelerator.resourceName]: gpus, ...extended },
    },
    securityContext: pod.capabilities.length > 0 ? { capabilities: { add: pod.capabilities } } : undefined,
    volumeMounts: pod.volumes.map(v => v.mount),
    startupProbe: {
      httpGet,
      periodSeconds: STARTUP_PERIOD_SECONDS,
      timeoutSeconds: STARTUP_TIMEOUT_SECONDS,
      failureThreshold: Math.ceil(spec.startupSeconds / STARTUP_PERIOD_SECONDS),
    },
    readinessProbe: { httpGet, ...READINESS_TIMING },
    livenessProbe: { httpGet, ...LIVENESS_TIMING },
    // An exec `sleep`, not the `sleep` lifecycle action: that action is alpha in Kubernetes 1.29 and beta from
    // 1.30 (KEP-3960, PodLifecycleSleepAction), absent from the 1.28 API this library is typed on
    // (cdk8s-plus-28 LifecycleHandler has only exec/httpGet/tcpSocket). vllm-openai is built FROM
    // nvidia/cuda:*-ubuntu22.04 with SHELL /bin/bash (vllm docker/Dockerfile, vllm-base stage), so coreutils'
    // `sleep` is on PATH.
    lifecycle: spec.preStopSeconds > 0 ? { preStop: { exec: { command: ['sleep', String(spec.preStopSeconds)] } } } : undefined,
  };
  const accelerator = spec.accelerator;
  const initContainers = [
    ...pod.initContainers,
    // Native sidecars (Kubernetes 1.28+): init containers that keep running beside the main container.
    ...pod.sidecars.map(c => ({ ...c, restartPolicy: 'Always' })),
  ];
  return {
    metadata: {
      labels: pod.labels,
      annotations: Object.keys(pod.annotations).length > 0 ? pod.annotations : undefined,
    },
    spec: {
      // vLLM never talks to the Kubernetes API.
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: spec.gracePeriodSeconds,
      nodeSelector: accelerator.nodeLabelKey ? { [accelerator.nodeLabelKey]: accelerator.nodeLabelValue! } : undefined,
      tolerations: [{ key: accelerator.tolerationKey, operator: 'Exists', effect: 'NoSchedule' }],
      initContainers: initContainers.length > 0 ? initContainers : undefined,
      containers: [container],
      hostIpc: pod.hostIpc || undefined,
      affinity: pod.affinity,
      volumes: pod.volumes.map(v => v.volume),
    },
  };
}

/** What every workload renderer needs. */
export interface WorkloadOptions {
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
    metadata: { labels: o.labels },
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

/** Rolling one pod at a time without surge: a surge pod would need spare GPUs. */
export const NO_SURGE_ROLLOUT: k8s.DeploymentStrategy = {
  type: 'RollingUpdate',
  rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(0), maxUnavailable: k8s.IntOrString.fromNumber(1) },
};

/** The tier's ClusterIP Service: HTTP plus the ports contributors asked to expose. */
export function renderTierService(scope: Construct, id: string, spec: TierSpec, pod: MergedPod): ApiObject {
  return new k8s.KubeService(scope, id, {
    metadata: { labels: spec.labels },
    spec: {
      type: 'ClusterIP',
      selector: spec.selectorLabels,
      ports: [
        { name: HTTP_PORT_NAME, port: spec.port, targetPort: k8s.IntOrString.fromString(HTTP_PORT_NAME), protocol: 'TCP' },
        ...pod.ports.filter(p => p.exposeOnService).map(p => ({
          name: p.name, port: p.containerPort, targetPort: k8s.IntOrString.fromString(p.name), protocol: 'TCP',
        })),
      ],
    },
  });
}
