/**
 * Renders the vllm-router container of every example and of the router scenarios below, and prints them as JSON
 * for conformance/router/check.py. Run from the repo root: `npx ts-node --transpile-only conformance/router/render-router-args.ts`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';

// Examples import the package by its published name; resolve it to the sources (as jest's moduleNameMapper does).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require('module');
const SRC = path.resolve(__dirname, '../../src/index.ts');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request: string, ...rest: unknown[]) {
  return resolve.call(this, request === 'cdk8s-vllm-pd' ? SRC : request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require(SRC);

interface Rendered {
  readonly name: string;
  readonly image: string;
  readonly command: string[];
  readonly args: string[];
  /** The connector's request flow, from the rendered --kv-connector (undefined: ZMQ registration). */
  readonly transport: string;
}

function routers(name: string, chart: Chart): Rendered[] {
  const out: Rendered[] = [];
  for (const o of Testing.synth(chart) as any[]) {
    if (o.kind !== 'Deployment') continue;
    for (const c of o.spec.template.spec.containers) {
      if (c.name !== 'router') continue;
      out.push({ name, image: c.image, command: c.command ?? [], args: c.args ?? [], transport: transportOf(o, c) });
    }
  }
  return out;
}

function transportOf(_deployment: any, c: any): string {
  const i = (c.args as string[]).indexOf('--kv-connector');
  return i >= 0 ? c.args[i + 1] : 'zmq-registration';
}

const rendered: Rendered[] = [];
const errors: string[] = [];
const examplesDir = path.resolve(__dirname, '../../examples');
for (const dir of fs.readdirSync(examplesDir).sort()) {
  const main = path.join(examplesDir, dir, 'main.ts');
  if (!fs.existsSync(main)) continue;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(main);
    // Each example exports its Chart class (Chart's instanceof checks instances, not classes).
    for (const exported of Object.values(mod) as any[]) {
      if (typeof exported !== 'function') continue;
      const chart = new exported(Testing.app(), dir);
      if (Chart.isChart(chart)) rendered.push(...routers(`example ${dir}`, chart));
    }
  } catch (e) {
    errors.push(`example ${dir}: ${(e as Error).message}`);
  }
}

// Scenarios the examples do not cover: static discovery per connector flow, and data parallelism.
const model = lib.Model.LLAMA_3_1_8B_INSTRUCT;
const scenarios: Array<[string, () => Chart]> = [
  ['NIXL, static discovery', () => service({ kvConnector: lib.KvConnector.nixl(), router: { discovery: lib.RouterDiscovery.STATIC } })],
  ['NIXL, static discovery, DP 2', () => service({
    kvConnector: lib.KvConnector.nixl(),
    prefill: { dataParallelSize: 2 },
    decode: { dataParallelSize: 2 },
    router: { discovery: lib.RouterDiscovery.STATIC },
  })],
  ['NIXL, Kubernetes discovery, policies', () => service({
    kvConnector: lib.KvConnector.nixl(),
    router: { strategy: lib.RouterStrategy.vllmRouter({ prefillPolicy: lib.RoutingPolicy.ROUND_ROBIN, decodePolicy: lib.RoutingPolicy.RANDOM }) },
  })],
  ['ExampleConnector, static discovery', () => service({
    kvConnector: lib.KvConnector.example({ claimName: 'kv-shared' }),
    router: { discovery: lib.RouterDiscovery.STATIC },
  })],
];
function service(props: any): Chart {
  const chart = new Chart(Testing.app(), 'scenario', { namespace: 'llm' });
  new lib.PdService(chart, 'Svc', { model, ...props });
  return chart;
}
for (const [name, make] of scenarios) {
  try {
    rendered.push(...routers(`scenario ${name}`, make()));
  } catch (e) {
    errors.push(`scenario ${name}: ${(e as Error).message}`);
  }
}

process.stdout.write(JSON.stringify({ rendered, errors }, null, 2) + '\n');
