import { NetworkPeer } from '../src';

describe('NetworkPeer', () => {
  test('fails with malformed NetworkPeer arguments', () => {
    expect(() => NetworkPeer.namespace('Not_A_Namespace')).toThrow(/NetworkPeer.namespace: 'name' \('Not_A_Namespace'\) must be a DNS-1123 label/);
    expect(() => NetworkPeer.cidr('10.0.0.0/33')).toThrow(/'cidrBlock' \('10.0.0.0\/33'\) must be an IPv4 or IPv6 CIDR/);
    expect(() => NetworkPeer.podsWithLabel('bad key!', 'x')).toThrow(/'key' \('bad key!'\) must be a label key/);
  });

  test('NetworkPeer factories render their peers', () => {
    expect(NetworkPeer.podsWithLabel('app', 'gw', 'edge')._peer).toEqual({
      podSelector: { matchLabels: { app: 'gw' } },
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } },
    });
    expect(NetworkPeer.namespacesWithLabel('team', 'a')._peer).toEqual({ namespaceSelector: { matchLabels: { team: 'a' } } });
    expect(NetworkPeer.cidr('fd00::/8')._peer).toEqual({ ipBlock: { cidr: 'fd00::/8' } });
  });
  test('SAME_NAMESPACE selects every pod of the namespace; ANYWHERE has no peer', () => {
    expect(NetworkPeer.SAME_NAMESPACE._peer).toEqual({ podSelector: {} });
    expect(NetworkPeer.ANYWHERE._peer).toBeUndefined();
    expect(NetworkPeer.namespace('monitoring').displayName).toBe("namespace 'monitoring'");
  });
});
