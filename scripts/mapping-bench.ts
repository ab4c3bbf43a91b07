/**
 * The L1 field mapping on its own, stock against json2jsii's proposed filter fix (scripts/upstream-fixes.ts), in one
 * process: builds the benchmark's seed-shaped services once (BENCH_SERVICES, default 1,000), takes every object's
 * resolved props (`ApiObject.prototype.toJson`, before the L1 class maps them), and passes them through the stock and
 * the fixed `toJson_<Kind>Props`, first once each (cold), then in alternating rounds (BENCH_ROUNDS, default 10); a
 * complete `toJson()` of every object (resolve, mapping, sanitize) is timed in the same rounds for scale. Process CPU
 * time (GC threads included), medians. Prints numbers; asserts nothing but that both mappings write the same JSON.
 * docs/performance.md, 2026-12-04 19:00.
 *
 *   npx projen compile && npx ts-node --project test/tsconfig.json scripts/mapping-bench.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type * as lib from '../src';
import { addSeedService } from './seed-service';
import { CDK8S_PLUS_BINDINGS, fixJson2jsiiFilter, loadBindings } from './upstream-fixes';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pd: typeof lib = require(path.join(__dirname, '..', 'lib'));

function cpuMs(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main(): void {
  const source = fs.readFileSync(CDK8S_PLUS_BINDINGS, 'utf-8');
  const stock = loadBindings(source);
  const fixed = loadBindings(fixJson2jsiiFilter(source).source);
  const n = Number(process.env.BENCH_SERVICES ?? 1000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
  const app = new App();
  for (let i = 0; i < n; i++) {
    const chart = new Chart(app, `svc-${i}`, { namespace: 'llm' });
    addSeedService({ cdk8s, kplus, pd }, chart);
  }
  const objects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  const firstFull = cpuMs(() => objects.forEach(o => o.toJson()));
  const resolved = objects.map(o => ({ mapper: `toJson_${o.constructor.name}Props`, props: ApiObject.prototype.toJson.call(o) }));
  // Each module's first pass: its mappers still cold (interpreted, then compiled), as in a synthesis.
  const firstStock = cpuMs(() => resolved.forEach(x => stock[x.mapper](x.props)));
  const firstFixed = cpuMs(() => resolved.forEach(x => fixed[x.mapper](x.props)));
  for (const { mapper, props } of resolved) {
    if (JSON.stringify(stock[mapper](props)) !== JSON.stringify(fixed[mapper](props))) {
      throw new Error(`${mapper}: the fixed mapping writes other JSON than the stock one`);
    }
  }
  const times: { [k: string]: number[] } = { stock: [], fixed: [], full: [] };
  for (let r = 0; r < rounds; r++) {
    times.stock.push(cpuMs(() => resolved.forEach(x => stock[x.mapper](x.props))));
    times.fixed.push(cpuMs(() => resolved.forEach(x => fixed[x.mapper](x.props))));
    times.full.push(cpuMs(() => objects.forEach(o => o.toJson())));
  }
  const show = (k: string) => `median ${median(times[k]).toFixed(0)} ms [${times[k].map(x => x.toFixed(0)).join(' ')}]`;
  console.log(`# ${new Date().toISOString()}  ${n} services, ${objects.length} objects, ${rounds} alternating rounds, process CPU`);
  console.log(`first complete toJson() of every object: ${firstFull.toFixed(0)} ms`);
  console.log(`complete toJson() (resolve + stock mapping + sanitize), warm: ${show('full')}`);
  console.log(`mapping only, first pass: stock ${firstStock.toFixed(0)} ms, fixed ${firstFixed.toFixed(0)} ms`);
  console.log(`stock mapping only, warm: ${show('stock')}`);
  console.log(`fixed mapping only, warm: ${show('fixed')}`);
}

main();
