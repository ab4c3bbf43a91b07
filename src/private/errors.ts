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

/** Builds the library's standard error: `<where>: '<prop>' (<value>) <what is allowed>`. */
export function invalid(where: string, prop: string, value: unknown, allowed: string): Error {
  return new Error(`${where}: '${prop}' (${show(value)}) ${allowed}`);
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
