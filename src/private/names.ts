/**
 * Kubernetes object name rules.
 */

/** An RFC 1123 subdomain, the rule for most object names (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/). */
// Dot-separated DNS-1123 labels, at most 253 characters (k8s.io/apimachinery validation.go IsDNS1123Subdomain).
export const RFC1123_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
