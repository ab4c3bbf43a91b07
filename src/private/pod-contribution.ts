/**
 * Contribute: the one type in which connectors, routers (and later interconnect, security and metrics)
 * add to a tier's pods, and the one merge that holds every collision check.
 */
import { k8s } from 'cdk8s-plus-28';
import { invalid } from './errors';
import { requireDistinctMountPaths } from './k8s-syntax';

/** Who opens connections to a port. NetworkPolicies are derived from these, never listed by hand. */
export enum PortPeer {
  /** Clients of the PD service (the router's HTTP port). */
  CLIENTS = 'clients',
  /** The router (the tiers' HTTP ports, a connector's side channel to the router). */
  ROUTER = 'router',
  /** Prefill pods (e.g. decode's LMCache receiver ports). */
  PREFILL = 'prefill',
  /** Decode pods (e.g. prefill's NIXL side channel, Mooncake bootstrap). */
  DECODE = 'decode',
  /** Pods of the same tier (e.g. P2pNccl engines dial each other's ZMQ ports). */
  SAME_TIER = 'same-tier',
  /** Metrics scrapers. */
  MONITORING = 'monitoring',
  /**
   * The Gateway's data plane (Envoy, agentgateway, Istio...): it calls the endpoint picker's ext-proc port
   * and sends each request to the pod the picker chose (decode's llm-d routing sidecar).
   */
  GATEWAY = 'gateway',
  /** The llm-d endpoint picker: scrapes `/metrics` of every InferencePool pod through the pool's target port. */
  EPP = 'epp',
}

/** A container port with the peers that dial it. */
export interface PodPort {
  readonly name: string;
  readonly containerPort: number;
  /** Who connects to it. */
  readonly peers: PortPeer[];
  /** Also exposed through the tier's Service (e.g. the Mooncake bootstrap server the router queries). */
  readonly exposeOnService?: boolean;
  /** The contributed sidecar that listens on it (e.g. the llm-d routing sidecar); absent: the `vllm` container. */
  readonly container?: string;
}

/**
 * A range of TCP ports a process of the pod picks its listeners from at run time (UCX's `UCX_TCP_PORT_RANGE`),
 * with the peers that dial them. Not container ports: only the NetworkPolicies and the collision check read it.
 */
export interface PodPortRange {
  /** The prop that set it, for error messages, e.g. `ucxTcpPortRange`. */
  readonly name: string;
  readonly first: number;
  readonly last: number;
  readonly peers: PortPeer[];
}

/** A volume with its mount in the main container. */
export interface PodVolume {
  readonly volume: k8s.Volume;
  readonly mount: k8s.VolumeMount;
}

/** What one contributor adds to a pod. Every field is optional; absent means "nothing". */
export interface PodContribution {
  /** Env of the main container. */
  readonly env?: k8s.EnvVar[];
  readonly ports?: PodPort[];
  readonly volumes?: PodVolume[];
  /** Native sidecars (init containers with restartPolicy Always), e.g. a routing sidecar on decode. */
  readonly sidecars?: k8s.Container[];
  /** Init containers that run to completion before the main container. */
  readonly initContainers?: k8s.Container[];
  /** Extended resources of the main container (requests = limits), e.g. `{ 'rdma/ib': 1 }`. */
  readonly resources?: { [name: string]: number };
  /** Linux capabilities added to the main container, e.g. `IPC_LOCK` for RDMA. */
  readonly capabilities?: string[];
  /** Pod labels (not part of the selector). */
  readonly labels?: { [key: string]: string };
  readonly annotations?: { [key: string]: string };
  readonly hostIpc?: boolean;
  readonly affinity?: k8s.Affinity;
  /** Host memory the contributor allocates per pod, added to the memory request and limit. */
  readonly extraMemoryBytes?: number;
  /**
   * Of that memory, what the contributor keeps as files in `/dev/shm`: added to the size of the pod's memory-backed
   * `/dev/shm` volume, whose tmpfs is only as large as its `sizeLimit`.
   */
  readonly sharedMemoryBytes?: number;
  /** Peers allowed on every TCP port (NCCL, Gloo and DP RPC pick ephemeral ports). */
  readonly peersOnAnyPort?: PortPeer[];
  /** Port ranges listeners are picked from; no container port may fall inside one. */
  readonly portRanges?: PodPortRange[];
}

/** One contributor's part, named for error messages. */
export interface Contribution {
  /** Who contributes, e.g. `NixlConnector` or `vllm-router`. */
  readonly from: string;
  readonly pod?: PodContribution;
}

/** Every contribution merged, each collection in contribution order. */
export interface MergedPod {
  readonly env: k8s.EnvVar[];
  readonly ports: PodPort[];
  readonly volumes: PodVolume[];
  readonly sidecars: k8s.Container[];
  readonly initContainers: k8s.Container[];
  readonly resources: { [name: string]: number };
  readonly capabilities: string[];
  readonly labels: { [key: string]: string };
  readonly annotations: { [key: string]: string };
  readonly hostIpc: boolean;
  readonly affinity?: k8s.Affinity;
  readonly extraMemoryBytes: number;
  /** The contributors' files in `/dev/shm`, summed. */
  readonly sharedMemoryBytes: number;
  /** Peers allowed on every TCP port, deduplicated, in contribution order. */
  readonly peersOnAnyPort: PortPeer[];
  readonly portRanges: PodPortRange[];
}

/**
 * Merges contributions in order. This is the only place that checks collisions: env names, port numbers and
 * names, port ranges (with each other and with the ports), volume names and mount paths (equal or nested),
 * container names, label and annotation keys, resources.
 * Affinities are not collisions: they are merged so that all of them hold (mergeAffinity).
 */
export function mergePod(where: string, parts: ReadonlyArray<Contribution>): MergedPod {
  const env: k8s.EnvVar[] = [];
  const ports: PodPort[] = [];
  const volumes: PodVolume[] = [];
  const sidecars: k8s.Container[] = [];
  const initContainers: k8s.Container[] = [];
  const resources: { [name: string]: number } = {};
  const capabilities: string[] = [];
  const labels: { [key: string]: string } = {};
  const annotations: { [key: string]: string } = {};
  let hostIpc = false;
  let affinity: k8s.Affinity | undefined;
  let extraMemoryBytes = 0;
  let sharedMemoryBytes = 0;
  const peersOnAnyPort: PortPeer[] = [];
  const portRanges: { range: PodPortRange; from: string }[] = [];

  const envFrom = new Map<string, string>();
  const portByNumber = new Map<number, string>();
  const portByName = new Map<string, string>();
  const volumeFrom = new Map<string, string>();
  const containerFrom = new Map<string, string>();
  const keyed = (kind: string, into: { [key: string]: string }, owners: Map<string, string>, from: string,
    values: { [key: string]: string } | undefined) => {
    for (const [k, v] of Object.entries(values ?? {})) {
      if (k in into && into[k] !== v) {
        throw invalid(where, kind, k, `is set to '${into[k]}' by ${owners.get(k)} and to '${v}' by ${from}`);
      }
      into[k] = v;
      owners.set(k, from);
    }
  };
  const labelFrom = new Map<string, string>();
  const annotationFrom = new Map<string, string>();

  for (const { from, pod } of parts) {
    if (!pod) continue;
    for (const e of pod.env ?? []) {
      const other = envFrom.get(e.name);
      if (other !== undefined) throw invalid(where, 'env', e.name, `is set by both ${other} and ${from}`);
      envFrom.set(e.name, from);
      env.push(e);
    }
    for (const p of pod.ports ?? []) {
      const other = portByNumber.get(p.containerPort);
      if (other !== undefined) {
        throw invalid(where, `container port '${p.name}'`, p.containerPort,
          `collides with container port '${other}'; change 'port' or the connector's port options`);
      }
      const sameName = portByName.get(p.name);
      if (sameName !== undefined) {
        throw invalid(where, 'container port name', p.name, `is declared by both ${sameName} and ${from}`);
      }
      portByNumber.set(p.containerPort, p.name);
      portByName.set(p.name, from);
      ports.push(p);
    }
    for (const v of pod.volumes ?? []) {
      const other = volumeFrom.get(v.volume.name);
      if (other !== undefined) throw invalid(where, 'volume', v.volume.name, `is declared by both ${other} and ${from}`);
      volumeFrom.set(v.volume.name, from);
      volumes.push(v);
    }
    for (const [list, into] of [[pod.sidecars, sidecars], [pod.initContainers, initContainers]] as const) {
      for (const c of list ?? []) {
        const other = containerFrom.get(c.name);
        if (other !== undefined) throw invalid(where, 'container', c.name, `is added by both ${other} and ${from}`);
        containerFrom.set(c.name, from);
        into.push(c);
      }
    }
    for (const [name, count] of Object.entries(pod.resources ?? {})) {
      if (name in resources && resources[name] !== count) {
        throw invalid(where, `resources.${name}`, count, `contradicts ${resources[name]} requested by another contributor (${from} is the second)`);
      }
      resources[name] = count;
    }
    for (const c of pod.capabilities ?? []) if (!capabilities.includes(c)) capabilities.push(c);
    keyed('label', labels, labelFrom, from, pod.labels);
    keyed('annotation', annotations, annotationFrom, from, pod.annotations);
    hostIpc = hostIpc || pod.hostIpc === true;
    if (pod.affinity !== undefined) affinity = affinity === undefined ? pod.affinity : mergeAffinity(affinity, pod.affinity);
    extraMemoryBytes += pod.extraMemoryBytes ?? 0;
    sharedMemoryBytes += pod.sharedMemoryBytes ?? 0;
    for (const p of pod.peersOnAnyPort ?? []) if (!peersOnAnyPort.includes(p)) peersOnAnyPort.push(p);
    for (const range of pod.portRanges ?? []) portRanges.push({ range, from });
  }
  // After the loop: a port and a range may come in either order.
  requireDisjointPortRanges(where, portRanges, ports);
  // Equal or nested mount paths, whoever declared them.
  requireDistinctMountPaths(where, volumes.map(v => v.mount));
  return {
    env,
    ports,
    volumes,
    sidecars,
    initContainers,
    resources,
    capabilities,
    labels,
    annotations,
    hostIpc,
    affinity,
    extraMemoryBytes,
    sharedMemoryBytes,
    peersOnAnyPort,
    portRanges: portRanges.map(r => r.range),
  };
}

/**
 * A listener picks a free port of its range at run time, so a container port inside a range could be taken by it
 * first (or the other way round), and two ranges that overlap would share their NetworkPolicy peers.
 */
function requireDisjointPortRanges(where: string, ranges: ReadonlyArray<{ range: PodPortRange; from: string }>,
  ports: ReadonlyArray<PodPort>): void {
  ranges.forEach(({ range: r, from }, i) => {
    const shown = `${r.first}-${r.last}`;
    const inside = ports.find(p => p.containerPort >= r.first && p.containerPort <= r.last);
    if (inside) {
      throw invalid(where, r.name, shown,
        `(set by ${from}) contains container port '${inside.name}' (${inside.containerPort}); choose a range outside the pod's ports`);
    }
    const other = ranges.slice(0, i).find(o => o.range.first <= r.last && r.first <= o.range.last);
    if (other) {
      throw invalid(where, r.name, shown,
        `overlaps '${other.range.name}' (${other.range.first}-${other.range.last}, from ${other.from}); the ranges must be disjoint`);
    }
  });
}

/**
 * Two affinities that must both hold. Pod (anti-)affinity terms are ANDed by Kubernetes, so the lists join;
 * preferred terms add up; required node selector terms are ORed, so both requirements are crossed (every pair
 * of terms joined), which is what "both hold" means for them.
 */
export function mergeAffinity(a: k8s.Affinity, b: k8s.Affinity): k8s.Affinity {
  const list = <T>(x?: T[], y?: T[]): T[] | undefined => (x || y ? [...(x ?? []), ...(y ?? [])] : undefined);
  const pod = (x?: k8s.PodAffinity, y?: k8s.PodAffinity): k8s.PodAffinity | undefined => (x || y ? {
    requiredDuringSchedulingIgnoredDuringExecution: list(
      x?.requiredDuringSchedulingIgnoredDuringExecution, y?.requiredDuringSchedulingIgnoredDuringExecution),
    preferredDuringSchedulingIgnoredDuringExecution: list(
      x?.preferredDuringSchedulingIgnoredDuringExecution, y?.preferredDuringSchedulingIgnoredDuringExecution),
  } : undefined);
  const xr = a.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const yr = b.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const required = xr && yr
    ? xr.flatMap(x => yr.map(y => ({
      matchExpressions: list(x.matchExpressions, y.matchExpressions),
      matchFields: list(x.matchFields, y.matchFields),
    })))
    : xr ?? yr;
  const node = a.nodeAffinity || b.nodeAffinity ? {
    requiredDuringSchedulingIgnoredDuringExecution: required ? { nodeSelectorTerms: required } : undefined,
    preferredDuringSchedulingIgnoredDuringExecution: list(a.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      b.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
  } : undefined;
  return { nodeAffinity: node, podAffinity: pod(a.podAffinity, b.podAffinity), podAntiAffinity: pod(a.podAntiAffinity, b.podAntiAffinity) };
}

/** A merged pod as one contribution again (a MultiConnector passes its members' merge on as its own). */
export function asContribution(m: MergedPod): PodContribution {
  return {
    env: m.env,
    ports: m.ports,
    volumes: m.volumes,
    sidecars: m.sidecars,
    initContainers: m.initContainers,
    resources: m.resources,
    capabilities: m.capabilities,
    labels: m.labels,
    annotations: m.annotations,
    hostIpc: m.hostIpc || undefined,
    affinity: m.affinity,
    extraMemoryBytes: m.extraMemoryBytes,
    sharedMemoryBytes: m.sharedMemoryBytes || undefined,
    peersOnAnyPort: m.peersOnAnyPort,
    portRanges: m.portRanges,
  };
}

/** A container port as Kubernetes renders it. */
export function containerPort(p: PodPort): k8s.ContainerPort {
  return { name: p.name, containerPort: p.containerPort, protocol: 'TCP' };
}
