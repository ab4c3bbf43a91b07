/**
 * Kubernetes object name rules.
 */

/** An RFC 1123 subdomain, the rule for most object names (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/). */
export const RFC1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
