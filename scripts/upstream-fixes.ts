/**
 * Upstream fixes the benchmark can measure without changing a file on disk (`BENCH_UPSTREAM`, scripts/benchmark.ts):
 * each rewrites a dependency's compiled source as Node loads it, in the benchmark's child process only. Nothing here
 * is part of the library; docs/performance.md proposes each change upstream with these measurements.
 */
import Module from 'module';
import * as path from 'path';

/** The fixes by name, as `BENCH_UPSTREAM` takes them. */
export const UPSTREAM_FIXES: ReadonlyArray<string> = ['json2jsii'];

/** The fixes that rewrote a module in this process (so a run can prove it measured what it says). */
const applied = new Set<string>();

/**
 * json2jsii's undefined filter, as cdk8s-plus-28 2.5.6's `lib/imports/k8s.js` carries it (cdklabs/json2jsii
 * src/tojson.ts lines 68-69 at 269aa91 for structs, src/type-generator.ts line 438 for maps): every defined field
 * spreads the partial result into a new object.
 */
const STRUCT_FILTER = 'return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});';
const STRUCT_FIXED = 'const r = {}; for (const k of Object.keys(result)) { const v = result[k]; if (v !== undefined) r[k] = v; } return r;';
/** The map variant: `Object.entries(obj.x).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: <value of i[1]> }), {})`. */
const MAP_FILTER = /\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: (.*?) \}\), \{\}\)/g;
/** The same keys in the same order; defineProperty, so that a map key `__proto__` stays a key, as with the spread. */
function mapFixed(value: string): string {
  return `.reduce((r, i) => { if (i[1] !== undefined) Object.defineProperty(r, i[0], { value: ${value}, enumerable: true, writable: true, configurable: true }); return r; }, {})`;
}

/** The rewrite of one generated bindings file, with how many filters it replaced. */
export function fixJson2jsiiFilter(source: string): { readonly source: string; readonly structs: number; readonly maps: number } {
  const parts = source.split(STRUCT_FILTER);
  let maps = 0;
  const fixed = parts.join(STRUCT_FIXED).replace(MAP_FILTER, (_m, value: string) => {
    maps++;
    return mapFixed(value);
  });
  return { source: fixed, structs: parts.length - 1, maps };
}

/** Refuses a name that is not one of UPSTREAM_FIXES. */
export function checkUpstreamFixes(fixes: ReadonlyArray<string>): void {
  for (const fix of fixes) {
    if (!UPSTREAM_FIXES.includes(fix)) {
      throw new Error(`BENCH_UPSTREAM: unknown fix '${fix}'; known: ${UPSTREAM_FIXES.join(', ')}`);
    }
  }
}

/**
 * Installs the fixes for the modules loaded from now on. Throws when a fix finds nothing to replace (a changed
 * dependency), so that a run never reports a fix it did not apply.
 */
export function installUpstreamFixes(fixes: ReadonlyArray<string>): void {
  checkUpstreamFixes(fixes);
  if (!fixes.includes('json2jsii')) return;
  const proto = (Module as any).prototype;
  const compile = proto._compile;
  proto._compile = function (content: string, filename: string, ...rest: unknown[]) {
    if (/[\\/]cdk8s-plus-28[\\/]lib[\\/]imports[\\/]k8s\.js$/.test(filename)) {
      const r = fixJson2jsiiFilter(content);
      if (r.structs === 0 || r.maps === 0) {
        throw new Error(`json2jsii fix: ${filename} holds ${r.structs} struct and ${r.maps} map filters; expected both`);
      }
      content = r.source;
      applied.add('json2jsii');
    }
    return compile.call(this, content, filename, ...rest);
  };
}

/** Throws unless every fix asked for has rewritten a module by now (call it once the dependencies are loaded). */
export function requireUpstreamFixesApplied(fixes: ReadonlyArray<string>): void {
  const missing = fixes.filter(f => !applied.has(f));
  if (missing.length > 0) {
    throw new Error(`BENCH_UPSTREAM: ${missing.join(', ')} asked for, but no module it rewrites was loaded after it was installed`);
  }
}

/** Where cdk8s-plus-28's generated bindings (the mappers the json2jsii fix rewrites) are. */
export const CDK8S_PLUS_BINDINGS = require.resolve('cdk8s-plus-28/lib/imports/k8s.js');

/**
 * cdk8s-plus-28's generated bindings compiled from `source` as a module of their own (outside any require cache), so
 * that stock and fixed mappers can run side by side in one process.
 */
export function loadBindings(source: string): { [name: string]: (props: any) => any } {
  const m = new Module(CDK8S_PLUS_BINDINGS) as any;
  m.filename = CDK8S_PLUS_BINDINGS;
  m.paths = (Module as any)._nodeModulePaths(path.dirname(CDK8S_PLUS_BINDINGS));
  m._compile(source, CDK8S_PLUS_BINDINGS);
  return m.exports;
}
