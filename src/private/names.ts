/**
 * Kubernetes object name rules.
 */
import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalid } from './errors';

/** An RFC 1123 subdomain, the rule for most object names (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/). */
// Dot-separated DNS-1123 labels, at most 253 characters (k8s.io/apimachinery validation.go IsDNS1123Subdomain).
export const RFC1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Fixed object names claimed so far, per app (the construct tree's root), by kind, namespace and name. */
const claimed = new WeakMap<IConstruct, Map<string, string>>();

/**
 * Claims a fixed object name (one the user chose, not one cdk8s generates from the construct path) in the
 * namespace of `scope`'s chart, for the whole app: two objects of one kind with one name in one namespace are one
 * object to the API server, and `kubectl apply` would keep only the last. Throws, naming both owners, when taken.
 */
export function claimFixedName(scope: IConstruct, where: string, prop: string, kind: string, name: string): void {
  const root = scope.node.root;
  let names = claimed.get(root);
  if (names === undefined) claimed.set(root, names = new Map());
  const namespace = Chart.of(scope).namespace;
  const key = `${kind}\u0000${namespace ?? ''}\u0000${name}`;
  const owner = names.get(key);
  if (owner !== undefined) {
    const ns = namespace === undefined ? "the charts' (unset) namespace" : `namespace '${namespace}'`;
    const article = /^[AEIOU]/.test(kind) ? 'an' : 'a';
    throw invalid(where, prop, name, `is already the name of ${article} ${kind} in ${ns} (from ${owner}): one namespace holds one ${kind} ` +
      'of each name, and the last one applied would replace the other; choose another name');
  }
  names.set(key, where);
}
