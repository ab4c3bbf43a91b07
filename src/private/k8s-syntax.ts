import { isIP } from 'net';
import { Check } from './boundary';
import { invalid } from './errors';
import { RFC1123_SUBDOMAIN } from './names';

/**
 * Kubernetes and OCI syntax rules for strings the user passes, checked before they reach a manifest
 * (where the API server would reject them at apply time, long after synth).
 *
 * Kubernetes rules: k8s.io/apimachinery pkg/util/validation/validation.go (IsDNS1123Label, IsDNS1123Subdomain,
 * IsQualifiedName, IsValidLabelValue, IsConfigMapKey) and pkg/apis/core/validation/validation.go
 * (tolerations: ValidateLabelName on the key; extended resources: IsExtendedResourceName; volume mounts:
 * "must be unique" mountPath).
 */

// IsDNS1123Label: at most 63 characters.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// IsDNS1035Label (Service names, ValidateServiceName): at most 63 characters, starting with a letter.
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// IsQualifiedName name part and IsValidLabelValue: at most 63 characters.
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
// IsConfigMapKey (Secret data keys follow it): at most 253 characters.
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** Whether `value` is a DNS-1123 label (namespaces, Service names). */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** Whether `value` is a DNS-1035 label (Service names). */
export function isDns1035Label(value: string): boolean {
  return value.length <= 63 && DNS1035_LABEL.test(value);
}

/** Whether `value` is a DNS-1123 subdomain (most object names: Secrets, PVCs, ConfigMaps). */
export function isDns1123Subdomain(value: string): boolean {
  return RFC1123_SUBDOMAIN.test(value);
}

/** Whether `value` is a qualified name (`[prefix/]name`): label keys, annotation keys, toleration keys. */
export function isQualifiedName(value: string): boolean {
  const parts = value.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (name.length > 63 || !QUALIFIED_NAME_PART.test(name)) return false;
  return parts.length === 1 || (parts[0].length > 0 && isDns1123Subdomain(parts[0]));
}

/** Whether `value` is a label value (empty, or up to 63 alphanumerics with `-_.` inside). */
export function isLabelValue(value: string): boolean {
  return value === '' || (value.length <= 63 && QUALIFIED_NAME_PART.test(value));
}

/**
 * Whether `value` is an extended resource name (`nvidia.com/gpu`): a qualified name with a domain prefix
 * outside `kubernetes.io` (IsExtendedResourceName / IsNativeResource).
 */
export function isExtendedResourceName(value: string): boolean {
  if (!isQualifiedName(value) || !value.includes('/')) return false;
  const domain = value.split('/')[0];
  return domain !== 'kubernetes.io' && !domain.endsWith('.kubernetes.io') && domain !== 'requests.kubernetes.io';
}

/** Whether `value` is an IPv4 or IPv6 CIDR (`10.0.0.0/8`, `fd00::/8`), as NetworkPolicy `ipBlock.cidr` takes. */
export function isCidr(value: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!m) return false;
  const family = isIP(m[1]);
  const bits = Number(m[2]);
  return family !== 0 && bits <= (family === 4 ? 32 : 128);
}

/** Whether `value` is a Secret or ConfigMap data key. */
export function isDataKey(value: string): boolean {
  return value.length > 0 && value.length <= 253 && CONFIG_MAP_KEY.test(value) && value !== '.' && value !== '..';
}

/**
 * The OCI image reference grammar of github.com/distribution/reference, regexp.go (ReferenceRegexp) at
 * commit 0965666a6ade2e06035fe352e38344be1e68951a: `[domain[:port]/]path[:tag][@digest]`, path components
 * lowercase alphanumerics joined by `.`, `_`, `__` or dashes; the repository name at most 255 characters
 * (reference.go NameTotalLengthMax).
 */
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = host + optionalPort;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;
const REFERENCE = new RegExp(`^(${namePat})(?::(${tag}))?(?:@(${digest}))?$`);
const NAME_TOTAL_LENGTH_MAX = 255;

/** Whether `value` is an image reference per the distribution grammar. */
export function isImageReference(value: string): boolean {
  // Bounded before matching so the regular expression never sees pathological input.
  if (value.length > 1024) return false;
  const m = REFERENCE.exec(value);
  return m !== null && m[1].length <= NAME_TOTAL_LENGTH_MAX;
}

/** A check from a predicate. */
function rule(test: (s: string) => boolean, allowed: string): Check {
  return (where, prop, value) => {
    if (typeof value !== 'string' || !test(value)) throw invalid(where, prop, value, allowed);
    return value;
  };
}

/** A DNS-1123 label (namespace). */
export const dns1123Label: Check = rule(isDns1123Label,
  'must be a DNS-1123 label: at most 63 lowercase alphanumerics or \'-\', starting and ending alphanumeric');
/** A DNS-1035 label (Service name). */
export const dns1035Label: Check = rule(isDns1035Label,
  'must be a Service name (DNS-1035 label): at most 63 lowercase alphanumerics or \'-\', starting with a letter and ending alphanumeric');
/** A DNS-1123 subdomain (object name). */
export const dns1123Subdomain: Check = rule(isDns1123Subdomain,
  'must be a Kubernetes object name (DNS-1123 subdomain): lowercase alphanumerics, \'-\' and \'.\', at most 253 characters');
/** An object name that is also a label's value (a Kueue LocalQueue or WorkloadPriorityClass named by a label). */
export const labelledObjectName: Check = rule(v => isDns1123Subdomain(v) && isLabelValue(v),
  "must be an object name usable as a label value: at most 63 lowercase alphanumerics, '-' or '.', starting and ending alphanumeric");
/** A label key. */
export const labelKey: Check = rule(isQualifiedName,
  "must be a label key: an optional DNS subdomain prefix and '/', then at most 63 alphanumerics, '-', '_' or '.'");
/** A label value. */
export const labelValue: Check = rule(isLabelValue,
  "must be a label value: empty, or at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric");
/** A toleration key (a qualified name, like a label key). */
export const tolerationKey: Check = rule(isQualifiedName,
  "must be a taint key: an optional DNS subdomain prefix and '/', then at most 63 alphanumerics, '-', '_' or '.'");
/** An extended resource name. */
export const extendedResourceName: Check = rule(isExtendedResourceName,
  "must be a domain-prefixed extended resource such as 'nvidia.com/gpu'");
/** A CIDR. */
export const cidr: Check = rule(isCidr, "must be an IPv4 or IPv6 CIDR such as '10.0.0.0/8' or 'fd00::/8'");
/** A Secret data key. */
export const secretKey: Check = rule(isDataKey,
  "must be a non-empty Secret key of alphanumerics, '-', '_' or '.'");
/** An image reference. */
export const imageReference: Check = rule(isImageReference,
  "must be an image reference such as 'docker.io/vllm/vllm-openai:v0.32.0' (distribution/reference grammar)");

/** Throws unless `name` is a DNS-1123 label. */
export function requireDns1123Label(where: string, prop: string, name: string): void {
  dns1123Label(where, prop, name);
}

/** Throws unless `image` is an image reference. */
export function requireImageReference(where: string, prop: string, image: string): void {
  imageReference(where, prop, image);
}

/**
 * Throws when two volume mounts of one container share a path or one lies inside another: the API server
 * rejects the first, and the second silently shadows part of a volume (e.g. a KV store inside /dev/shm).
 */
export function requireDistinctMountPaths(where: string, mounts: ReadonlyArray<{ name: string; mountPath: string }>): void {
  const norm = (p: string) => p.replace(/\/+$/, '') || '/';
  for (let i = 0; i < mounts.length; i++) {
    for (let j = 0; j < mounts.length; j++) {
      if (i === j) continue;
      const a = norm(mounts[i].mountPath);
      const b = norm(mounts[j].mountPath);
      if (a === b && i < j) {
        throw invalid(where, `volume mount '${mounts[j].name}'`, mounts[j].mountPath,
          `uses the mount path of volume mount '${mounts[i].name}'; choose another path`);
      }
      if (a !== b && b.startsWith(a === '/' ? '/' : `${a}/`)) {
        throw invalid(where, `volume mount '${mounts[j].name}'`, mounts[j].mountPath,
          `lies inside volume mount '${mounts[i].name}' (${mounts[i].mountPath}) and would shadow part of it; choose a path outside it`);
      }
    }
  }
}
