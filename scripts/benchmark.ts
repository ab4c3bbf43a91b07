/**
 * `npm run bench`: construct-and-synthesize time, peak RSS and output size for fleets of PdServices in
 * the seed's shape (examples/seed-llama-70b-nixl), against a raw-ApiObject floor built from the library's
 * own output. Prints a table; asserts nothing (speed is measured here, not in timed tests).
 *
 * Every measurement runs in its own child process (so peak RSS is per case) against the compiled
 * package in lib/ (what users run), and is repeated; the table shows medians.
 *
 *   layouts: fleet = one Chart per service; single = all services in one Chart
 *   apps:    App = cdk8s's stock App.synth(); FleetApp = this library's FleetApp.synth()
 *   floor:   the same objects, read back from the library's output, written as plain cdk8s ApiObjects
 *            into the same charts and synthesized by the same app class
 *   ratio:   lib wall time / floor wall time (medians); cpu ratio: the same for the process's CPU time
 *            (user + system, all threads), which a busy machine disturbs less than wall time
 *   main cpu: CPU time of the main thread alone (Linux: /proc/self/task/<pid>/stat), lib/floor; the rest of the
 *            process's CPU is the YAML writer threads and V8's helper threads (GC, compilation)
 *
 * Environment: BENCH_SIZES=1,100,1000,2000  BENCH_RUNS=3  BENCH_APPS=App,FleetApp  BENCH_LAYOUTS=fleet,single
 *              BENCH_UPSTREAM=json2jsii (each case once more with these upstream fixes applied to the dependencies as
 *              they load, library and floor alike, in a row of its own; scripts/upstream-fixes.ts, docs/performance.md)
 *              BENCH_WRITER_THREADS (FleetApp's yamlWriterThreads; unset: its default)
 *              BENCH_UNIQUE_IDS=1 (fleet layout: construct IDs carry the service's index, as in the single layout;
 *              past ~1,500 charts that crosses V8's transition limit, docs/performance.md)
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as lib from '../src';
import { addSeedService } from './seed-service';
import { checkUpstreamFixes, installUpstreamFixes, requireUpstreamFixesApplied } from './upstream-fixes';

type Layout = 'fleet' | 'single';
type AppKind = 'App' | 'FleetApp';
type Subject = 'lib' | 'floor';
interface Case {
  readonly n: number;
  readonly layout: Layout;
  readonly app: AppKind;
  readonly subject: Subject;
  readonly input: string;
  /** Upstream fixes applied to the dependencies as they load (scripts/upstream-fixes.ts); none: the stock packages. */
  readonly upstream: string[];
}
interface Result {
  readonly constructMs: number;
  readonly synthMs: number;
  readonly totalMs: number;
  readonly cpuMs: number;
  /** CPU time of the main thread; undefined where /proc is not there to read it. */
  readonly mainCpuMs?: number;
  readonly startRssMb: number;
  readonly peakRssMb: number;
  readonly objects: number;
  readonly bytes: number;
  readonly sha: string;
}

const root = path.resolve(__dirname, '..');

/** sysconf(_SC_CLK_TCK): 100 on Linux (USER_HZ), the unit of /proc's utime and stime. */
const CLOCK_TICKS = 100;

/** This thread's CPU time (utime + stime of /proc/self/task/<pid>/stat, in clock ticks), or undefined. */
function mainThreadCpuMs(): number | undefined {
  try {
    // Fields after the parenthesised command name (which may itself hold ') '): state is the 3rd field, utime the
    // 14th, stime the 15th (proc(5)).
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf-8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- child: one measurement
function runCase(c: Case): Result {
  installUpstreamFixes(c.upstream);
  /* eslint-disable @typescript-eslint/no-require-imports */
  const cdk8s: typeof import('cdk8s') = require('cdk8s');
  const kplus: typeof import('cdk8s-plus-28') = require('cdk8s-plus-28');
  const pd: typeof lib = require(path.join(root, 'lib'));
  /* eslint-enable @typescript-eslint/no-require-imports */
  requireUpstreamFixesApplied(c.upstream);
  const floorInput: { [chartId: string]: any[] } | undefined = c.subject === 'floor' ? JSON.parse(fs.readFileSync(c.input, 'utf-8')) : undefined;
  const startRssMb = process.memoryUsage().rss / 2 ** 20;
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-bench-'));

  const main0 = mainThreadCpuMs();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const threads = process.env.BENCH_WRITER_THREADS;
  const app = c.app === 'App' ? new cdk8s.App({ outdir })
    : new pd.FleetApp({ outdir, yamlWriterThreads: threads === undefined || threads === '' ? undefined : Number(threads) });
  const charts = c.layout === 'fleet'
    ? Array.from({ length: c.n }, (_, i) => new cdk8s.Chart(app, `svc-${i}`, { namespace: 'llm' }))
    : [new cdk8s.Chart(app, 'fleet', { namespace: 'llm' })];
  if (floorInput) {
    for (const chart of charts) {
      floorInput[chart.node.id].forEach((obj, oi) => new cdk8s.ApiObject(chart, `o${oi}`, obj));
    }
  } else {
    for (let i = 0; i < c.n; i++) {
      const chart = charts[c.layout === 'fleet' ? i : 0];
      // In a chart of its own a service takes the same IDs as every other (the chart's ID makes its names unique, as
      // in the README's fleet example); in one chart, or with BENCH_UNIQUE_IDS=1, IDs carry the service's index.
      const suffix = c.layout === 'single' || process.env.BENCH_UNIQUE_IDS === '1' ? `${i}` : '';
      addSeedService({ cdk8s, kplus, pd }, chart, suffix);
    }
  }
  const t1 = process.hrtime.bigint();
  app.synth();
  const t2 = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpu0);
  const main1 = mainThreadCpuMs();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  // Untimed: output size, a digest to compare library and floor, and (from the library) the floor's input:
  // each chart's objects in the order App writes them.
  const files = fs.readdirSync(outdir).sort();
  const docs = files.map(f => fs.readFileSync(path.join(outdir, f), 'utf-8'));
  const sha = createHash('sha256').update(docs.join('\0')).digest('hex').slice(0, 12);
  let objects = 0;
  const perChart: { [chartId: string]: any[] } = {};
  for (const chart of charts) {
    perChart[chart.node.id] = new cdk8s.DependencyGraph(chart.node).topology()
      .filter((o): o is import('cdk8s').ApiObject => o instanceof cdk8s.ApiObject && cdk8s.Chart.of(o) === chart)
      .map(o => o.toJson());
    objects += perChart[chart.node.id].length;
  }
  if (c.subject === 'lib') fs.writeFileSync(c.input, JSON.stringify(perChart));
  fs.rmSync(outdir, { recursive: true, force: true });
  return {
    constructMs: Number(t1 - t0) / 1e6,
    synthMs: Number(t2 - t1) / 1e6,
    totalMs: Number(t2 - t0) / 1e6,
    cpuMs: (cpu.user + cpu.system) / 1e3,
    mainCpuMs: main0 === undefined || main1 === undefined ? undefined : main1 - main0,
    startRssMb,
    peakRssMb,
    objects,
    bytes: docs.reduce((a, d) => a + Buffer.byteLength(d), 0),
    sha,
  };
}

// ---------------------------------------------------------------- parent: the table
function spawnCase(c: Case): Result {
  const out = execFileSync(process.execPath, [
    '--max-old-space-size=4096', '-r', 'ts-node/register/transpile-only', __filename, '--case', JSON.stringify(c),
  ], { cwd: root, encoding: 'utf-8', maxBuffer: 64 * 2 ** 20, env: { ...process.env, TS_NODE_PROJECT: path.join(root, 'test', 'tsconfig.json') } });
  return JSON.parse(out.trim().split('\n').pop()!);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function mainCpu(libRuns: Result[], floorRuns: Result[]): string {
  const lib = libRuns.map(x => x.mainCpuMs);
  const floor = floorRuns.map(x => x.mainCpuMs);
  if ([...lib, ...floor].some(x => x === undefined)) return '-';
  return `${median(lib as number[]).toFixed(0)}/${median(floor as number[]).toFixed(0)}`;
}

function list(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback).split(',').map(s => s.trim()).filter(Boolean);
}

function main(): void {
  if (!fs.existsSync(path.join(root, 'lib', 'index.js'))) {
    throw new Error('lib/index.js is missing: run `npx projen compile` first (`npm run bench` does)');
  }
  const sizes = list('BENCH_SIZES', '1,100,1000,2000').map(Number);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const apps = list('BENCH_APPS', 'App,FleetApp') as AppKind[];
  const layouts = list('BENCH_LAYOUTS', 'fleet,single') as Layout[];
  const fixes = list('BENCH_UPSTREAM', '');
  checkUpstreamFixes(fixes);
  const variants = fixes.length === 0 ? [[]] : [[], fixes];
  const labels = new Set<string>();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pd-bench-input-'));
  const [load1] = os.loadavg();
  console.log(`# ${new Date().toISOString()}  node ${process.version}  ${os.cpus().length}x ${os.cpus()[0]?.model}  ` +
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB  load ${os.loadavg().map(l => l.toFixed(2)).join(' ')}  runs=${runs} (medians)`);
  const header = ['layout', 'app', 'N', 'objects', 'MB out', 'lib ms', 'floor ms', 'ratio', 'cpu ratio', 'main cpu ms lib/floor', 'construct us/svc', 'synth ms', 'peak RSS MB lib/floor', 'same bytes'];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  const totals = new Map<string, number>();
  for (const layout of layouts) {
    for (const app of apps) {
      for (const n of sizes) {
        const input = path.join(tmp, `${layout}-${app}-${n}.json`);
        let stockSha: string | undefined;
        for (const upstream of variants) {
          const libRuns: Result[] = [];
          const floorRuns: Result[] = [];
          for (let r = 0; r < runs; r++) {
            libRuns.push(spawnCase({ n, layout, app, subject: 'lib', input, upstream }));
            floorRuns.push(spawnCase({ n, layout, app, subject: 'floor', input, upstream }));
          }
          const libMs = median(libRuns.map(x => x.totalMs));
          const floorMs = median(floorRuns.map(x => x.totalMs));
          const label = upstream.length === 0 ? app : `${app} + ${upstream.join(' + ')} fix`;
          totals.set(`${layout}/${label}/${n}`, libMs);
          labels.add(label);
          // Every variant writes the stock library's bytes, and its floor the same.
          stockSha ??= floorRuns[0].sha;
          const l = libRuns[0];
          console.log(`| ${[
            layout, label, n, l.objects, (l.bytes / 1e6).toFixed(2), libMs.toFixed(0), floorMs.toFixed(0), (libMs / floorMs).toFixed(2),
            (median(libRuns.map(x => x.cpuMs)) / median(floorRuns.map(x => x.cpuMs))).toFixed(2),
            mainCpu(libRuns, floorRuns),
            (median(libRuns.map(x => x.constructMs)) * 1000 / n).toFixed(0), median(libRuns.map(x => x.synthMs)).toFixed(0),
            `${median(libRuns.map(x => x.peakRssMb)).toFixed(0)}/${median(floorRuns.map(x => x.peakRssMb)).toFixed(0)}`,
            [...libRuns, ...floorRuns].every(x => x.sha === stockSha) ? 'yes' : 'NO',
          ].join(' | ')} |`);
        }
      }
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const growth: string[] = [];
  for (const layout of layouts) {
    for (const app of labels) {
      const a = totals.get(`${layout}/${app}/1000`);
      const b = totals.get(`${layout}/${app}/2000`);
      if (a && b) growth.push(`${layout}/${app} ${(b / a).toFixed(2)}x`);
    }
  }
  if (growth.length) console.log(`\ngrowth 1,000 -> 2,000 services (lib time): ${growth.join(', ')}`);
  console.log(`load average at the end: ${os.loadavg().map(x => x.toFixed(2)).join(' ')} (at the start: ${load1.toFixed(2)})`);
}

const i = process.argv.indexOf('--case');
if (i >= 0) {
  console.log(JSON.stringify(runCase(JSON.parse(process.argv[i + 1]))));
} else {
  main();
}
