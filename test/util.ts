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
import { hasCrd, validateCustomResource } from './crd-schema';

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
    // Custom resources: their CRD's openAPIV3Schema (unknown fields refused) and CEL rules (test/crd-schema.ts, the
    // one CRD validator); pod templates inside them are also Kubernetes PodTemplateSpecs and meet the restricted
    // profile like any other.
    if (hasCrd(obj.apiVersion, obj.kind)) {
      validateCustomResource(obj);
      validateEmbeddedPodTemplates(obj);
      if (!obj.metadata?.name) throw new Error(`${obj.kind} has no metadata.name`);
      checkRestrictedPodSecurity(obj);
      continue;
    }
    const Model = modelFor(obj.apiVersion, obj.kind);
    try {
      new Model(obj).validate();
    } catch (e) {
      throw new Error(`${obj.kind} ${obj.metadata?.name} fails the Kubernetes schema: ${(e as Error).message}`);
    }
    if (!obj.metadata?.name) {
      throw new Error(`${obj.kind} has no metadata.name`);
    }
    checkRestrictedPodSecurity(obj);
  }
  record(objects);
}

/**
 * Pod templates a custom resource embeds, validated against the Kubernetes PodTemplateSpec schema as well as the
 * CRD's copy of it (a CRD may lag the Kubernetes types): LeaderWorkerSet's leader and worker templates.
 */
function validateEmbeddedPodTemplates(obj: Manifest): void {
  if (obj.kind !== 'LeaderWorkerSet') return;
  const templates = obj.spec?.leaderWorkerTemplate ?? {};
  const PodTemplate = modelFor('v1', 'PodTemplate');
  for (const key of ['leaderTemplate', 'workerTemplate']) {
    if (!templates[key]) continue;
    try {
      new PodTemplate({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'x' }, template: templates[key] }).validate();
    } catch (e) {
      throw new Error(`LeaderWorkerSet ${obj.metadata?.name} ${key} fails the Kubernetes PodTemplateSpec schema: ${(e as Error).message}`);
    }
  }
}

/**
 * The pods of one LeaderWorkerSet group as LWS creates them: the leader (index 0) from leaderTemplate, the workers
 * (1 .. size-1) from workerTemplate, each container with the env LWS injects (kubernetes-sigs/lws
 * pkg/utils/pod/pod_utils.go AddLWSVariables @ v0.10.0) and its args expanded as Kubernetes expands `$(VAR)`.
 */
export function lwsGroupPods(obj: Manifest, namespace = 'default'): Array<{ index: number; template: any }> {
  const t = obj.spec.leaderWorkerTemplate;
  const size: number = t.size ?? 1;
  const name = obj.metadata.name;
  const injected: Record<string, string> = { LWS_LEADER_ADDRESS: `${name}-0.${name}.${obj.metadata.namespace ?? namespace}`, LWS_GROUP_SIZE: String(size) };
  return Array.from({ length: size }, (_, index) => {
    const template = JSON.parse(JSON.stringify(index === 0 ? (t.leaderTemplate ?? t.workerTemplate) : t.workerTemplate));
    const vars = { ...injected, LWS_WORKER_INDEX: String(index) };
    for (const c of [...(template.spec.containers ?? []), ...(template.spec.initContainers ?? [])]) {
      const own: Record<string, string> = { ...vars };
      for (const e of c.env ?? []) if (typeof e.value === 'string') own[e.name] = e.value;
      c.env = [...Object.keys(vars).map(n => ({ name: n, value: vars[n as keyof typeof vars] })), ...(c.env ?? [])];
      // Kubernetes: $(VAR) expands when VAR is defined, $$ escapes, anything else stays as written.
      const expand = (a: string) => a.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v) => (m === '$$' ? '$' : own[v] ?? m));
      if (c.args) c.args = c.args.map(expand);
      if (c.command) c.command = c.command.map(expand);
    }
    return { index, template };
  });
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
    // A LeaderWorkerSet's templates are recorded once per pod of a group, as LWS and Kubernetes render them:
    // the leader and every worker index, with `$(LWS_WORKER_INDEX)` and `$(LWS_LEADER_ADDRESS)` expanded.
    const pods = obj.kind === 'LeaderWorkerSet' ? lwsGroupPods(obj).map(p => p.template) : [obj];
    pods.forEach(pod => walkContainers(pod, obj.metadata.labels ?? {}, (c, labels) => {
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
    }));
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

// ---- Pod Security Standards "restricted" (https://kubernetes.io/docs/concepts/security/pod-security-standards/,
// the Kubernetes 1.28 "latest" rules), plus the library's own: read-only root filesystems and no service-account
// token unless the pod names a ServiceAccount. conformance/pss/run judges the examples with the upstream
// k8s.io/pod-security-admission library as well.

/** Volume types the restricted profile allows. */
const RESTRICTED_VOLUME_TYPES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
/** Capabilities restricted allows to add. */
const RESTRICTED_ADDABLE = ['NET_BIND_SERVICE'];
/**
 * Named exception: IPC_LOCK on a container that requests an RDMA device (Interconnect.infiniband/roce/efa), which
 * then runs as root (a non-root process cannot hold an added capability). Outside the baseline list too, so such
 * pods need a namespace at Pod Security level privileged.
 */
export const RDMA_EXCEPTION = { capability: 'IPC_LOCK', resource: /rdma|roce|efa|infiniband/i };
/** Named exception: hostIPC for P2pNcclConnector (NCCL P2P/SHM across pods of one node); baseline forbids it. */
export const HOST_IPC_EXCEPTION = { connector: 'P2pNcclConnector' };

/** Throws when a pod template (any nesting: Deployment, LeaderWorkerSet, ...) breaks the restricted profile. */
export function checkRestrictedPodSecurity(obj: Manifest): void {
  forEachPodSpec(obj, (spec, where) => {
    const fail = (rule: string) => {
      throw new Error(`${obj.kind} ${obj.metadata?.name}: ${where} breaks Pod Security "restricted": ${rule}`);
    };
    const containers: any[] = [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])];
    const pod = spec.securityContext ?? {};
    if (spec.hostNetwork || spec.hostPID) fail('hostNetwork/hostPID');
    if (spec.hostIPC) {
      const p2p = containers.some(c => (c.args ?? []).some((a: string) => a.includes(`"kv_connector":"${HOST_IPC_EXCEPTION.connector}"`)));
      if (!p2p) fail(`hostIPC without ${HOST_IPC_EXCEPTION.connector}`);
    }
    for (const v of spec.volumes ?? []) {
      const type = Object.keys(v).find(k => k !== 'name');
      if (!type || !RESTRICTED_VOLUME_TYPES.includes(type)) fail(`volume '${v.name}' of type ${type}`);
    }
    if (pod.runAsUser === 0) fail('pod runAsUser 0');
    if (pod.windowsOptions?.hostProcess) fail('hostProcess');
    const podSeccomp = ['RuntimeDefault', 'Localhost'].includes(pod.seccompProfile?.type);
    if (pod.seccompProfile && !podSeccomp) fail(`pod seccompProfile ${pod.seccompProfile.type}`);
    if (spec.automountServiceAccountToken !== false && !spec.serviceAccountName) {
      fail('a service-account token is mounted although the pod uses no ServiceAccount');
    }
    for (const c of containers) {
      const sc = c.securityContext ?? {};
      const name = `container '${c.name}'`;
      const rdma = Object.keys(c.resources?.limits ?? {}).some(r => RDMA_EXCEPTION.resource.test(r));
      const rdmaRoot = rdma && (sc.capabilities?.add ?? []).includes(RDMA_EXCEPTION.capability);
      if (sc.privileged) fail(`${name} privileged`);
      if (sc.allowPrivilegeEscalation !== false) fail(`${name} allowPrivilegeEscalation is not false`);
      if (rdmaRoot) {
        // The exception, exactly: root by its own context, whatever the pod's default.
        if (sc.runAsUser !== 0 || sc.runAsNonRoot !== false) fail(`${name} adds ${RDMA_EXCEPTION.capability} but does not run as root`);
      } else {
        if (sc.runAsNonRoot !== true && pod.runAsNonRoot !== true) fail(`${name} runAsNonRoot is not true`);
        if (sc.runAsNonRoot === false) fail(`${name} runAsNonRoot is false`);
        if (sc.runAsUser === 0) fail(`${name} runAsUser 0`);
      }
      if (!podSeccomp && !['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile?.type)) fail(`${name} seccompProfile is not RuntimeDefault`);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) fail(`${name} does not drop ALL capabilities`);
      for (const cap of sc.capabilities?.add ?? []) {
        if (RESTRICTED_ADDABLE.includes(cap)) continue;
        if (!(cap === RDMA_EXCEPTION.capability && rdma)) fail(`${name} adds capability ${cap}`);
      }
      if ((c.ports ?? []).some((p: any) => p.hostPort)) fail(`${name} uses a hostPort`);
      if (sc.readOnlyRootFilesystem !== true) fail(`${name} root filesystem is writable`);
    }
  });
}

/** Calls `visit` for every PodSpec (an object with a `containers` array) under `node`. */
function forEachPodSpec(node: any, visit: (spec: any, where: string) => void, where = 'pod'): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach(n => forEachPodSpec(n, visit, where));
    return;
  }
  if (Array.isArray(node.containers)) {
    visit(node, where);
    return;
  }
  for (const [key, value] of Object.entries(node)) forEachPodSpec(value, visit, key === 'template' || /Template$/.test(key) ? key : where);
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
