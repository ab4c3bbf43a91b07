/**
 * The one validator of custom resources: each object against its CRD's openAPIV3Schema (test/crds/, unmodified
 * upstream copies; see test/crds/SOURCES.md), including the CRD's `x-kubernetes-validations` CEL rules that apply
 * to the fields an object sets. test/util.ts dispatches every custom resource here.
 *
 * Structural validation uses ajv, the validator kubernetes-models itself runs (resolved through the
 * @kubernetes-models/validate dev dependency, so no second copy is installed), stricter than the API server in
 * one way: a field the schema does not declare (and that no `x-kubernetes-preserve-unknown-fields` allows) is
 * an error here, where the API server would silently prune it. ajv 8 reads the OpenAPI v3 subset CRDs use
 * (`nullable` included); of Kubernetes' formats int32 and int64 are checked, others accepted.
 * CEL rules have no evaluator on npm that installs cleanly here, so each rule the rendered objects reach is
 * checked by a hand-written function below, keyed by the rule's exact text; a rule without one fails the test,
 * so a CRD update or a new field cannot pass unchecked. Transition rules (`oldSelf`) only apply to updates and
 * are skipped.
 */
import { readdirSync } from 'fs';
import { dirname, join } from 'path';
import { Yaml } from 'cdk8s';

type Json = any;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Ajv = require(require.resolve('ajv', { paths: [dirname(require.resolve('@kubernetes-models/validate'))] }));

interface CrdVersion {
  /** The CRD file it came from (for error messages). */
  readonly file: string;
  /** The schema as upstream wrote it (CEL rules are read from it). */
  readonly schema: Json;
  readonly validate: ((o: Json) => boolean) & { errors?: any[] };
}

const CRD_DIR = join(__dirname, 'crds');
let crds: Map<string, CrdVersion> | undefined;

/** `group/version Kind` -> its schema, from every CRD file in test/crds/. */
function load(): Map<string, CrdVersion> {
  if (crds) return crds;
  crds = new Map();
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, useDefaults: true });
  // Kubernetes' formats (k8s.io/kube-openapi): the integer ones checked, the others not.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  for (const f of ['byte', 'date-time', 'duration', 'uri', 'uuid', 'password', 'email', 'hostname', 'ipv4', 'ipv6']) ajv.addFormat(f, true);
  for (const file of readdirSync(CRD_DIR).filter(f => f.endsWith('.yaml')).sort()) {
    for (const crd of Yaml.load(join(CRD_DIR, file)) as Json[]) {
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) {
        const schema = v.schema.openAPIV3Schema;
        const key = `${crd.spec.group}/${v.name} ${crd.spec.names.kind}`;
        if (crds.has(key)) throw new Error(`two CRD files in test/crds/ define ${key}: ${crds.get(key)!.file} and ${file}`);
        crds.set(key, { file, schema, validate: ajv.compile(closeObjects(JSON.parse(JSON.stringify(schema)))) });
      }
    }
  }
  return crds;
}

/** Every object schema with declared properties refuses others, unless it preserves unknown fields. */
function closeObjects(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeObjects(s)])) : closeObjects(v);
  }
  // `metadata` (ObjectMeta) is a bare `type: object` in CRD schemas, so it stays open.
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

/** True when a CRD in test/crds/ defines this apiVersion and kind. */
export function hasCrd(apiVersion: string, kind: string): boolean {
  return load().has(`${apiVersion} ${kind}`);
}

/** The CEL rules a rendered object reached, with the value each applies to (for assertions in tests). */
export interface CelHit { readonly path: string; readonly rule: string; readonly message?: string; readonly self: Json }

/**
 * Validates one custom resource: the openAPIV3Schema (types, enums, patterns, required, min/max) on a copy with
 * the schema's defaults applied (as the API server defaults before CEL runs), then every CEL rule reached.
 * Returns the CEL rules checked.
 */
export function validateCustomResource(obj: Json): CelHit[] {
  const crd = load().get(`${obj.apiVersion} ${obj.kind}`);
  if (!crd) throw new Error(`no CRD for ${obj.apiVersion} ${obj.kind} in test/crds/`);
  // Round-trip through JSON, as the manifest is written (undefined fields dropped).
  const copy = JSON.parse(JSON.stringify(obj));
  if (!crd.validate(copy)) {
    const errors = (crd.validate.errors ?? []).map((e: any) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new Error(`${obj.kind} ${obj.metadata?.name} fails its CRD schema (${crd.file}): ${errors}`);
  }
  const hits: CelHit[] = [];
  collect(crd.schema, copy, '', hits);
  const unchecked = hits.filter(h => !CEL_CHECKS[h.rule]);
  if (unchecked.length > 0) {
    throw new Error(`${obj.kind} ${obj.metadata?.name}: CEL rules without a check in test/crd-schema.ts:\n`
      + [...new Set(unchecked.map(h => `${h.path || '/'} (${h.message}): ${h.rule}`))].join('\n'));
  }
  for (const hit of hits) {
    const check = CEL_CHECKS[hit.rule];
    if (!check(hit.self)) {
      throw new Error(`${obj.kind} ${obj.metadata?.name} fails the CRD rule at ${hit.path || '/'} (${hit.message ?? hit.rule}): ${hit.rule}`);
    }
  }
  return hits;
}

/** Walks schema and value together, collecting each x-kubernetes-validations rule whose field is set. */
function collect(schema: Json, value: Json, path: string, out: CelHit[]): void {
  if (value === undefined || schema === undefined) return;
  for (const v of schema['x-kubernetes-validations'] ?? []) {
    if (/\boldSelf\b/.test(v.rule)) continue;
    out.push({ path, rule: v.rule, message: v.message, self: value });
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => collect(schema.items, item, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, child] of Object.entries(value)) {
      const sub = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      collect(sub, child, `${path}.${k}`, out);
    }
  }
}

const has = (o: Json, k: string) => o !== null && typeof o === 'object' && o[k] !== undefined;
const emptyNs = (p: Json) => !has(p, 'namespace') || p.namespace === '';
const noSection = (p: Json) => !has(p, 'sectionName') || p.sectionName === '';
/** Two parentRefs naming the same parent (CEL `__namespace__` is the escaped field `namespace`). */
const sameParent = (p1: Json, p2: Json) => p1.group === p2.group && p1.kind === p2.kind && p1.name === p2.name
  && ((emptyNs(p1) && emptyNs(p2)) || (has(p1, 'namespace') && has(p2, 'namespace') && p1.namespace === p2.namespace));
/** `filters.exists_one(f, has(f.<kind>) && has(f.<kind>.path) && type ReplacePrefixMatch && has(replacePrefixMatch))`. */
const replacesPrefix = (filters: Json[] | undefined, kind: string) => (filters ?? []).filter(f => has(f, kind) && has(f[kind], 'path')
  && f[kind].path.type === 'ReplacePrefixMatch' && has(f[kind].path, 'replacePrefixMatch')).length === 1;
const onePathPrefix = (r: Json) => r.matches.length === 1 && has(r.matches[0], 'path') && r.matches[0].path.type === 'PathPrefix';

/**
 * Hand-written checks, one per CEL rule text (copied verbatim from the CRDs). Each says what the rule says;
 * `has(self.x)` is presence, string functions are their JavaScript equivalents.
 */
const CEL_CHECKS: Record<string, (self: Json) => boolean> = {
  // ---- ScaledObject (KEDA): "minReplicaCount must be less than or equal to maxReplicaCount" (100 when unset)
  '!has(self.minReplicaCount) || self.minReplicaCount <= (has(self.maxReplicaCount) ? self.maxReplicaCount : 100)':
    s => !has(s, 'minReplicaCount') || s.minReplicaCount <= (has(s, 'maxReplicaCount') ? s.maxReplicaCount : 100),

  // ---- InferencePool (gateway-api-inference-extension v1.6.0)
  // endpointPickerRef: "port is required when kind is 'Service' or unspecified (defaults to 'Service')"
  "self.kind != 'Service' || has(self.port)": s => s.kind !== 'Service' || has(s, 'port'),
  // targetPorts: "port number must be unique"
  'self.all(p1, self.exists_one(p2, p1.number==p2.number))': s => s.every((p1: Json) => s.filter((p2: Json) => p1.number === p2.number).length === 1),

  // ---- HTTPRoute (Gateway API v1.6.1): the rules an HTTPRoute with parentRefs, one PathPrefix match, one
  // backendRef and a request timeout reaches.
  // parentRefs: "sectionName must be specified when parentRefs includes 2 or more references to the same parent"
  "self.all(p1, self.all(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) ? ((!has(p1.sectionName) || p1.sectionName == '') == (!has(p2.sectionName) || p2.sectionName == '')) : true))":
    s => s.every((p1: Json) => s.every((p2: Json) => sameParent(p1, p2) ? noSection(p1) === noSection(p2) : true)),
  // parentRefs: "sectionName must be unique when parentRefs includes 2 or more references to the same parent"
  "self.all(p1, self.exists_one(p2, p1.group == p2.group && p1.kind == p2.kind && p1.name == p2.name && (((!has(p1.__namespace__) || p1.__namespace__ == '') && (!has(p2.__namespace__) || p2.__namespace__ == '')) || (has(p1.__namespace__) && has(p2.__namespace__) && p1.__namespace__ == p2.__namespace__ )) && (((!has(p1.sectionName) || p1.sectionName == '') && (!has(p2.sectionName) || p2.sectionName == '')) || (has(p1.sectionName) && has(p2.sectionName) && p1.sectionName == p2.sectionName))))":
    s => s.every((p1: Json) => s.filter((p2: Json) => sameParent(p1, p2)
      && ((noSection(p1) && noSection(p2)) || (has(p1, 'sectionName') && has(p2, 'sectionName') && p1.sectionName === p2.sectionName))).length === 1),
  // rules: "While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128"
  '(self.size() > 0 ? self[0].matches.size() : 0) + (self.size() > 1 ? self[1].matches.size() : 0) + (self.size() > 2 ? self[2].matches.size() : 0) + (self.size() > 3 ? self[3].matches.size() : 0) + (self.size() > 4 ? self[4].matches.size() : 0) + (self.size() > 5 ? self[5].matches.size() : 0) + (self.size() > 6 ? self[6].matches.size() : 0) + (self.size() > 7 ? self[7].matches.size() : 0) + (self.size() > 8 ? self[8].matches.size() : 0) + (self.size() > 9 ? self[9].matches.size() : 0) + (self.size() > 10 ? self[10].matches.size() : 0) + (self.size() > 11 ? self[11].matches.size() : 0) + (self.size() > 12 ? self[12].matches.size() : 0) + (self.size() > 13 ? self[13].matches.size() : 0) + (self.size() > 14 ? self[14].matches.size() : 0) + (self.size() > 15 ? self[15].matches.size() : 0) <= 128':
    s => s.slice(0, 16).reduce((n: number, r: Json) => n + r.matches.length, 0) <= 128,
  // rules[]: "RequestRedirect filter must not be used together with backendRefs"
  '(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, !has(f.requestRedirect))): true':
    s => (has(s, 'backendRefs') && s.backendRefs.length > 0) ? (!has(s, 'filters') || s.filters.every((f: Json) => !has(f, 'requestRedirect'))) : true,
  // rules[]: "When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified"
  "(has(self.filters) && self.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true":
    s => replacesPrefix(s.filters, 'requestRedirect') ? onePathPrefix(s) : true,
  // rules[]: "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified"
  "(has(self.filters) && self.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true":
    s => replacesPrefix(s.filters, 'urlRewrite') ? onePathPrefix(s) : true,
  // rules[]: "Within backendRefs, when using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified"
  "(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) && f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch))) )) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true":
    s => (s.backendRefs ?? []).filter((b: Json) => replacesPrefix(b.filters, 'requestRedirect')).length === 1 ? onePathPrefix(s) : true,
  // rules[]: "Within backendRefs, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified"
  "(has(self.backendRefs) && self.backendRefs.exists_one(b, (has(b.filters) && b.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) )) ? ((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != 'PathPrefix') ? false : true) : true":
    s => (s.backendRefs ?? []).filter((b: Json) => replacesPrefix(b.filters, 'urlRewrite')).length === 1 ? onePathPrefix(s) : true,
  // backendRefs[]: "Must have port for Service reference"
  "(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true":
    s => (s.group.length === 0 && s.kind === 'Service') ? has(s, 'port') : true,
  // path: "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"
  "(self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true":
    s => ['Exact', 'PathPrefix'].includes(s.type) ? s.value.startsWith('/') : true,
  // path: "must not contain '//' when type one of ['Exact', 'PathPrefix']"
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('//') : true":
    s => ['Exact', 'PathPrefix'].includes(s.type) ? !s.value.includes('//') : true,
  // path: "must not contain '/./' when type one of ['Exact', 'PathPrefix']"
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('/./') : true":
    s => ['Exact', 'PathPrefix'].includes(s.type) ? !s.value.includes('/./') : true,
  // path: "must not contain '/../' when type one of ['Exact', 'PathPrefix']"
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('/../') : true":
    s => ['Exact', 'PathPrefix'].includes(s.type) ? !s.value.includes('/../') : true,
  // path: "must not contain '%2f' when type one of ['Exact', 'PathPrefix']"
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('%2f') : true":
    s => ['Exact', 'PathPrefix'].includes(s.type) ? !s.value.includes('%2f') : true,
  // path: "must not contain '%2F' when type one of ['Exact', 'PathPrefix']"
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('%2F') : true":
    s => ['Exact', 'PathPrefix'].includes(s.type) ? !s.value.includes('%2F') : true,
  // path: "must not contain '#' when type one of ['Exact', 'PathPrefix']"
  "(self.type in ['Exact','PathPrefix']) ? !self.value.contains('#') : true":
    s => ['Exact', 'PathPrefix'].includes(s.type) ? !s.value.includes('#') : true,
  // path: "must not end with '/..' when type one of ['Exact', 'PathPrefix']"
  "(self.type in ['Exact','PathPrefix']) ? !self.value.endsWith('/..') : true":
    s => ['Exact', 'PathPrefix'].includes(s.type) ? !s.value.endsWith('/..') : true,
  // path: "must not end with '/.' when type one of ['Exact', 'PathPrefix']"
  "(self.type in ['Exact','PathPrefix']) ? !self.value.endsWith('/.') : true":
    s => ['Exact', 'PathPrefix'].includes(s.type) ? !s.value.endsWith('/.') : true,
  // path: "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']"
  "self.type in ['Exact','PathPrefix'] || self.type == 'RegularExpression'":
    s => ['Exact', 'PathPrefix'].includes(s.type) || s.type === 'RegularExpression',
  // path: "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']"
  "(self.type in ['Exact','PathPrefix']) ? self.value.matches(r\"\"\"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$\"\"\") : true":
    s => ['Exact', 'PathPrefix'].includes(s.type) ? /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/.test(s.value) : true,
  // timeouts: "backendRequest timeout cannot be longer than request timeout"
  "!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') && duration(self.backendRequest) > duration(self.request))":
    s => !(has(s, 'request') && has(s, 'backendRequest') && seconds(s.request) !== 0 && seconds(s.backendRequest) > seconds(s.request)),
};

/** A Gateway API Duration (`^([0-9]{1,5}(h|m|s|ms)){1,4}$`) in seconds. */
function seconds(d: string): number {
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  for (const [, n, u] of d.matchAll(/([0-9]+)(ms|h|m|s)/g)) total += Number(n) * unit[u];
  return total;
}
