import { Duration, Size } from 'cdk8s';
import { invalid } from './errors';
import { MAX_PORT } from './ports';

/**
 * Type and shape checks at the public boundary. TypeScript callers are held to the types by the compiler;
 * plain JavaScript and the other jsii languages are not, so every prop and factory argument is checked
 * where it enters, with the library's one error format (`invalid()`).
 *
 * What jsii sends from Python, Java, C# and Go (aws/jsii gh-pages/content/specification/2-type-system.md at
 * 0eddcffcfe82b5feacc0fcc25cf7b73bf1e6c371, "Null and Undefined" and "Serialization Behavior"): numbers are
 * doubles, enums arrive as their JS values, structs by value as plain objects keyed by the TypeScript property
 * names, `null` and `undefined` are "semantically equivalent", and class instances (a `Size`, a `Model`, a
 * `KvConnector` made by a factory) by reference (`$jsii.byref`), which the kernel ties back to the very JS
 * object the factory returned. So `instanceof` is exact and no duck typing is needed; only the cdk8s-plus
 * `SecretValue` struct holds an interface (`ISecret`) that a host language may implement, and it is checked
 * by shape.
 *
 * A struct is described once by a `StructSchema`: its known keys and a check per key. `checkStruct()` rejects
 * unknown keys (typos are never silently ignored), accepts `null` wherever `undefined` is accepted, and returns
 * a copy without the nulls, so code after the boundary only ever sees `undefined`.
 */

/** Checks one value (never null or undefined); throws `invalid(where, prop, value, ...)`. May return a normalized value. */
export type Check = (where: string, prop: string, value: unknown) => unknown;

/** The keys and checks of one public props interface, named as in the jsii assembly. */
export interface StructSchema {
  /** The interface name, e.g. `TierOptions`. */
  readonly name: string;
  /** Every key of the interface (inherited ones included), each with its check. */
  readonly fields: { readonly [key: string]: Check };
  /** Keys that must be present. */
  readonly required: readonly string[];
}

const SCHEMAS = new Map<string, StructSchema>();

/**
 * Declares a struct schema (once per interface) and registers it, so a test can compare every schema's keys
 * with the interface's properties in the jsii assembly.
 */
export function struct(name: string, fields: { [key: string]: Check }, required: string[] = []): StructSchema {
  if (SCHEMAS.has(name)) throw new Error(`struct schema '${name}' declared twice`);
  const schema: StructSchema = { name, fields, required };
  SCHEMAS.set(name, schema);
  return schema;
}

/** A struct schema that adds keys to others (TypeScript `extends`). */
export function extend(name: string, bases: StructSchema[], fields: { [key: string]: Check } = {}, required: string[] = []): StructSchema {
  return struct(name, Object.assign({}, ...bases.map(b => b.fields), fields), [...bases.flatMap(b => b.required), ...required]);
}

/** Every registered schema (for the drift test). @internal */
export function registeredSchemas(): StructSchema[] {
  return [...SCHEMAS.values()];
}

/** True for `undefined` and `null` (jsii languages may send null for an optional prop). */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/**
 * Checks a props object against its schema: an object (or absent when nothing is required), no unknown keys,
 * required keys present, each present value checked. Returns a copy with absent values removed.
 * `prop` names the object itself in messages (`props`, `decode`, `router`, `resources`, ...).
 */
export function checkStruct<T>(where: string, prop: string, value: T, schema: StructSchema): T {
  if (isAbsent(value)) {
    if (schema.required.length > 0) {
      throw invalid(where, schema.required[0], undefined, `is required (${schema.name}.${schema.required[0]})`);
    }
    return value as T;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(where, prop, value, `must be an object of ${schema.name} props`);
  }
  const prefix = prop === 'props' || prop === 'options' ? '' : `${prop}.`;
  const out: Record<string, unknown> = {};
  const keys = Object.keys(schema.fields);
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const check = Object.prototype.hasOwnProperty.call(schema.fields, key) ? schema.fields[key] : undefined;
    if (!check) {
      const near = closest(key, keys);
      throw invalid(where, `${prefix}${key}`, describe(v),
        `is not a prop of ${schema.name}${near ? ` (did you mean '${near}'?)` : ''}; known props: ${keys.join(', ')}`);
    }
    if (isAbsent(v)) continue;
    const normalized = check(where, `${prefix}${key}`, v);
    out[key] = normalized === undefined ? v : normalized;
  }
  for (const key of schema.required) {
    if (isAbsent(out[key])) throw invalid(where, `${prefix}${key}`, undefined, `is required (${schema.name}.${key})`);
  }
  return out as T;
}

/** The largest signed 32-bit integer: the integer range every jsii language passes without loss. */
export const INT32_MAX = 2147483647;

/** An integer in [min, max]; messages match `requireInteger()` (`must be an integer >= 1`). */
export function int(min: number, max: number = INT32_MAX, aboveMax?: string): Check {
  return (where, prop, value) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      throw invalid(where, prop, value, `must be an integer >= ${min}`);
    }
    if (value > max) {
      throw invalid(where, prop, value, aboveMax ?? `must be <= ${max}${max === INT32_MAX ? ' (a 32-bit integer)' : ''}`);
    }
    return value;
  };
}

/** A TCP port, 1-65535 (the one port-range check of the library). */
export const port: Check = int(1, MAX_PORT, `must be a TCP port (1-${MAX_PORT})`);

/** Throws unless `value` is a TCP port; for values computed after the boundary (base port + rank). */
export function requirePort(where: string, prop: string, value: number): void {
  port(where, prop, value);
}

/** A finite number that renders in plain decimal notation (never `1e-7` or `1e+21` in a flag). */
export function finite(allowed = 'must be a finite number'): Check {
  return (where, prop, value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(where, prop, value, allowed);
    requirePlainNumber(where, prop, value);
    return value;
  };
}

/**
 * Throws when `String(value)` would use exponent notation (|x| >= 1e21 or a fraction below 1e-6), which vLLM's
 * argparse, YAML readers and Kubernetes quantities would read differently or reject.
 */
export function requirePlainNumber(where: string, prop: string, value: number): void {
  if (/e/i.test(String(value))) {
    throw invalid(where, prop, value, 'would render in exponent notation; use a value between 1e-6 and 1e21');
  }
}

/**
 * An `http://` or `https://` URL with a host (parsed by Node's WHATWG URL parser), optionally with an explicit
 * port, and without credentials (they would be written into the manifest).
 */
export function httpUrl(example: string, requireExplicitPort: boolean): Check {
  return (where, prop, value) => {
    const allowed = `must be an http:// or https:// URL${requireExplicitPort ? ' with an explicit port' : ''}, e.g. '${example}'`;
    if (typeof value !== 'string' || /\s/.test(value)) throw invalid(where, prop, value, allowed);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw invalid(where, prop, value, allowed);
    }
    // WHATWG URL drops a scheme's default port (`new URL('https://h:443').port` is ''), so look at the text too.
    const explicitPort = url.port !== '' || /^https?:\/\/[^/?#]*:\d+(?:[/?#]|$)/i.test(value);
    if (!['http:', 'https:'].includes(url.protocol) || url.hostname === '' || (requireExplicitPort && !explicitPort)) {
      throw invalid(where, prop, value, allowed);
    }
    if (url.username !== '' || url.password !== '') {
      throw invalid(where, prop, '<redacted credentials>', 'must not carry credentials: they would be written into the manifest');
    }
    return value;
  };
}

/** A boolean; the string 'false' is not one. */
export const bool: Check = (where, prop, value) => {
  if (typeof value !== 'boolean') throw invalid(where, prop, value, 'must be a boolean (true or false)');
  return value;
};

/** A string, optionally non-empty. */
export function str(nonEmpty = false): Check {
  return (where, prop, value) => {
    if (typeof value !== 'string') throw invalid(where, prop, value, 'must be a string');
    if (nonEmpty && value.trim() === '') throw invalid(where, prop, value, 'must be a non-empty string');
    return value;
  };
}

/** A member of a string enum. */
export function enumOf(enumObject: Record<string, string>, name: string): Check {
  return (where, prop, value) => {
    const values = Object.values(enumObject);
    if (!values.includes(value as string)) {
      throw invalid(where, prop, value, `must be one of ${values.join(', ')} (${name})`);
    }
    return value;
  };
}

/** An instance of a library class (or of cdk8s / cdk8s-plus), with a hint on how to get one. */
export function instanceOf(ctor: Function, hint: string): Check {
  return (where, prop, value) => {
    if (!(value instanceof ctor)) {
      throw invalid(where, prop, describe(value), `must be ${/^[AEIOU]/.test(ctor.name) ? 'an' : 'a'} ${ctor.name} (${hint})${otherCopy(ctor, value)}`);
    }
    return value;
  };
}

/**
 * Why a value of the same class name is still refused: it comes from another package (cdk8s-plus-33's `Cpu` for
 * cdk8s-plus-28's; TypeScript accepts it, the shapes match) or another copy of the same one. jsii classes
 * carry their fully qualified name.
 */
function otherCopy(ctor: Function, value: unknown): string {
  const fqn = (c: unknown): string | undefined => (c as any)?.[Symbol.for('jsii.rtti')]?.fqn;
  const want = fqn(ctor);
  const got = typeof value === 'object' && value !== null ? fqn(Object.getPrototypeOf(value)?.constructor) : undefined;
  if (want === undefined || got === undefined) return '';
  const [wantPackage] = want.split('.');
  const [gotPackage] = got.split('.');
  if (got.slice(gotPackage.length) !== want.slice(wantPackage.length)) return '';
  return got === want
    ? `; this ${ctor.name} comes from a second copy of ${wantPackage}: make the app install one ${wantPackage}`
    : `; this ${ctor.name} comes from ${gotPackage}, and the library takes ${wantPackage}'s: import ${ctor.name} from '${wantPackage}'`;
}

/** A cdk8s Size of whole bytes that fits a double exactly (so it renders without exponent). */
export const size: Check = (where, prop, value) => {
  instanceOf(Size, 'e.g. Size.gibibytes(20)')(where, prop, value);
  let kib: number;
  try {
    kib = (value as Size).toKibibytes();
  } catch (e) {
    throw invalid(where, prop, describe(value), `cannot be read as bytes: ${(e as Error).message}`);
  }
  const bytes = kib * 1024;
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw invalid(where, prop, `${kib} KiB`, `must be a whole number of bytes between 0 and ${Number.MAX_SAFE_INTEGER}`);
  }
  return value;
};

/** A cdk8s Duration of a finite length. */
export const duration: Check = (where, prop, value) => {
  instanceOf(Duration, 'e.g. Duration.minutes(5)')(where, prop, value);
  const ms = (value as Duration).toMilliseconds({ integral: false });
  if (!Number.isFinite(ms)) throw invalid(where, prop, `${ms}ms`, 'must be a finite duration');
  // Durations render as seconds in probe counts, grace periods and flags; past int32 they would lose
  // precision or render in exponent form.
  if (ms / 1000 > INT32_MAX) {
    throw invalid(where, prop, `${ms}ms`, `must be at most ${INT32_MAX} seconds (a 32-bit integer, as Kubernetes time fields are)`);
  }
  return value;
};

/** An array whose items pass `item` (checked as `prop[i]`). */
export function arrayOf(item: Check): Check {
  return (where, prop, value) => {
    if (!Array.isArray(value)) throw invalid(where, prop, value, 'must be an array');
    return value.map((v, i) => {
      if (isAbsent(v)) throw invalid(where, `${prop}[${i}]`, v, 'must not be null or undefined');
      const n = item(where, `${prop}[${i}]`, v);
      return n === undefined ? v : n;
    });
  };
}

/** A nested struct. */
export function nested(schema: StructSchema): Check {
  return (where, prop, value) => checkStruct(where, prop, value, schema);
}

/** Runs checks in order (type first, then a rule). */
export function all(...checks: Check[]): Check {
  return (where, prop, value) => {
    let v = value;
    for (const c of checks) {
      const n = c(where, prop, v);
      if (n !== undefined) v = n;
    }
    return v;
  };
}

/** Shows what a wrong object is, e.g. `a string 'abc'` or `an object of class Foo`. */
function describe(value: unknown): unknown {
  if (typeof value === 'function') return `<function ${value.name || 'anonymous'}>`;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    if (name && name !== 'Object') return `<${name}>`;
  }
  return value;
}

/** The known key nearest a typo (edit distance <= 2), for "did you mean". */
function closest(key: string, keys: string[]): string | undefined {
  const lower = key.toLowerCase();
  const prefixed = key.length >= 3 ? keys.find(k => k.toLowerCase().startsWith(lower)) : undefined;
  if (prefixed) return prefixed;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of keys) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

