/**
 * Error helpers: every synth-time error names the prop, the value received and what is allowed.
 */

/** Formats a value for an error message (strings quoted, objects as JSON). */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Builds the library's standard error: `<where>: '<prop>' (<value>) <what is allowed>`. */
export function invalid(where: string, prop: string, value: unknown, allowed: string): Error {
  return new Error(`${where}: '${prop}' (${show(value)}) ${allowed}`);
}

/** Throws unless `value` is an integer >= `min`. */
export function requireInteger(where: string, prop: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min) {
    throw invalid(where, prop, value, `must be an integer >= ${min}`);
  }
}
