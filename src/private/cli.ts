/**
 * The package's command: `cdk8s-vllm-pd plan [input.json|-] [--json]`. The input is the planner's input as JSON
 * (`CapacityPlanInput` or `AvailableKvCacheInput`, field names as in API.md), with two conveniences: `model` (a
 * `Model` catalogue constant such as "QWEN3_8B", or its Hugging Face id) for `architecture`, and `accelerator`
 * (an `Accelerator` constant such as "NVIDIA_H100_80GB") for `acceleratorMemory`/`acceleratorName`. Sizes are
 * byte counts or strings such as "79.19GiB" / "80Gi" / "512MiB".
 */
import { readFileSync } from 'fs';
import { parseArgs } from 'util';
import { Size } from 'cdk8s';
import { show } from './errors';
import { GIB } from './sizing';
import { Accelerator } from '../accelerator';
import { CapacityPlan, CapacityPlanner, CapacityRange, KvCacheCapacity } from '../capacity-planner';
import { Model } from '../model';

const USAGE = `usage: cdk8s-vllm-pd plan [input.json | -] [--json]

Plans one vLLM engine's capacity (weights, KV cache, concurrency) before deploy.
Reads the planner's input as JSON from the file, or from stdin without one (or with -):
  { "model": "QWEN3_8B", "accelerator": "NVIDIA_H100_80GB", "tensorParallelSize": 1, "maxModelLen": 32768 }
  { "architecture": { ... }, "acceleratorMemory": "79.19GiB", "gpuMemoryUtilization": 0.9 }
  { "model": "LLAMA_3_1_8B_INSTRUCT", "availableKvCacheMemory": "58.11GiB", "maxModelLen": 8192 }
Field names as in API.md (CapacityPlanInput, AvailableKvCacheInput). Prints a table, or the plan as JSON with --json.`;

/** What the command writes to. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => string;
}

const nodeIo: CliIo = {
  stdout: t => process.stdout.write(t),
  stderr: t => process.stderr.write(t),
  readStdin: () => readFileSync(0, 'utf-8'),
};

/** Runs the command; returns the exit code. */
export function main(argv: string[], io: CliIo = nodeIo): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    io.stderr(`cdk8s-vllm-pd: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [command, file, ...rest] = parsed.positionals;
  if (parsed.values.help || command === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'plan' || rest.length > 0) {
    io.stderr(`cdk8s-vllm-pd: ${command === undefined ? 'a command is required' : `unknown command or extra arguments: ${parsed.positionals.join(' ')}`}\n${USAGE}\n`);
    return 2;
  }
  try {
    const text = file === undefined || file === '-' ? io.readStdin() : readFileSync(file, 'utf-8');
    let input: unknown;
    try {
      input = JSON.parse(text);
    } catch (e) {
      throw new Error(`the input is not JSON: ${(e as Error).message}`);
    }
    const result = plan(input);
    io.stdout(parsed.values.json ? `${JSON.stringify(result, undefined, 2)}\n` : table(result));
    return 0;
  } catch (e) {
    io.stderr(`cdk8s-vllm-pd plan: ${(e as Error).message}\n`);
    return 1;
  }
}

/** Translates the JSON conveniences and runs the planner. */
export function plan(raw: unknown): CapacityPlan | KvCacheCapacity {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error(`the input must be a JSON object, got ${show(raw)}`);
  }
  const input: Record<string, unknown> = { ...raw as Record<string, unknown> };
  if (input.model !== undefined) {
    if (input.architecture !== undefined) throw new Error("give 'model' or 'architecture', not both");
    input.architecture = modelArchitecture(input.model);
    delete input.model;
  }
  if (input.accelerator !== undefined) {
    if (input.acceleratorMemory !== undefined) throw new Error("give 'accelerator' or 'acceleratorMemory', not both");
    const accelerator = catalogue(Accelerator, input.accelerator, 'accelerator', a => a instanceof Accelerator) as Accelerator;
    input.acceleratorMemory = accelerator.reportedMemory;
    input.acceleratorName = input.acceleratorName ?? accelerator.displayName;
    delete input.accelerator;
  }
  for (const key of ['acceleratorMemory', 'availableKvCacheMemory']) {
    if (input[key] !== undefined && !(input[key] instanceof Size)) input[key] = sizeOf(key, input[key]);
  }
  if (input.availableKvCacheMemory !== undefined) {
    if (input.acceleratorMemory !== undefined) throw new Error("give 'availableKvCacheMemory' or 'acceleratorMemory', not both");
    return CapacityPlanner.fromAvailableKvCacheMemory(input as any);
  }
  return CapacityPlanner.plan(input as any);
}

function modelArchitecture(value: unknown) {
  const model = Object.values(Model).find(m => m instanceof Model && m.name === value) as Model | undefined
    ?? catalogue(Model, value, 'model', m => m instanceof Model) as Model;
  if (!model.architecture) throw new Error(`'model' (${show(value)}) has no architecture`);
  return model.architecture;
}

function catalogue(cls: object, value: unknown, prop: string, isEntry: (v: unknown) => boolean): unknown {
  const entries = Object.entries(Object.getOwnPropertyDescriptors(cls))
    .filter(([, d]) => 'value' in d && isEntry(d.value)).map(([k, d]) => [k, d.value] as const);
  const found = entries.find(([k]) => k === value);
  if (!found) throw new Error(`'${prop}' (${show(value)}) must be one of ${entries.map(([k]) => k).join(', ')}`);
  return found[1];
}

const UNITS: Record<string, number> = { '': 1, 'b': 1, 'kib': 1024, 'ki': 1024, 'mib': 1024 ** 2, 'mi': 1024 ** 2, 'gib': GIB, 'gi': GIB, 'tib': 1024 ** 4, 'ti': 1024 ** 4 };

/** A byte count or "79.19GiB" as a Size (whole KiB, which is how Size holds bytes exactly). */
function sizeOf(prop: string, value: unknown): Size {
  let bytes: number | undefined;
  if (typeof value === 'number') bytes = value;
  if (typeof value === 'string') {
    const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
    const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
    if (m && unit !== undefined) bytes = Number(m[1]) * unit;
  }
  if (bytes === undefined || !(bytes > 0) || !Number.isFinite(bytes)) {
    throw new Error(`'${prop}' (${show(value)}) must be a byte count or a size such as "79.19GiB", "80Gi" or "512MiB"`);
  }
  return Size.kibibytes(Math.round(bytes / 1024));
}

const gib = (b: number) => `${(b / GIB).toFixed(2)} GiB`;
const int = (n: number) => Math.floor(n).toLocaleString('en-US');
const times = (n: number) => `${n.toFixed(2)}x`;

/** The plan as a fixed-width table. */
export function table(result: CapacityPlan | KvCacheCapacity): string {
  const rows: Array<[string, string, string, string]> = [];
  const range = (label: string, r: CapacityRange, f: (n: number) => string) => rows.push([label, f(r.value), f(r.lower), f(r.upper)]);
  const full = 'requestedMemoryBytes' in result ? result as CapacityPlan : undefined;
  if (full) {
    rows.push(['requested memory', gib(full.requestedMemoryBytes), '', '']);
    range('weights per GPU', full.weightBytesPerRank, gib);
    range('activation peak', full.activationBytes, gib);
    range('non-torch memory', full.nonTorchBytes, gib);
    range('CUDA graph memory', full.cudaGraphBytes, gib);
    range('available KV cache', full.availableKvCacheBytes, gib);
  }
  rows.push(['KV bytes per token', int(result.kvBytesPerToken), '', '']);
  range(`KV per ${result.maxModelLen}-token request`, result.requestKvBytes, gib);
  range('KV cache blocks', result.numGpuBlocks, int);
  range('KV cache tokens', result.kvCacheTokens, int);
  range(`max concurrency @ ${result.maxModelLen}`, result.maxConcurrency, times);
  range('per replica (x DP)', result.replicaMaxConcurrency, times);
  const widths = [0, 1, 2, 3].map(i => Math.max(...[['', 'value', 'lower', 'upper'], ...rows].map(r => r[i].length)));
  const line = (r: readonly string[]) => `${r[0].padEnd(widths[0])}  ${r.slice(1).map((c, i) => c.padStart(widths[i + 1])).join('  ')}`.trimEnd();
  const settings = full
    ? `vLLM ${result.vllmVersion}, gpuMemoryUtilization ${full.gpuMemoryUtilization}, maxModelLen ${result.maxModelLen}, ` +
      `maxNumBatchedTokens ${full.maxNumBatchedTokens}, maxNumSeqs ${full.maxNumSeqs}, blockSize ${result.blockSize}`
    : `vLLM ${result.vllmVersion}, maxModelLen ${result.maxModelLen}, blockSize ${result.blockSize}`;
  const notes = result.notes.map(n => `note: ${n}`);
  return [settings, line(['', 'value', 'lower', 'upper']), ...rows.map(line), ...notes].join('\n') + '\n';
}
