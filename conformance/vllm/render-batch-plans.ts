/**
 * Settles the batch limits of the cases below with CapacityPlanner.plan, for vLLM 0.22.0 and 0.32.0, and prints them
 * as JSON for conformance/vllm/batch_defaults.py, which settles the same inputs with each release's own
 * `EngineArgs._set_default_max_num_seqs_and_batched_tokens_args` and `SchedulerConfig` checks. A case is either the
 * planned max_num_batched_tokens / max_num_seqs or the startup refusal the planner throws.
 * Run from the repo root: `npx ts-node --transpile-only conformance/vllm/render-batch-plans.ts`.
 */
import { Size } from 'cdk8s';
import { All2allBackend, CapacityPlanInput, CapacityPlanner, Model, PerformanceMode } from '../../src';
import { startupRefusalOf } from '../../src/private/errors';

interface Gpu {
  readonly name: string;
  readonly gib: number;
}

// Names as torch.cuda.get_device_name reports them; sizes as the planner is given them.
const GPUS: Gpu[] = [
  { name: 'NVIDIA L4', gib: 22 },
  { name: 'NVIDIA A100-SXM4-80GB', gib: 79 },
  { name: 'NVIDIA H100 80GB HBM3', gib: 79 },
  { name: 'NVIDIA B200', gib: 179 },
];

interface Case {
  readonly name: string;
  readonly version: string;
  readonly gpu: Gpu;
  readonly maxModelLen: number;
  readonly tensorParallelSize: number;
  readonly maxNumBatchedTokens?: number;
  readonly maxNumSeqs?: number;
  readonly enableChunkedPrefill?: boolean;
  readonly performanceMode?: PerformanceMode;
  /** deepep_low_latency with expert parallelism over data-parallel ranks (ParallelConfig.use_batched_dp_moe). */
  readonly batchedDp: boolean;
}

const CASES: Case[] = [];
for (const version of ['0.22.0', '0.32.0']) {
  for (const gpu of GPUS) {
    for (const maxModelLen of [4096, 32768]) {
      for (const enableChunkedPrefill of [undefined, false]) {
        for (const performanceMode of [undefined, PerformanceMode.THROUGHPUT]) {
          for (const maxNumBatchedTokens of [undefined, 2048, 16384]) {
            for (const maxNumSeqs of [undefined, 128, 4096]) {
              CASES.push({
                name: [gpu.name, `len ${maxModelLen}`, `chunked ${enableChunkedPrefill ?? 'default'}`, `mode ${performanceMode ?? 'default'}`,
                  `tokens ${maxNumBatchedTokens ?? 'default'}`, `seqs ${maxNumSeqs ?? 'default'}`].join(', '),
                version, gpu, maxModelLen, tensorParallelSize: 1, maxNumBatchedTokens, maxNumSeqs, enableChunkedPrefill, performanceMode, batchedDp: false,
              });
            }
          }
        }
      }
    }
  }
  // DeepSeek-V3 decode with deepep_low_latency over 16 DP ranks: vLLM starts the token budget from 256.
  for (const performanceMode of [undefined, PerformanceMode.THROUGHPUT]) {
    for (const enableChunkedPrefill of [undefined, false]) {
      CASES.push({
        name: `DeepSeek-V3 deepep_low_latency DP16, chunked ${enableChunkedPrefill ?? 'default'}, mode ${performanceMode ?? 'default'}`,
        version, gpu: { name: 'NVIDIA H200', gib: 139 }, maxModelLen: 8192, tensorParallelSize: 1, enableChunkedPrefill, performanceMode, batchedDp: true,
      });
    }
  }
}

function input(c: Case): CapacityPlanInput {
  const common = {
    vllmVersion: c.version,
    acceleratorMemory: Size.gibibytes(c.gpu.gib),
    acceleratorName: c.gpu.name,
    gpuMemoryUtilization: 0.9,
    maxModelLen: c.maxModelLen,
    maxNumBatchedTokens: c.maxNumBatchedTokens,
    maxNumSeqs: c.maxNumSeqs,
    enableChunkedPrefill: c.enableChunkedPrefill,
    performanceMode: c.performanceMode,
  };
  if (!c.batchedDp) return { ...common, architecture: Model.QWEN3_8B.architecture!, tensorParallelSize: c.tensorParallelSize };
  return {
    ...common,
    architecture: Model.DEEPSEEK_V3.architecture!,
    dataParallelSize: 16,
    enableExpertParallel: true,
    all2allBackend: All2allBackend.DEEPEP_LOW_LATENCY,
    all2allInternode: true,
  };
}

const out = CASES.map(c => {
  const base = {
    name: `vLLM ${c.version}: ${c.name}`,
    version: c.version,
    deviceBytes: c.gpu.gib * 1024 ** 3,
    deviceName: c.gpu.name,
    maxModelLen: c.maxModelLen,
    worldSize: c.tensorParallelSize,
    maxNumBatchedTokens: c.maxNumBatchedTokens ?? null,
    maxNumSeqs: c.maxNumSeqs ?? null,
    enableChunkedPrefill: c.enableChunkedPrefill ?? null,
    performanceMode: c.performanceMode ?? null,
    batchedDp: c.batchedDp,
  };
  try {
    const plan = CapacityPlanner.plan(input(c));
    return { ...base, planned: { maxNumBatchedTokens: plan.maxNumBatchedTokens, maxNumSeqs: plan.maxNumSeqs } };
  } catch (e) {
    const refusal = startupRefusalOf(e);
    if (refusal === undefined) return { ...base, error: (e as Error).message };
    return { ...base, refused: { prop: refusal.prop, message: (e as Error).message } };
  }
});
process.stdout.write(JSON.stringify(out, undefined, 1) + '\n');
