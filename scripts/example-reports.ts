/**
 * The capacity report (PdReport) of each example app, generated in-process: each examples/<name>/main.ts is loaded
 * with `App.synth()` captured instead of writing files; an example that only exports its chart (its synth guarded by
 * `require.main === module`) gets its exported Chart classes constructed as `new X(app, '<name>')` and its exported
 * functions called with the app, as its own main block does. Used by scripts/synth-examples.ts (which writes
 * examples/<name>/REPORT.md) and by test/pd-report.test.ts (which fails when a committed report is stale).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { FleetApp, PdReport } from 'cdk8s-vllm-pd';

export const EXAMPLES_DIR = path.resolve(__dirname, '..', 'examples');

/** Example apps (directories with a cdk8s.yaml and a main.ts). */
export function exampleNames(): string[] {
  return fs.readdirSync(EXAMPLES_DIR)
    .filter(name => fs.existsSync(path.join(EXAMPLES_DIR, name, 'cdk8s.yaml')) && fs.existsSync(path.join(EXAMPLES_DIR, name, 'main.ts')))
    .sort();
}

/** The report of one example, as markdown. */
export function exampleReport(name: string): string {
  const captured: App[] = [];
  const patched = [App.prototype, FleetApp.prototype] as Array<{ synth: () => void }>;
  const originals = patched.map(p => Object.getOwnPropertyDescriptor(p, 'synth')!);
  for (const p of patched) p.synth = function (this: App) { captured.push(this); };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(EXAMPLES_DIR, name, 'main.ts')) as Record<string, unknown>;
    if (captured.length === 0) {
      const app = new App({ outdir: path.join(EXAMPLES_DIR, name, 'dist') });
      for (const value of Object.values(mod)) {
        if (typeof value !== 'function') continue;
        // A class (a Chart subclass) is constructed; a plain function is called.
        if (/^class\b/.test(Function.prototype.toString.call(value))) new (value as new (s: App, id: string) => Chart)(app, name);
        else (value as (a: App) => unknown)(app);
      }
      captured.push(app);
    }
  } finally {
    patched.forEach((p, i) => Object.defineProperty(p, 'synth', originals[i]));
  }
  return captured.map(app => PdReport.markdown(app)).join('\n');
}
