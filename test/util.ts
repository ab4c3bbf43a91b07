/**
 * The ONE helper every synthesizing test uses: synthesizes a chart and validates every object against
 * the Kubernetes OpenAPI schemas shipped by kubernetes-models (no cluster needed). kubernetes-models 4.5.1
 * carries schemas newer than 1.28 (it has 1.29's SleepAction; 4.4.x predates 1.28's sidecar fields), so no
 * release matches 1.28 exactly; objects are authored through cdk8s-plus-28's 1.28 L1 types, so tsc keeps them
 * to 1.28 fields while this checks types, enums and required fields.
 */
import { appendFileSync, mkdirSync } from 'fs';
import { join } from 'path';
import { App, Chart, ChartProps, Testing } from 'cdk8s';

/** A synthesized Kubernetes object. */
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any }; [k: string]: any };

/** Loads the kubernetes-models class for an apiVersion/kind, e.g. apps/v1 Deployment. */
function modelFor(apiVersion: string, kind: string): (new (data: any) => { validate(): void }) {
  const path = `kubernetes-models/${apiVersion}/${kind}`;
  let mod: any;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(path);
  } catch {
    throw new Error(`no schema for ${apiVersion} ${kind} (${path}); add its model to test/util.ts`);
  }
  return mod[kind];
}

/** Validates each object; throws with the object's kind/name and the schema error. */
export function validateManifests(objects: Manifest[]): void {
  for (const obj of objects) {
    const Model = modelFor(obj.apiVersion, obj.kind);
    try {
      new Model(obj).validate();
    } catch (e) {
      throw new Error(`${obj.kind} ${obj.metadata?.name} fails the Kubernetes schema: ${(e as Error).message}`);
    }
    if (!obj.metadata?.name) {
      throw new Error(`${obj.kind} has no metadata.name`);
    }
  }
  record(objects);
}

/**
 * With CDK8S_VLLM_PD_RECORD_DIR set, appends every rendered `vllm serve` container and every LMCache config
 * file to `<dir>/jest-<worker>-<pid>.jsonl` (one file per jest worker, so workers never interleave), for
 * conformance/run to feed to vLLM's own parser and LMCache's own config loader.
 */
function record(objects: Manifest[]): void {
  const dir = process.env.CDK8S_VLLM_PD_RECORD_DIR;
  if (!dir) return;
  const state = (globalThis as any).expect?.getState?.() ?? {};
  const test = { file: state.testPath ? String(state.testPath).replace(`${process.cwd()}/`, '') : undefined, name: state.currentTestName };
  const lines: string[] = [];
  for (const obj of objects) {
    const object = `${obj.kind}/${obj.metadata.name}`;
    if (obj.kind === 'ConfigMap') {
      for (const [key, content] of Object.entries(obj.data ?? {})) {
        if (/lmcache.*\.ya?ml$/.test(key)) {
          lines.push(JSON.stringify({ type: 'lmcache-config', ...test, object, key, content, labels: obj.metadata.labels ?? {} }));
        }
      }
      continue;
    }
    walkContainers(obj, obj.metadata.labels ?? {}, (c, labels) => {
      const command: string[] = c.command ?? [];
      const base = {
        ...test,
        object,
        container: c.name,
        image: c.image,
        version: labels['app.kubernetes.io/version'],
        role: labels['llm-d.ai/role'] ?? labels['app.kubernetes.io/component'],
        env: (c.env ?? []).map((e: any) => e.name),
      };
      if (command.length === 2 && command[0] === 'vllm' && command[1] === 'serve') {
        lines.push(JSON.stringify({ type: 'vllm-serve', ...base, args: c.args ?? [] }));
      } else if ([...command, ...(c.args ?? [])].join(' ').includes('vllm serve')) {
        // A `vllm serve` inside a shell script cannot be split into argv reliably: counted, not checked.
        lines.push(JSON.stringify({ type: 'vllm-serve-shell', ...base, command, args: c.args ?? [] }));
      }
    });
  }
  if (lines.length === 0) return;
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, `jest-${process.env.JEST_WORKER_ID ?? '0'}-${process.pid}.jsonl`), lines.map(l => `${l}\n`).join(''));
}

/** Calls `visit` for every container under `node` (any pod template nesting), with the nearest labels. */
function walkContainers(node: any, labels: Record<string, string>, visit: (c: any, labels: Record<string, string>) => void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach(n => walkContainers(n, labels, visit));
    return;
  }
  const here = node.metadata?.labels ? { ...labels, ...node.metadata.labels } : labels;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
      value.forEach(c => visit(c, here));
    } else {
      walkContainers(value, here, visit);
    }
  }
}

/** Synthesizes a chart, validates every object against the schemas and returns them. */
export function synth(subject: Chart): Manifest[] {
  const objects = Testing.synth(subject) as Manifest[];
  validateManifests(objects);
  return objects;
}

/** A fresh chart in the `llm` namespace (router RBAC needs one). */
export function chart(props: ChartProps = { namespace: 'llm' }): Chart {
  return new Chart(Testing.app(), 'test', props);
}

/** A fresh app, for tests that need several charts. */
export function app(): App {
  return Testing.app();
}

/** The one object of `kind` whose component label is `component`. */
export function find(objects: Manifest[], kind: string, component?: string): Manifest {
  const hits = objects.filter(o => o.kind === kind
    && (component === undefined || o.metadata.labels?.['app.kubernetes.io/component'] === component));
  if (hits.length !== 1) {
    throw new Error(`expected one ${kind}${component ? ` (${component})` : ''}, found ${hits.length}`);
  }
  return hits[0];
}

/** The first container of a Deployment. */
export function container(deployment: Manifest): any {
  return deployment.spec.template.spec.containers[0];
}

/** The value of `--flag=value` in a container's args. */
export function argValue(deployment: Manifest, flag: string): string | undefined {
  const arg = (container(deployment).args as string[]).find(a => a.startsWith(`${flag}=`));
  return arg?.slice(flag.length + 1);
}

/** The parsed `--kv-transfer-config` JSON of a vLLM Deployment. */
export function kvTransferConfig(deployment: Manifest): any {
  const json = argValue(deployment, '--kv-transfer-config');
  if (json === undefined) throw new Error('no --kv-transfer-config arg');
  return JSON.parse(json);
}

/** An env var of a Deployment's first container. */
export function env(deployment: Manifest, name: string): any {
  return (container(deployment).env as any[]).find(e => e.name === name);
}

/** The message `f` throws, or '' when it does not throw (for tests that assert several fragments). */
export function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

/**
 * The same model name with only the architecture facts parallelism and connector rules read (heads, KV heads,
 * layers, attention kind), so the capacity plan is skipped: for tests of other rules whose topology would not
 * fit the accelerator (e.g. Llama-3.1-70B at TP 1 on an H100).
 */
export function unsized(model: import('../src').Model): import('../src').Model {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Model: M } = require('../src') as typeof import('../src');
  const a = model.architecture!;
  return M.of(model.name, {
    architecture: {
      numAttentionHeads: a.numAttentionHeads, numKeyValueHeads: a.numKeyValueHeads, numHiddenLayers: a.numHiddenLayers, attention: a.attention,
    },
  });
}
