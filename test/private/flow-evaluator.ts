/**
 * A small NetworkPolicy evaluator for tests (Kubernetes semantics, networking.k8s.io/v1): which source
 * reaches which destination port, given the synthesized policies. A connection is allowed when the
 * destination's policies (if any select it for Ingress) admit it AND the source's policies (if any select
 * it for Egress) admit it. Rules with no `from`/`to` match every peer; rules with no `ports` every port; a
 * port entry without `port` every port of its protocol. `ipBlock` is matched against the endpoint's IP,
 * pod IPs included (the conservative reading). Only what the library renders is implemented
 * (matchLabels, no matchExpressions, no named ports; `endPort` as an inclusive range); anything else fails loudly.
 */
import { Manifest } from '../util';

/** A pod, a service outside the cluster, or an address: something that opens or accepts connections. */
export interface Endpoint {
  readonly name: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
  readonly ip: string;
  /** Ports it listens on (name -> number); destinations only. */
  readonly ports: { [name: string]: { port: number; protocol: string } };
}

type Labels = { [key: string]: string };

function matchLabels(selector: any, labels: Labels): boolean {
  if (selector === undefined) return true;
  if (selector.matchExpressions) throw new Error('flow evaluator: matchExpressions not implemented');
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function ipv4(ip: string): number | undefined {
  if (ip.includes(':')) return undefined;
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  if (base.includes(':')) return false; // test endpoints are IPv4; '::/0' matches none of them
  const a = ipv4(ip);
  const b = ipv4(base);
  if (a === undefined || b === undefined) return false;
  const block = 2 ** (32 - Number(bits));
  return Math.floor(a / block) === Math.floor(b / block);
}

function matchPeer(peer: any, policyNamespace: string, e: Endpoint): boolean {
  if (peer.ipBlock) {
    if (peer.ipBlock.except?.length) throw new Error('flow evaluator: ipBlock.except not implemented');
    return inCidr(e.ip, peer.ipBlock.cidr);
  }
  const nsLabels = { 'kubernetes.io/metadata.name': e.namespace };
  const nsOk = peer.namespaceSelector === undefined ? e.namespace === policyNamespace : matchLabels(peer.namespaceSelector, nsLabels);
  return nsOk && matchLabels(peer.podSelector ?? {}, e.labels) && !e.name.startsWith('ip:');
}

function matchPorts(ports: any[] | undefined, port: number, protocol: string): boolean {
  if (ports === undefined || ports.length === 0) return true;
  return ports.some(p => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (typeof p.port === 'string') throw new Error('flow evaluator: named ports not implemented');
    if (p.endPort !== undefined) {
      if (p.port === undefined || p.endPort < p.port) throw new Error(`flow evaluator: endPort ${p.endPort} without a port below it`);
      return port >= p.port && port <= p.endPort;
    }
    return p.port === undefined || p.port === port;
  });
}

function policiesSelecting(policies: Manifest[], e: Endpoint, type: 'Ingress' | 'Egress'): Manifest[] {
  return policies.filter(p => (p.metadata.namespace ?? 'default') === e.namespace
    && !e.name.startsWith('ip:')
    && (p.spec.policyTypes ?? ['Ingress']).includes(type)
    && matchLabels(p.spec.podSelector, e.labels));
}

/** Whether `src` may open a connection to `dst` on `port`/`protocol`. */
export function allowed(policies: Manifest[], src: Endpoint, dst: Endpoint, port: number, protocol: string): boolean {
  const ingress = policiesSelecting(policies, dst, 'Ingress');
  const inOk = ingress.length === 0 || ingress.some(p => (p.spec.ingress ?? []).some((r: any) =>
    (r.from === undefined || r.from.some((peer: any) => matchPeer(peer, p.metadata.namespace, src))) && matchPorts(r.ports, port, protocol)));
  const egress = policiesSelecting(policies, src, 'Egress');
  const outOk = egress.length === 0 || egress.some(p => (p.spec.egress ?? []).some((r: any) =>
    (r.to === undefined || r.to.some((peer: any) => matchPeer(peer, p.metadata.namespace, dst))) && matchPorts(r.ports, port, protocol)));
  return inOk && outOk;
}

/** A port no container declares: stands for the ephemeral ports NCCL, UCX and Mooncake pick. */
export const EPHEMERAL_PORT = 40123;

const WORKER_INDEX = 'leaderworkerset.sigs.k8s.io/worker-index';

/**
 * The pods of every Deployment, named by their component label, and of every LeaderWorkerSet, a leader and a
 * worker (`<component>-leader`, `<component>-worker`, with the worker-index label LWS gives them), each with its
 * container ports and an ephemeral one. A container with `UCX_TCP_PORT_RANGE` (UCX's listeners draw from it) adds
 * the range's edges and the ports just outside it: `ucx-first`, `ucx-last`, `ucx-below`, `ucx-above`.
 */
export function podsOf(objects: Manifest[]): Endpoint[] {
  const templates = objects.flatMap(o => {
    if (o.kind === 'Deployment') return [{ o, tpl: o.spec.template, suffix: '', extra: {} }];
    if (o.kind !== 'LeaderWorkerSet') return [];
    const t = o.spec.leaderWorkerTemplate;
    return [
      { o, tpl: t.leaderTemplate ?? t.workerTemplate, suffix: '-leader', extra: { [WORKER_INDEX]: '0' } },
      { o, tpl: t.workerTemplate, suffix: '-worker', extra: { [WORKER_INDEX]: '1' } },
    ];
  });
  return templates.map(({ o, tpl, suffix, extra }, i) => {
    const ports: Endpoint['ports'] = { ephemeral: { port: EPHEMERAL_PORT, protocol: 'TCP' } };
    for (const c of [...tpl.spec.containers, ...(tpl.spec.initContainers ?? [])]) {
      for (const p of c.ports ?? []) ports[p.name] = { port: p.containerPort, protocol: p.protocol ?? 'TCP' };
      const range = (c.env ?? []).find((e: any) => e.name === 'UCX_TCP_PORT_RANGE')?.value;
      if (range !== undefined) {
        const [first, last] = String(range).split('-').map(Number);
        const edges = { 'ucx-below': first - 1, 'ucx-first': first, 'ucx-last': last, 'ucx-above': last + 1 };
        for (const [name, port] of Object.entries(edges)) ports[name] = { port, protocol: 'TCP' };
      }
    }
    return {
      name: tpl.metadata.labels['app.kubernetes.io/component'] + suffix,
      namespace: o.metadata.namespace ?? 'default',
      labels: { ...tpl.metadata.labels, ...extra },
      ip: `10.244.0.${i + 10}`,
      ports,
    };
  });
}

/** Sources and destinations around the PD pods. */
export function outsiders(namespace: string): Endpoint[] {
  return [
    { name: 'client', namespace, labels: { app: 'client' }, ip: '10.244.1.1', ports: {} },
    { name: 'prometheus', namespace: 'monitoring', labels: { app: 'prometheus' }, ip: '10.244.1.2', ports: {} },
    { name: 'stranger', namespace: 'other', labels: { app: 'stranger' }, ip: '10.244.1.3', ports: {} },
    {
      name: 'kube-dns',
      namespace: 'kube-system',
      labels: { 'k8s-app': 'kube-dns' },
      ip: '10.244.1.4',
      ports: { 'dns-udp': { port: 53, protocol: 'UDP' }, 'dns-tcp': { port: 53, protocol: 'TCP' } },
    },
    // An OpenTelemetry collector (OTLP/gRPC on 4317) in its own namespace.
    { name: 'otel-collector', namespace: 'observability', labels: { app: 'otel-collector' }, ip: '10.244.1.5', ports: { otlp: { port: 4317, protocol: 'TCP' } } },
    // The API server endpoint behind the kubernetes Service (kubeadm's port), and an address on the internet.
    { name: 'ip:apiserver', namespace: '', labels: {}, ip: '172.18.0.2', ports: { https: { port: 6443, protocol: 'TCP' } } },
    {
      name: 'ip:internet',
      namespace: '',
      labels: {},
      ip: '203.0.113.7',
      ports: { https: { port: 443, protocol: 'TCP' }, http: { port: 80, protocol: 'TCP' }, otlp: { port: 4317, protocol: 'TCP' } },
    },
  ];
}

/** Every allowed `source->destination:port` among the endpoints, sorted. */
export function allowedFlows(objects: Manifest[]): string[] {
  const policies = objects.filter(o => o.kind === 'NetworkPolicy');
  const pods = podsOf(objects);
  const namespace = pods[0]?.namespace ?? 'default';
  const all = [...pods, ...outsiders(namespace)];
  const flows: string[] = [];
  for (const src of all) {
    if (src.name.startsWith('ip:')) continue;
    // src === dst stands for another pod of the same set (SAME_TIER flows).
    for (const dst of all) {
      // Connections between two outsiders are none of these policies' business.
      if (!pods.includes(src) && !pods.includes(dst)) continue;
      for (const [portName, { port, protocol }] of Object.entries(dst.ports)) {
        if (allowed(policies, src, dst, port, protocol)) flows.push(`${src.name}->${dst.name}:${portName}`);
      }
    }
  }
  return flows.sort();
}
