/**
 * NetworkPolicies derived from the flows: each pod set accepts, on each port, exactly the peers the port
 * declares (`PodPort.peers`, `peersOnAnyPort`), and opens exactly the connections other pod sets declare
 * it as a peer of (egress is the mirror of the peers' ingress), plus DNS and the egress a caller adds (the
 * Kubernetes API, the model download). Nothing here lists a flow by hand.
 *
 * Reusable for any pod set (an endpoint picker, LeaderWorkerSet leaders and workers): describe it as a
 * `PolicyPods`, put it in the `FlowGraph`, and call `renderNetworkPolicy`.
 */
import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { invalid } from './errors';
import { MergedPod, PodPort, PodPortRange, PortPeer } from './pod-contribution';
import { listeningPorts } from './workload';
import { NetworkPeer } from '../network-peer';
import { NetworkPolicyOptions } from '../network-policy-options';

/** One set of pods a policy selects, and what it listens on. */
export interface PolicyPods {
  /** The PortPeer that names these pods in other pods' ports (ROUTER, PREFILL, DECODE, ...). */
  readonly as: PortPeer;
  /** Labels that select exactly these pods. */
  readonly selector: { [key: string]: string };
  readonly ports: ReadonlyArray<PodPort>;
  /** Peers allowed on every TCP port (`MergedPod.peersOnAnyPort`). */
  readonly peersOnAnyPort: ReadonlyArray<PortPeer>;
  /** Port ranges listeners pick from (`MergedPod.portRanges`); absent: none. */
  readonly portRanges?: ReadonlyArray<PodPortRange>;
  /** The larger pod set these pods belong to (a multi-node tier's leaders: all its pods). */
  readonly partOf?: PolicyPods;
}

/** Every pod set of one PD deployment (one namespace), and the outside peers. */
export interface FlowGraph {
  readonly pods: ReadonlyArray<PolicyPods>;
  /** Who `PortPeer.CLIENTS` is. */
  readonly clients: ReadonlyArray<NetworkPeer>;
  /** Who `PortPeer.MONITORING` is. */
  readonly monitoring: ReadonlyArray<NetworkPeer>;
}

/** Who a PortPeer denotes: pods of the graph, or peers outside it. */
type Source = { readonly pods?: PolicyPods; readonly external?: ReadonlyArray<NetworkPeer> };

/**
 * THE mapping from a PortPeer to a policy peer. A new PortPeer fails to compile here until it is mapped.
 * `owner` is the pod set whose port names the peer (SAME_TIER means the owner's own pods).
 */
export function resolvePortPeer(peer: PortPeer, owner: PolicyPods, graph: FlowGraph): Source {
  switch (peer) {
    case PortPeer.CLIENTS:
      return { external: graph.clients };
    case PortPeer.MONITORING:
      return { external: graph.monitoring };
    // The Gateway's data plane is what calls the PD service when the llm-d strategy routes: `clients` names it.
    case PortPeer.GATEWAY:
      return { external: graph.clients };
    case PortPeer.ROUTER:
    case PortPeer.PREFILL:
    case PortPeer.DECODE:
    case PortPeer.EPP:
      return { pods: graph.pods.find(p => p.as === peer) };
    case PortPeer.SAME_TIER:
      return { pods: owner };
    default:
      return unmapped(peer);
  }
}

function unmapped(peer: never): never {
  throw new Error(`PortPeer '${String(peer)}' has no NetworkPolicy peer (private/network-policy.ts resolvePortPeer)`);
}

/** Every TCP port (a NetworkPolicyPort without `port` matches all ports of its protocol). */
const ANY_TCP_PORT: k8s.NetworkPolicyPort = { protocol: 'TCP' };
// Any destination on port 53: cluster DNS is kube-dns/CoreDNS in kube-system on most clusters, but a
// node-local DNS cache (169.254.20.10) or another distribution's labels would not match a selector.
const DNS_EGRESS: k8s.NetworkPolicyEgressRule = {
  ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }],
};

function tcp(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

/** A range as one NetworkPolicyPort (`endPort`: Kubernetes 1.25+, and a CNI that implements it). */
function tcpRange(r: PodPortRange): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(r.first), endPort: r.last };
}

function podPeer(pods: PolicyPods): k8s.NetworkPolicyPeer {
  return { podSelector: { matchLabels: { ...pods.selector } } };
}

/**
 * The `from` of a rule for peers named by `owner`'s port; undefined when any source may connect,
 * an empty list when nobody may.
 */
function sources(peers: ReadonlyArray<PortPeer>, owner: PolicyPods, graph: FlowGraph): k8s.NetworkPolicyPeer[] | undefined {
  const from: k8s.NetworkPolicyPeer[] = [];
  for (const peer of peers) {
    const s = resolvePortPeer(peer, owner, graph);
    if (s.pods) from.push(podPeer(s.pods));
    for (const e of s.external ?? []) {
      if (e._peer === undefined) return undefined;
      from.push(e._peer);
    }
  }
  return from;
}

/** Whether `peers` of a port of `owner` include the pods `self`. */
function admits(peers: ReadonlyArray<PortPeer>, owner: PolicyPods, self: PolicyPods, graph: FlowGraph): boolean {
  return peers.some(peer => resolvePortPeer(peer, owner, graph).pods === self);
}

/** What one policy needs. `self` must be one of `graph.pods` (compared by identity). */
export interface PolicyInput {
  readonly self: PolicyPods;
  readonly graph: FlowGraph;
  /** Egress beyond the graph and DNS: the Kubernetes API, the model download. */
  readonly extraEgress?: ReadonlyArray<k8s.NetworkPolicyEgressRule>;
  /**
   * Ingress only: for pods another policy already selects for egress (a multi-node tier's leaders, whose
   * serving ports add to the ingress their group's policy allows: NetworkPolicies are additive).
   */
  readonly ingressOnly?: boolean;
}

/** The policy spec for `self`: ingress from each port's peers, egress to every port that names `self`. */
export function networkPolicySpec(input: PolicyInput): k8s.NetworkPolicySpec {
  const { self, graph } = input;
  if (!graph.pods.includes(self)) throw new Error('networkPolicySpec: self is not one of graph.pods');
  const ingress: k8s.NetworkPolicyIngressRule[] = [];
  for (const port of self.ports) {
    const from = sources(port.peers, self, graph);
    if (from !== undefined && from.length === 0) continue;
    ingress.push({ from, ports: [tcp(port.containerPort)] });
  }
  for (const range of self.portRanges ?? []) {
    const from = sources(range.peers, self, graph);
    if (from !== undefined && from.length === 0) continue;
    ingress.push({ from, ports: [tcpRange(range)] });
  }
  if (self.peersOnAnyPort.length > 0) {
    const from = sources(self.peersOnAnyPort, self, graph);
    if (from === undefined || from.length > 0) ingress.push({ from, ports: [ANY_TCP_PORT] });
  }
  if (input.ingressOnly) {
    return { podSelector: { matchLabels: { ...self.selector } }, policyTypes: ['Ingress'], ingress };
  }
  const egress: k8s.NetworkPolicyEgressRule[] = [DNS_EGRESS];
  for (const target of graph.pods) {
    // Already reachable on every port as part of a larger set: a rule of its own would add nothing.
    if (target.partOf && admits(target.partOf.peersOnAnyPort, target.partOf, self, graph)) continue;
    const anyPort = admits(target.peersOnAnyPort, target, self, graph);
    const ports = anyPort ? [ANY_TCP_PORT] : [
      ...target.ports.filter(p => admits(p.peers, target, self, graph)).map(p => tcp(p.containerPort)),
      ...(target.portRanges ?? []).filter(r => admits(r.peers, target, self, graph)).map(tcpRange),
    ];
    if (ports.length > 0) egress.push({ to: [podPeer(target)], ports });
  }
  egress.push(...(input.extraEgress ?? []));
  return {
    podSelector: { matchLabels: { ...self.selector } },
    policyTypes: ['Ingress', 'Egress'],
    ingress,
    egress,
  };
}

/** A NetworkPolicy whose spec is derived at synth time (contributions bound later still count). */
export function renderNetworkPolicy(scope: Construct, id: string, labels: { [key: string]: string }, input: () => PolicyInput): ApiObject {
  return new k8s.KubeNetworkPolicy(scope, id, {
    metadata: { labels },
    spec: Lazy.any({ produce: () => networkPolicySpec(input()) }) as unknown as k8s.NetworkPolicySpec,
  });
}

/** Egress to a set of CIDRs on some TCP ports. */
export function cidrEgress(cidrs: ReadonlyArray<string>, ports: ReadonlyArray<number>): k8s.NetworkPolicyEgressRule {
  return { to: cidrs.map(cidr => ({ ipBlock: { cidr } })), ports: ports.map(tcp) };
}

/** Egress to peers on one TCP port; a peer that means any address leaves `to` out (any destination). */
function peerEgress(peers: ReadonlyArray<NetworkPeer>, port: number): k8s.NetworkPolicyEgressRule {
  const to = peers.some(p => p._peer === undefined) ? undefined : peers.map(p => p._peer!);
  return { to, ports: [tcp(port)] };
}

/** The port of an OTLP endpoint URL (written out, as the boundary requires; URL leaves out a scheme's default). */
function urlPort(url: string): number {
  const u = new URL(url);
  return u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

// Any address on HTTPS: the Hugging Face Hub serves files from CDNs whose addresses are not stable.
const MODEL_DOWNLOAD_EGRESS = cidrEgress(['0.0.0.0/0', '::/0'], [443]);
const DEFAULT_KUBERNETES_API_CIDRS = ['0.0.0.0/0', '::/0'];
const DEFAULT_KUBERNETES_API_PORTS = [443, 6443];

/** A tier as the policies see it: what PdRouter hands over (read at synth time). */
export interface PolicyTier {
  readonly as: PortPeer;
  readonly scope: Construct;
  readonly labels: { [key: string]: string };
  readonly selector: { [key: string]: string };
  /** Whether the model cache is read-only (no download needed). */
  readonly modelCacheReadOnly: boolean;
  /** The tier's OTLP traces endpoint (`tracing.otlpTracesEndpoint`), if it traces. */
  readonly otlpEndpoint?: string;
  readonly pod: () => MergedPod;
  /**
   * A multi-node tier's workers: they listen on fewer ports than the serving pods (the leaders), so the tier's
   * policy opens only the ports every pod listens on, and a second policy (`ServingNetworkPolicy`, ingress only)
   * opens the serving pods' own ports on them alone.
   * @default - a single-node tier: every pod serves
   */
  readonly workers?: {
    readonly servingSelector: { [key: string]: string };
    readonly pod: () => MergedPod;
  };
}

/** What PdRouter renders policies from. */
export interface PdPoliciesInput {
  readonly where: string;
  /** The boundary-checked `networkPolicies` prop. */
  readonly options: NetworkPolicyOptions | undefined;
  readonly router: {
    readonly scope: Construct;
    /** The PortPeer naming the router pods. @default PortPeer.ROUTER (PortPeer.EPP: the llm-d endpoint picker) */
    readonly as?: PortPeer;
    readonly labels: { [key: string]: string };
    readonly selector: { [key: string]: string };
    readonly ports: PodPort[];
    /** The router's OTLP traces endpoint, if it traces. */
    readonly otlpEndpoint?: string;
  };
  /** Whether the router uses the Kubernetes API (pod discovery). */
  readonly routerNeedsKubernetesApi: boolean;
  /** Why `clients` must be set (`RouterObjects.clientsUnknown`). @default - the default clients apply */
  readonly clientsRequired?: string;
  readonly tiers: ReadonlyArray<PolicyTier>;
  /**
   * More pod sets of the same deployment (an endpoint picker a router renders, ...): each is part of the
   * flow graph and gets its own policy (id `NetworkPolicy` in its scope).
   */
  readonly extraPods?: ReadonlyArray<ExtraPolicyPods>;
}

/** A pod set beyond the router and the tiers. */
export interface ExtraPolicyPods {
  readonly scope: Construct;
  readonly labels: { [key: string]: string };
  /** Read at synth time. */
  readonly pods: () => PolicyPods;
  readonly extraEgress?: ReadonlyArray<k8s.NetworkPolicyEgressRule>;
}

/**
 * Checks the `networkPolicies` prop and renders one NetworkPolicy (id `NetworkPolicy`) for the router
 * and for each tier, all from one flow graph. Returns nothing when disabled.
 */
export function renderPdNetworkPolicies(i: PdPoliciesInput): void {
  const o = i.options ?? {};
  const prop = (key: string) => `networkPolicies.${key}`;
  if (o.enabled === false) {
    const set = Object.entries(o).find(([k, v]) => k !== 'enabled' && v !== undefined);
    if (set) {
      const [key, value] = set;
      const shown = Array.isArray(value) ? value.map(v => v instanceof NetworkPeer ? v.displayName : v) : value;
      throw invalid(i.where, prop(key), shown, "is set but 'networkPolicies.enabled' is false, so it would be ignored: remove it, or enable the policies");
    }
    return;
  }
  if (o.clients === undefined && i.clientsRequired !== undefined) throw invalid(i.where, prop('clients'), undefined, i.clientsRequired);
  if (o.clients !== undefined && o.clients.length === 0) {
    throw invalid(i.where, prop('clients'), [], 'must name at least one peer (NetworkPeer.ANYWHERE for any source): otherwise no client can reach the router');
  }
  for (const key of ['kubernetesApiCidrs', 'kubernetesApiPorts'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (!i.routerNeedsKubernetesApi) {
      throw invalid(i.where, prop(key), v,
        'applies only to a router that discovers pods through the Kubernetes API (RouterDiscovery.KUBERNETES); this router does not, so remove it');
    }
    if (v.length === 0) throw invalid(i.where, prop(key), v, 'must name at least one entry: the router could not reach the API server');
  }
  const tracers = [i.router.otlpEndpoint, ...i.tiers.map(t => t.otlpEndpoint)];
  if (o.tracingCollectors !== undefined) {
    if (tracers.every(e => e === undefined)) {
      throw invalid(i.where, prop('tracingCollectors'), o.tracingCollectors.map(p => p.displayName),
        "applies only when a tier or the router traces ('tracing.otlpTracesEndpoint'); nothing does, so remove it");
    }
    if (o.tracingCollectors.length === 0) {
      throw invalid(i.where, prop('tracingCollectors'), [], 'must name at least one peer (NetworkPeer.ANYWHERE for any address): otherwise no trace leaves the pods');
    }
  }
  const tracing = (endpoint: string | undefined): k8s.NetworkPolicyEgressRule[] =>
    endpoint === undefined ? [] : [peerEgress(o.tracingCollectors ?? [NetworkPeer.ANYWHERE], urlPort(endpoint))];
  const clients = o.clients ?? [NetworkPeer.SAME_NAMESPACE];
  const monitoring = o.monitoring ?? [NetworkPeer.namespace('monitoring')];
  // Built anew for each policy at synth time, when every contribution is bound. A multi-node tier is two pod
  // sets: all its pods (the ports workers listen on too; first, so a PortPeer naming the tier means all of
  // them: every rank moves KV) and its serving pods with the ports only they listen on.
  const graph = () => {
    const router: PolicyPods = { as: i.router.as ?? PortPeer.ROUTER, selector: i.router.selector, ports: i.router.ports, peersOnAnyPort: [] };
    const tiers = i.tiers.map(t => {
      const pod = t.pod();
      if (!t.workers) {
        return { all: { as: t.as, selector: t.selector, ports: pod.ports, peersOnAnyPort: pod.peersOnAnyPort, portRanges: pod.portRanges } };
      }
      const worker = t.workers.pod();
      const onWorkers = new Set(listeningPorts(worker, false).map(p => p.containerPort));
      const all: PolicyPods = {
        as: t.as,
        selector: t.selector,
        ports: pod.ports.filter(p => onWorkers.has(p.containerPort)),
        peersOnAnyPort: [...new Set([...pod.peersOnAnyPort, ...worker.peersOnAnyPort])],
        // Every rank's process picks its listeners from the range, leaders' and workers' alike.
        portRanges: [...pod.portRanges, ...worker.portRanges.filter(r => !pod.portRanges.some(l => l.name === r.name))],
      };
      const serving: PolicyPods = {
        as: t.as, selector: t.workers.servingSelector, ports: pod.ports.filter(p => !onWorkers.has(p.containerPort)), peersOnAnyPort: [], partOf: all,
      };
      return { all, serving };
    });
    const extras = (i.extraPods ?? []).map(e => e.pods());
    const pods = [router, ...tiers.flatMap(t => t.serving ? [t.all, t.serving] : [t.all]), ...extras];
    return { router, tiers, extras, graph: { pods, clients, monitoring } as FlowGraph };
  };
  const api = i.routerNeedsKubernetesApi
    ? [cidrEgress(o.kubernetesApiCidrs ?? DEFAULT_KUBERNETES_API_CIDRS, o.kubernetesApiPorts ?? DEFAULT_KUBERNETES_API_PORTS)] : [];
  renderNetworkPolicy(i.router.scope, 'NetworkPolicy', i.router.labels, () => {
    const g = graph();
    return { self: g.router, graph: g.graph, extraEgress: [...api, ...tracing(i.router.otlpEndpoint)] };
  });
  i.tiers.forEach((t, n) => {
    const download = o.modelDownload ?? !t.modelCacheReadOnly;
    renderNetworkPolicy(t.scope, 'NetworkPolicy', t.labels, () => {
      const g = graph();
      return { self: g.tiers[n].all, graph: g.graph, extraEgress: [...(download ? [MODEL_DOWNLOAD_EGRESS] : []), ...tracing(t.otlpEndpoint)] };
    });
    if (t.workers) {
      renderNetworkPolicy(t.scope, 'ServingNetworkPolicy', t.labels, () => {
        const g = graph();
        return { self: g.tiers[n].serving!, graph: g.graph, ingressOnly: true };
      });
    }
  });
  (i.extraPods ?? []).forEach((e, n) => {
    renderNetworkPolicy(e.scope, 'NetworkPolicy', e.labels, () => {
      const g = graph();
      return { self: g.extras[n], graph: g.graph, extraEgress: e.extraEgress };
    });
  });
}
