import { mergePod, PortPeer } from '../../src/private/pod-contribution';

const W = "PrefillTier 'P'";
const port = (name: string, containerPort: number) => ({ name, containerPort, peers: [PortPeer.ROUTER] });
const vol = (name: string, mountPath: string) => ({ volume: { name, emptyDir: {} }, mount: { name, mountPath } });

describe('mergePod', () => {
  test('keeps each collection in contribution order and sums host memory', () => {
    const m = mergePod(W, [
      { from: 'a', pod: { env: [{ name: 'A', value: '1' }], ports: [port('http', 8000)], volumes: [vol('x', '/x')], extraMemoryBytes: 1 } },
      { from: 'b' },
      { from: 'c', pod: { env: [{ name: 'C', value: '2' }], ports: [port('side', 5600)], capabilities: ['IPC_LOCK'], extraMemoryBytes: 2 } },
      { from: 'd', pod: { capabilities: ['IPC_LOCK'], labels: { k: 'v' }, hostIpc: true, resources: { 'rdma/ib': 1 } } },
    ]);
    expect(m.env.map(e => e.name)).toEqual(['A', 'C']);
    expect(m.ports.map(p => p.name)).toEqual(['http', 'side']);
    expect(m.volumes.map(v => v.volume.name)).toEqual(['x']);
    expect(m.capabilities).toEqual(['IPC_LOCK']);
    expect(m.labels).toEqual({ k: 'v' });
    expect(m.resources).toEqual({ 'rdma/ib': 1 });
    expect(m.hostIpc).toBe(true);
    expect(m.extraMemoryBytes).toBe(3);
  });

  test('an equal label or resource from two contributors is not a collision', () => {
    expect(() => mergePod(W, [
      { from: 'a', pod: { labels: { k: 'v' }, resources: { 'rdma/ib': 1 } } },
      { from: 'b', pod: { labels: { k: 'v' }, resources: { 'rdma/ib': 1 } } },
    ])).not.toThrow();
  });

  test.each([
    ['an env name', { env: [{ name: 'A', value: '1' }] }, { env: [{ name: 'A', value: '2' }] },
      /^PrefillTier 'P': 'env' \('A'\) is set by both a and b$/],
    ['a port number', { ports: [port('http', 8000)] }, { ports: [port('side', 8000)] },
      /^PrefillTier 'P': 'container port 'side'' \(8000\) collides with container port 'http'; change 'port' or the connector's port options$/],
    ['a port name', { ports: [port('side', 1)] }, { ports: [port('side', 2)] },
      /^PrefillTier 'P': 'container port name' \('side'\) is declared by both a and b$/],
    ['a volume name', { volumes: [vol('x', '/x')] }, { volumes: [vol('x', '/y')] },
      /^PrefillTier 'P': 'volume' \('x'\) is declared by both a and b$/],
    ['a mount path', { volumes: [vol('x', '/x')] }, { volumes: [vol('y', '/x/')] },
      /^PrefillTier 'P': 'volume mount 'y'' \('\/x\/'\) uses the mount path of volume mount 'x'/],
    ['a sidecar name', { sidecars: [{ name: 's' }] }, { initContainers: [{ name: 's' }] },
      /^PrefillTier 'P': 'container' \('s'\) is added by both a and b$/],
    ['a label value', { labels: { k: 'v' } }, { labels: { k: 'w' } },
      /^PrefillTier 'P': 'label' \('k'\) is set to 'v' by a and to 'w' by b$/],
    ['an annotation value', { annotations: { k: 'v' } }, { annotations: { k: 'w' } },
      /^PrefillTier 'P': 'annotation' \('k'\) is set to 'v' by a and to 'w' by b$/],
    ['a resource count', { resources: { 'rdma/ib': 1 } }, { resources: { 'rdma/ib': 2 } },
      /^PrefillTier 'P': 'resources\.rdma\/ib' \(2\) contradicts 1/],
  ])('fails on %s set twice', (_what, a, b, message) => {
    expect(() => mergePod(W, [{ from: 'a', pod: a }, { from: 'b', pod: b }])).toThrow(message);
  });

  const range = (name: string, first: number, last: number) => ({ name, first, last, peers: [PortPeer.DECODE] });

  test('port ranges are kept in contribution order; adjacent ranges and ports beside a range are fine', () => {
    const m = mergePod(W, [
      { from: 'a', pod: { ports: [port('below', 19999)], portRanges: [range('r1', 20000, 20099)] } },
      { from: 'b', pod: { ports: [port('above', 20200)], portRanges: [range('r2', 20100, 20199)] } },
    ]);
    expect(m.portRanges.map(r => r.name)).toEqual(['r1', 'r2']);
  });

  test.each([
    ['a port of a later contribution inside an earlier range', { portRanges: [range('r', 20000, 20099)] }, { ports: [port('side', 20099)] },
      /^PrefillTier 'P': 'r' \('20000-20099'\) \(set by a\) contains container port 'side' \(20099\); choose a range outside the pod's ports$/],
    ['a port of an earlier contribution inside a later range', { ports: [port('side', 20000)] }, { portRanges: [range('r', 20000, 20099)] },
      /^PrefillTier 'P': 'r' \('20000-20099'\) \(set by b\) contains container port 'side' \(20000\); choose a range outside the pod's ports$/],
    ['two overlapping ranges', { portRanges: [range('r1', 20000, 20099)] }, { portRanges: [range('r2', 20099, 20199)] },
      /^PrefillTier 'P': 'r2' \('20099-20199'\) overlaps 'r1' \(20000-20099, from a\); the ranges must be disjoint$/],
  ])('fails on %s', (_what, a, b, message) => {
    expect(() => mergePod(W, [{ from: 'a', pod: a }, { from: 'b', pod: b }])).toThrow(message);
  });

  test('affinities of two contributors must both hold: pod terms join, required node terms cross', () => {
    const zone = { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'topology.kubernetes.io/zone' };
    const host = { labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'kubernetes.io/hostname' };
    const expr = (key: string) => ({ key, operator: 'Exists' });
    const merged = mergePod(W, [
      {
        from: 'a',
        pod: {
          affinity: {
            podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [host] },
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr('a1')] }, { matchExpressions: [expr('a2')] }] } },
          },
        },
      },
      {
        from: 'b',
        pod: {
          affinity: {
            podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: zone }] },
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr('b')] }] } },
          },
        },
      },
    ]);
    expect(merged.affinity!.podAffinity).toEqual({
      requiredDuringSchedulingIgnoredDuringExecution: [host],
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: zone }],
    });
    // (a1 OR a2) AND b == (a1 AND b) OR (a2 AND b)
    expect(merged.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
      { matchExpressions: [expr('a1'), expr('b')] },
      { matchExpressions: [expr('a2'), expr('b')] },
    ]);
  });
});
