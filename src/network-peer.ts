import { k8s } from 'cdk8s-plus-28';
import { str } from './private/boundary';
import { cidr, dns1123Label, labelKey, labelValue } from './private/k8s-syntax';

/** The label every namespace carries with its own name (Kubernetes 1.22+, NamespaceDefaultLabelName). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * A source of connections outside this library's pods, as a NetworkPolicy peer: who the router accepts
 * clients from, and who may scrape metrics.
 *
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
 */
export class NetworkPeer {
  /** Every pod of the namespace the PD service runs in. */
  public static readonly SAME_NAMESPACE = new NetworkPeer('every pod of this namespace', { podSelector: {} });

  /** Any source, inside or outside the cluster (the rule has no `from`). */
  public static readonly ANYWHERE = new NetworkPeer('anywhere', undefined);

  /**
   * Every pod of one namespace, selected by its `kubernetes.io/metadata.name` label.
   *
   * @param name the namespace, e.g. 'monitoring'
   */
  public static namespace(name: string): NetworkPeer {
    dns1123Label('NetworkPeer.namespace', 'name', name);
    return new NetworkPeer(`namespace '${name}'`, { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } } });
  }

  /**
   * Every pod of the namespaces carrying one label.
   *
   * @param key the namespace label key
   * @param value the namespace label value
   */
  public static namespacesWithLabel(key: string, value: string): NetworkPeer {
    labelKey('NetworkPeer.namespacesWithLabel', 'key', key);
    labelValue('NetworkPeer.namespacesWithLabel', 'value', value);
    return new NetworkPeer(`namespaces labelled ${key}=${value}`, { namespaceSelector: { matchLabels: { [key]: value } } });
  }

  /**
   * The pods carrying one label, in this namespace or in the namespace given.
   *
   * @param key the pod label key
   * @param value the pod label value
   * @param namespace the pods' namespace; omit it for this namespace
   */
  public static podsWithLabel(key: string, value: string, namespace?: string): NetworkPeer {
    const where = 'NetworkPeer.podsWithLabel';
    labelKey(where, 'key', key);
    labelValue(where, 'value', value);
    if (namespace !== undefined && namespace !== null) {
      str()(where, 'namespace', namespace);
      dns1123Label(where, 'namespace', namespace);
    }
    return new NetworkPeer(`pods labelled ${key}=${value}${namespace ? ` in namespace '${namespace}'` : ''}`, {
      podSelector: { matchLabels: { [key]: value } },
      namespaceSelector: namespace ? { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } : undefined,
    });
  }

  /**
   * An IP range (`ipBlock`), e.g. a load balancer's or an ingress node pool's addresses. Whether a
   * CNI sees the original client address depends on the Service's `externalTrafficPolicy`.
   *
   * @param cidrBlock an IPv4 or IPv6 CIDR, e.g. '10.0.0.0/8'
   */
  public static cidr(cidrBlock: string): NetworkPeer {
    cidr('NetworkPeer.cidr', 'cidrBlock', cidrBlock);
    return new NetworkPeer(`CIDR ${cidrBlock}`, { ipBlock: { cidr: cidrBlock } });
  }

  /** What the peer is, for messages. */
  public readonly displayName: string;

  /**
   * The policy peer; undefined means any source.
   * @internal
   */
  public readonly _peer?: k8s.NetworkPolicyPeer;

  private constructor(displayName: string, peer: k8s.NetworkPolicyPeer | undefined) {
    this.displayName = displayName;
    this._peer = peer;
  }
}
