import * as path from 'path';
import { Duration } from 'cdk8s';

/**
 * Error helpers: every synth-time error names the prop, the value received and what is allowed.
 */

/** Formats a value for an error message (strings quoted, objects as JSON). */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  // JSON.stringify prints NaN/Infinity as null and functions as undefined.
  if (typeof value === 'number' || typeof value === 'function' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

// This package's compiled (lib/) and source (src/) directories: this file is <root>/{lib,src}/private/.
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const OWN_DIRS = ['lib', 'src'].map(d => path.join(PACKAGE_ROOT, d) + path.sep);

/**
 * Builds the library's standard error: `<where>: '<prop>' (<value>) <what is allowed>`. Its stack starts
 * at the caller's own code: frames inside this package say nothing to a user (and point at files a user
 * may not have), so they are dropped.
 */
export function invalid(where: string, prop: string, value: unknown, allowed: string): Error {
  const limit = Error.stackTraceLimit;
  // Capture deep enough that the caller's frames survive the trimming, then keep the usual count.
  Error.stackTraceLimit = Math.max(limit, 50);
  let error: Error;
  try {
    error = new Error(`${where}: '${prop}' (${show(value)}) ${allowed}`);
  } finally {
    Error.stackTraceLimit = limit;
  }
  error.stack = withoutOwnFrames(error.stack, limit);
  return error;
}

/** What a startup refusal was built from, so a caller can name its own prop path (`startupRefusal`). */
interface StartupRefusal {
  readonly prop: string;
  readonly value: unknown;
  readonly allowed: string;
}

const STARTUP_REFUSAL = Symbol('cdk8s-vllm-pd.startupRefusal');

/**
 * `invalid`, for settings vLLM itself refuses to start with. The tier's capacity plan turns most planner errors into
 * "not planned"; these it rethrows under the tier's name.
 */
export function startupRefusal(where: string, prop: string, value: unknown, allowed: string): Error {
  const error = invalid(where, prop, value, allowed);
  const parts: StartupRefusal = { prop, value, allowed };
  Object.defineProperty(error, STARTUP_REFUSAL, { value: parts });
  return error;
}

/** The parts of a `startupRefusal`, or undefined for any other error. */
export function startupRefusalOf(error: unknown): StartupRefusal | undefined {
  return typeof error === 'object' && error !== null ? (error as any)[STARTUP_REFUSAL] : undefined;
}

/** A V8 stack without the frames inside this package, at most `limit` frames. */
export function withoutOwnFrames(stack: string | undefined, limit: number): string | undefined {
  if (stack === undefined) return stack;
  const lines = stack.split('\n');
  const first = lines.findIndex(l => /^\s+at /.test(l));
  if (first < 0) return stack;
  const frames = lines.slice(first).filter(l => !OWN_DIRS.some(d => l.includes(d)));
  // Built-ins the package called on its way (`at Array.map (<anonymous>)`) are not the caller's either.
  const callerAt = frames.findIndex(l => !/\((<anonymous>|native)\)$|^\s+at (<anonymous>|native)$/.test(l));
  return [...lines.slice(0, first), ...frames.slice(Math.max(callerAt, 0)).slice(0, Math.max(limit, 0))].join('\n');
}

/**
 * Whole seconds of a Duration, or a prop-naming error (cdk8s's own conversion error names no prop).
 */
export function wholeSeconds(where: string, prop: string, duration: Duration, minSeconds: number): number {
  const seconds = duration.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < minSeconds) {
    throw invalid(where, prop, `${duration.toMilliseconds()}ms`, `must be a whole number of seconds >= ${minSeconds}`);
  }
  return seconds;
}

/** Throws unless `value` is an integer >= `min`. */
export function requireInteger(where: string, prop: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min) {
    throw invalid(where, prop, value, `must be an integer >= ${min}`);
  }
}
