import * as fs from 'fs';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import { Yaml } from 'cdk8s';

/** The most writer threads a FleetApp starts (more than a machine's cores only adds contention). */
export const MAX_YAML_WRITER_THREADS = 64;

/**
 * Writes YAML files (and renders YAML strings) for `FleetApp`, on worker threads when asked to.
 *
 * Why: YAML serialization is most of a big app's synthesis (cdk8s's `Yaml.stringify` builds a `yaml` document
 * tree per object; 44-56 % of a 1,000-service fleet's time, docs/performance.md) and every chart's file is
 * independent, so it can run beside the main thread, which keeps rendering charts. The bytes are cdk8s's own:
 * every worker loads the very `cdk8s` module this file imports (by its resolved path) and calls its `Yaml.save` /
 * `Yaml.stringify` on a structured clone of the documents. Only plain JSON data is cloned (a clone would lose a
 * class instance's prototype, its `toJSON`, a `Date`'s YAML tag); anything else is rendered here, on the main thread,
 * and only its text is handed over. Jobs for one file always go to the same slot, whose worker runs them in order,
 * so a file written twice ends as `App` leaves it (the last write wins). Workers start without the app's node options
 * and, where they cannot load cdk8s that way, again with them, or the slot's jobs run here (see `started`).
 *
 * `synth()` stays synchronous, as cdk8s's CLI and users' tests expect: `finish()` blocks on a shared counter
 * (`Atomics.wait`) until every job is done, and reads the workers' replies with `receiveMessageOnPort`.
 */
export class YamlWriter {
  /**
   * One executor per slot (a file's jobs always go to the same slot): its worker, or `undefined` once no worker could
   * load cdk8s there, when the slot's jobs run on this thread. Empty: no threads, everything runs here.
   */
  private readonly workers: (WorkerHandle | undefined)[];
  private readonly texts = new Map<number, string>();
  private readonly errors: { readonly seq: number; readonly message: string }[] = [];
  private sent = 0;
  /** Files of many documents, rendered in runs by the workers and written by `finish()`. */
  private readonly joined: { readonly file: string; readonly keys: number[] }[] = [];
  /** Each file name's last save: a run-rendered file (above), or `undefined` when a worker writes it. */
  private readonly lastSave = new Map<string, { readonly file: string; readonly keys: number[] } | undefined>();

  /** @param threads worker threads to start; 0 writes everything on the calling thread. */
  public constructor(threads: number) {
    this.workers = [];
    try {
      for (let slot = 0; slot < threads; slot++) this.workers.push(startWorker(false));
    } catch {
      // No worker threads here (a host that forbids them): write on this thread, as App does.
      for (const w of this.workers.splice(0)) w?.stop();
    }
  }

  /**
   * `Yaml.save(file, docs)`, now or on a worker. A file of many documents (a whole fleet in one chart) is cut into
   * runs of documents that all workers render, and written by `finish()`; `Yaml.stringify` joins documents with
   * `---\n`, so joining the runs' texts the same way gives the same bytes.
   */
  public save(file: string, docs: any[]): void {
    if (this.workers.length === 0) {
      Yaml.save(file, docs);
      return;
    }
    if (docs.length > CHUNK_DOCS) {
      const entry = { file, keys: this.chunked(docs) };
      this.joined.push(entry);
      this.lastSave.set(file, entry);
      return;
    }
    this.post(hash(file) % this.workers.length, { file, ...payload(docs) });
    this.lastSave.set(file, undefined);
  }

  /**
   * `Yaml.stringify(...docs)`, now or on workers: `finish()` returns its text as one or more texts under
   * consecutive keys, after those of every earlier call, to be joined with `---\n`.
   */
  public stringify(docs: any[]): void {
    if (this.workers.length === 0) {
      this.texts.set(this.sent++, Yaml.stringify(...docs));
      return;
    }
    this.chunked(docs);
  }

  /** Posts `docs` in runs of at most CHUNK_DOCS to the workers in turn; returns the runs' keys. */
  private chunked(docs: any[]): number[] {
    const keys: number[] = [];
    for (let i = 0; i < docs.length; i += CHUNK_DOCS) {
      keys.push(this.sent);
      this.post(this.sent % this.workers.length, payload(docs.slice(i, i + CHUNK_DOCS)));
    }
    return keys;
  }

  /**
   * Waits for every job, stops the workers and returns the texts of `stringify` jobs by key. Throws the first
   * failed job's error (in the order the jobs were given), as `Yaml.save` would have thrown it.
   */
  public finish(): Map<number, string> {
    try {
      // Every slot's worker has loaded cdk8s, or its jobs have gone to a worker started again or to this thread.
      const deadline = Date.now() + START_WAIT_MS;
      for (let slot = 0; slot < this.workers.length; slot++) this.started(slot, deadline);
      for (const w of this.workers) {
        if (w === undefined) continue;
        let progress = Date.now();
        for (let done = -1; ;) {
          drain(w, this.texts, this.errors);
          const now = Atomics.load(w.state, DONE);
          if (now >= w.sent) break;
          if (now !== done) {
            done = now;
            progress = Date.now();
          } else if (Date.now() - progress > STALL_MS) {
            // A worker that died (out of memory) can no longer count: fail instead of waiting forever.
            throw new Error(`FleetApp: a YAML writer thread finished no file for ${STALL_MS / 60000} minutes ` +
              `(${w.sent - now} of its ${w.sent} jobs left); set yamlWriterThreads: 0 to write on the main thread`);
          }
          Atomics.wait(w.state, DONE, now, 1000);
        }
        drain(w, this.texts, this.errors);
      }
    } finally {
      this.abort();
    }
    if (this.errors.length > 0) {
      const first = this.errors.reduce((a, b) => (b.seq < a.seq ? b : a));
      throw new Error(first.message);
    }
    for (const entry of this.joined) {
      const text = entry.keys.map(k => this.texts.get(k)!).join('---\n');
      entry.keys.forEach(k => this.texts.delete(k));
      // Only the last save of a file name counts, as when App writes the files one after another.
      if (this.lastSave.get(entry.file) === entry) fs.writeFileSync(entry.file, text, { encoding: 'utf8' });
    }
    return this.texts;
  }

  /** Stops the workers without waiting (a chart failed to render; its error is what the caller throws). */
  public abort(): void {
    for (const w of this.workers) w?.stop();
  }

  private post(slot: number, job: Omit<Job, 'seq'>): void {
    const full: Job = { ...job, seq: this.sent++ };
    const w = this.started(slot);
    if (w === undefined) {
      this.runHere(full);
      return;
    }
    w.worker.postMessage(full);
    w.sent++;
    w.pending?.push(full);
  }

  /**
   * The slot's executor after a look at its worker's start (waiting for it until `deadline`, if given). A worker that
   * could not load cdk8s (or did not say so by the deadline) is stopped and its jobs go, in order, to a worker started
   * with the app's node options, as Node starts workers by default: a Yarn PnP app resolves modules only through its
   * `--require .pnp.cjs` preload. If that one cannot either, they run on this thread.
   */
  private started(slot: number, deadline?: number): WorkerHandle | undefined {
    for (;;) {
      const w = this.workers[slot];
      if (w === undefined || w.pending === undefined) return w;
      if (deadline !== undefined) Atomics.wait(w.state, START, STARTING, Math.max(0, deadline - Date.now()));
      const state = Atomics.load(w.state, START);
      if (state === STARTING && deadline === undefined) return w;
      if (state === LOADED) {
        w.pending = undefined;
        return w;
      }
      w.stop();
      const next = w.inherited ? undefined : startWorkerOrNone();
      this.workers[slot] = next;
      for (const job of w.pending) {
        if (next === undefined) {
          this.runHere(job);
        } else {
          next.worker.postMessage(job);
          next.sent++;
          next.pending!.push(job);
        }
      }
    }
  }

  /** A job on this thread: what a worker does with it. */
  private runHere(job: Job): void {
    try {
      const text = job.text !== undefined ? job.text : Yaml.stringify(...job.docs!);
      if (job.file === undefined) this.texts.set(job.seq, text);
      else fs.writeFileSync(job.file, text, { encoding: 'utf8' });
    } catch (e) {
      this.errors.push({ seq: job.seq, message: e instanceof Error ? e.message : String(e) });
    }
  }
}

/** The most documents one job renders (a big chart's file is rendered by all workers, in runs of this many). */
const CHUNK_DOCS = 64;

/** How long a worker may finish no job before `finish()` gives up on it. */
const STALL_MS = 10 * 60 * 1000;

interface Job {
  readonly seq: number;
  /** Write to this file (`Yaml.save`); without it, reply with the text (`Yaml.stringify`). */
  readonly file?: string;
  readonly docs?: any[];
  /** Already rendered on the main thread (documents that are not plain JSON data). */
  readonly text?: string;
}

interface WorkerHandle {
  readonly worker: Worker;
  readonly port: MessagePort;
  /** Shared with the worker: `[DONE]` jobs it has finished, `[START]` STARTING, LOADED or FAILED (loading cdk8s). */
  readonly state: Int32Array;
  /** Started with the app's node options (the second try). */
  readonly inherited: boolean;
  /** Jobs posted to it. */
  sent: number;
  /** Until it says it loaded cdk8s: the jobs posted to it, to be posted again elsewhere if it could not. */
  pending?: Job[];
  stop(): void;
}

/** Slots of `WorkerHandle.state`. */
const DONE = 0;
const START = 1;
/** Values of `state[START]`. */
const STARTING = 0;
const LOADED = 1;

// The worker's whole program: runs each job with cdk8s's own Yaml, counts it done, wakes the main thread.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const fs = require('fs');
const state = new Int32Array(workerData.state);
const port = workerData.port;
let Yaml;
try { Yaml = require(workerData.cdk8s).Yaml; } catch (e) { Yaml = undefined; }
// LOADED (1) or FAILED (2); a worker that failed takes no job (the writer posts them again elsewhere).
Atomics.store(state, 1, Yaml ? 1 : 2);
Atomics.notify(state, 1);
if (Yaml) parentPort.on('message', (job) => {
  try {
    const text = job.text !== undefined ? job.text : Yaml.stringify(...job.docs);
    if (job.file === undefined) port.postMessage({ seq: job.seq, text });
    else fs.writeFileSync(job.file, text, { encoding: 'utf8' });
  } catch (e) {
    port.postMessage({ seq: job.seq, error: String(e && e.message !== undefined ? e.message : e) });
  }
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
});
`;

/**
 * Starts a worker. Not `inherited`: with none of the app's node options. By default a worker takes the parent's
 * execArgv and parses NODE_OPTIONS from its env, so a preload the app was started with (`node -r ts-node/register
 * main.ts`, an APM agent in NODE_OPTIONS) would be loaded again in every worker (0.3-0.5 s of CPU each for ts-node)
 * to run cdk8s's compiled JavaScript. An empty execArgv resets a worker's per-isolate options to their defaults; V8
 * flags such as --max-old-space-size are process-wide and still apply (nodejs/node#25467; worker_threads docs,
 * `execArgv`).
 */
function startWorker(inherited: boolean): WorkerHandle {
  const { port1, port2 } = new MessageChannel();
  const shared = new SharedArrayBuffer(8);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    ...(inherited ? {} : { execArgv: [], env: withoutNodeOptions(process.env) }),
    // The same module file this process loaded for `Yaml`, so both threads write the same bytes.
    workerData: { cdk8s: require.resolve('cdk8s'), state: shared, port: port2 },
    transferList: [port2],
  });
  // A worker never keeps the process alive (finish() waits for it explicitly), and one that fails to start (a
  // preload that throws) is found by its silence; its 'error' event, which arrives after synth, must not crash.
  worker.unref();
  worker.on('error', () => undefined);
  return {
    worker,
    port: port1,
    state: new Int32Array(shared),
    inherited,
    sent: 0,
    pending: [],
    stop: () => {
      port1.close();
      void worker.terminate();
    },
  };
}

/** A worker with the app's node options, or none where one cannot be started now (its jobs then run here). */
function startWorkerOrNone(): WorkerHandle | undefined {
  try {
    return startWorker(true);
  } catch {
    return undefined;
  }
}

/** How long `finish()` waits for the workers to say whether they loaded cdk8s (they do in tens of milliseconds). */
const START_WAIT_MS = 60 * 1000;

/** The environment without NODE_OPTIONS (see startWorker); everything else as the worker would get it by default. */
function withoutNodeOptions(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.NODE_OPTIONS;
  return copy;
}

function drain(w: WorkerHandle, texts: Map<number, string>, errors: { seq: number; message: string }[]): void {
  for (let m = receiveMessageOnPort(w.port); m; m = receiveMessageOnPort(w.port)) {
    const reply = m.message as { seq: number; text?: string; error?: string };
    if (reply.error !== undefined) errors.push({ seq: reply.seq, message: reply.error });
    else texts.set(reply.seq, reply.text!);
  }
}

/** The documents themselves when a structured clone keeps them exactly, their YAML text otherwise. */
function payload(docs: any[]): { docs?: any[]; text?: string } {
  return docs.every(isPlainJson) ? { docs } : { text: Yaml.stringify(...docs) };
}

/**
 * Data that a structured clone copies without changing what `yaml` makes of it: primitives, dense arrays, and
 * objects whose prototype is `Object.prototype` or `null` (what cdk8s's `resolve` and `sanitizeValue` produce).
 */
function isPlainJson(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return typeof v !== 'function' && typeof v !== 'symbol';
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!(i in v) || !isPlainJson(v[i])) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in v) if (!isPlainJson((v as any)[k])) return false;
  return true;
}

/** A stable small hash of a file name (so one file's jobs share a worker). */
function hash(s: string): number {
  let h = 0;
  // Stays below 2^37 before the modulo, so plain doubles compute it exactly.
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 4294967291;
  return h;
}
