/**
 * Renders every pod template of every example and of the scenarios below (RDMA fabrics, P2pNccl, static
 * discovery), and prints them as JSON for main.go, each with the named exceptions it declares: "rdma" when a
 * container adds IPC_LOCK and requests an RDMA device (an Interconnect; that container runs as root, which the
 * exception covers for it alone), "p2pnccl-host-ipc" when the pod shares
 * the host IPC namespace for P2pNcclConnector. Run from the repo root:
 * `npx ts-node --transpile-only conformance/pss/render-pods.ts`.
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
  readonly allow: string[];
  /** The containers the "rdma" exception covers (they add IPC_LOCK with an RDMA device, and so run as root). */
  readonly rdmaContainers: string[];
  readonly template: { metadata: unknown; spec: any };
}

/** Every pod template (an object with `spec.containers`) under a synthesized object. */
function templates(node: any, out: Array<{ metadata: unknown; spec: any }> = []): Array<{ metadata: unknown; spec: any }> {
  if (!node || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    node.forEach(n => templates(n, out));
    return out;
  }
  if (node.spec && Array.isArray(node.spec.containers)) {
    out.push({ metadata: node.metadata ?? {}, spec: node.spec });
    return out;
  }
  for (const v of Object.values(node)) templates(v, out);
  return out;
}

function rdmaContainers(spec: any): string[] {
  const containers: any[] = [...(spec.initContainers ?? []), ...spec.containers];
  return containers.filter(c => (c.securityContext?.capabilities?.add ?? []).includes('IPC_LOCK')
    && Object.keys(c.resources?.limits ?? {}).some(r => /rdma|roce|efa|infiniband/i.test(r))).map(c => c.name);
}

function allowed(spec: any): string[] {
  const containers: any[] = [...(spec.initContainers ?? []), ...spec.containers];
  const allow: string[] = [];
  if (rdmaContainers(spec).length > 0) allow.push('rdma');
  if (spec.hostIPC && containers.some(c => (c.args ?? []).some((a: string) => a.includes('"kv_connector":"P2pNcclConnector"')))) {
    allow.push('p2pnccl-host-ipc');
  }
  return allow;
}

function pods(name: string, chart: Chart): Rendered[] {
  const out: Rendered[] = [];
  for (const o of Testing.synth(chart) as any[]) {
    // Deployment templates have no metadata.name; name each by its object.
    templates(o).forEach((t, i) => out.push({
      name: `${name}: ${o.kind}/${o.metadata.name}${i > 0 ? `#${i}` : ''}`, allow: allowed(t.spec), rdmaContainers: rdmaContainers(t.spec), template: t,
    }));
  }
  return out;
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
    for (const exported of Object.values(mod) as any[]) {
      if (typeof exported !== 'function') continue;
      const chart = new exported(Testing.app(), dir);
      if (Chart.isChart(chart)) rendered.push(...pods(`example ${dir}`, chart));
    }
  } catch (e) {
    errors.push(`example ${dir}: ${(e as Error).message}`);
  }
}

const model = lib.Model.LLAMA_3_1_8B_INSTRUCT;
const scenarios: Array<[string, () => Chart]> = [
  ['InfiniBand with Multus', () => service({
    interconnect: lib.Interconnect.infiniband({ networkAttachments: ['ib-net'], netDevices: ['mlx5_0:1'] }),
  })],
  ['RoCE', () => service({ interconnect: lib.Interconnect.roce() })],
  ['EFA, NIXL over LIBFABRIC', () => service({
    kvConnector: lib.KvConnector.nixl({ backends: [lib.NixlBackend.LIBFABRIC] }),
    interconnect: lib.Interconnect.efa({ count: 32 }),
  })],
  ['static discovery', () => service({ router: { discovery: lib.RouterDiscovery.STATIC } })],
  ['P2pNccl on vLLM 0.22.0', () => service({ image: lib.VllmImage.official('v0.22.0'), kvConnector: lib.KvConnector.p2pNccl() })],
];
function service(props: any): Chart {
  const chart = new Chart(Testing.app(), 'scenario', { namespace: 'llm' });
  new lib.PdService(chart, 'Svc', { model, ...props });
  return chart;
}
for (const [name, make] of scenarios) {
  try {
    rendered.push(...pods(`scenario ${name}`, make()));
  } catch (e) {
    errors.push(`scenario ${name}: ${(e as Error).message}`);
  }
}

process.stdout.write(JSON.stringify({ pods: rendered, errors }, null, 2) + '\n');
