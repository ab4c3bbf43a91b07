/**
 * The ONE helper every synthesizing test uses: synthesizes a chart and validates every object against
 * the Kubernetes OpenAPI schemas shipped by kubernetes-models (no cluster needed). kubernetes-models 4.5.1
 * carries schemas newer than 1.28 (it has 1.29's SleepAction; 4.4.x predates 1.28's sidecar fields), so no
 * release matches 1.28 exactly; objects are authored through cdk8s-plus-28's 1.28 L1 types, so tsc keeps them
 * to 1.28 fields while this checks types, enums and required fields.
 */
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
