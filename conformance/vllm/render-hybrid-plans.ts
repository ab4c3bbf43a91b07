/**
 * Plans the hybrid KV caches of the cases below with CapacityPlanner.fromAvailableKvCacheMemory, for vLLM 0.22.0 and
 * 0.32.0, and prints them as JSON for conformance/vllm/hybrid_sizing.py, which recomputes them with each release's own
 * code. Run from the repo root: `npx ts-node --transpile-only conformance/vllm/render-hybrid-plans.ts`.
 */
import { Size } from 'cdk8s';
import { CapacityPlanner, KvCacheDtype, Model, ModelArchitecture } from '../../src';
import { resolveHybrid, stagePool } from '../../src/private/sizing';
import { VllmVersion } from '../../src/vllm-version';
import { MAMBA2_HYBRID } from '../../test/hybrid-fixtures';

const MAMBA2: ModelArchitecture = MAMBA2_HYBRID;
const QWEN3_NEXT = Model.QWEN3_NEXT_80B_A3B_THINKING.architecture!;

interface Case {
  readonly name: string;
  readonly architecture: ModelArchitecture;
  readonly tensorParallelSize: number;
  readonly blockSize: number;
  readonly maxModelLen: number;
  readonly availableBytes: number;
  readonly enablePrefixCaching?: boolean;
  readonly kvCacheDtype?: KvCacheDtype;
}

const GIB = 1024 ** 3;
const CASES: Case[] = [];
for (const tp of [1, 2, 4]) {
  for (const pc of [undefined, false, true]) {
    CASES.push({
      name: `Qwen3-Next TP${tp} prefix caching ${pc ?? 'default'}`, architecture: QWEN3_NEXT, tensorParallelSize: tp, blockSize: 16,
      maxModelLen: 262144, availableBytes: Math.round(44.59 * 1024 * 1024) * 1024, enablePrefixCaching: pc,
    });
  }
}
CASES.push({
  name: 'Qwen3-Next TP2 block size 128', architecture: QWEN3_NEXT, tensorParallelSize: 2, blockSize: 128, maxModelLen: 32768,
  availableBytes: 20 * GIB, enablePrefixCaching: false,
});
for (const tp of [1, 2, 4]) {
  for (const pc of [undefined, false, true]) {
    CASES.push({
      name: `Mamba-2 TP${tp} prefix caching ${pc ?? 'default'}`, architecture: MAMBA2, tensorParallelSize: tp, blockSize: 16,
      maxModelLen: 131072, availableBytes: 30 * GIB, enablePrefixCaching: pc,
    });
  }
}
CASES.push({
  name: 'Mamba-2 TP1 float32 SSM state',
  architecture: { ...MAMBA2, mamba2Layers: { ...MAMBA2.mamba2Layers!, ssmStateFloat32: true } },
  tensorParallelSize: 1, blockSize: 16, maxModelLen: 8192, availableBytes: 10 * GIB, enablePrefixCaching: false,
});

for (const tp of [1, 2]) {
  CASES.push({
    name: `Qwen3-Next TP${tp} fp8 KV cache`, architecture: QWEN3_NEXT, tensorParallelSize: tp, blockSize: 16, maxModelLen: 131072,
    availableBytes: 30 * GIB, enablePrefixCaching: false, kvCacheDtype: KvCacheDtype.FP8,
  });
  CASES.push({
    name: `Mamba-2 TP${tp} fp8 KV cache`, architecture: MAMBA2, tensorParallelSize: tp, blockSize: 16, maxModelLen: 131072,
    availableBytes: 30 * GIB, enablePrefixCaching: false, kvCacheDtype: KvCacheDtype.FP8,
  });
}

const out: object[] = [];
for (const version of ['0.22.0', '0.32.0']) {
  for (const c of CASES) {
    const kvCacheDtype = c.kvCacheDtype ?? KvCacheDtype.AUTO;
    const base = { ...c, kvCacheDtype, enablePrefixCaching: c.enablePrefixCaching ?? null, version, name: `${c.name} (vLLM ${version})` };
    try {
      const kv = CapacityPlanner.fromAvailableKvCacheMemory({
        architecture: c.architecture, tensorParallelSize: c.tensorParallelSize, blockSize: c.blockSize, maxModelLen: c.maxModelLen,
        availableKvCacheMemory: Size.kibibytes(c.availableBytes / 1024), vllmVersion: version, enablePrefixCaching: c.enablePrefixCaching,
        kvCacheDtype,
      });
      const kvBytes = kvCacheDtype === KvCacheDtype.AUTO ? 2 : 1;
      const h = resolveHybrid('render', c.architecture, c.tensorParallelSize, 1, c.blockSize, kvBytes, VllmVersion.of(version), c.enablePrefixCaching);
      const { groups } = stagePool({
        where: 'render', architecture: c.architecture, tensorParallelSize: c.tensorParallelSize, pipelineParallelSize: 1, kvElementBytes: kvBytes,
        blockSize: h.blockSize, maxModelLen: c.maxModelLen, maxNumBatchedTokens: 8192, version: VllmVersion.of(version), hybrid: h.hybrid,
      }, c.architecture.numHiddenLayers!);
      out.push({
        ...base,
        planned: {
          mode: h.hybrid.mode,
          blockSize: kv.blockSize,
          statePageBytes: h.hybrid.statePageBytes,
          groups,
          numGpuBlocks: kv.numGpuBlocks.value,
          maxConcurrency: kv.maxConcurrency.value,
          kvCacheTokens: kv.kvCacheTokens.value,
        },
      });
    } catch (e) {
      out.push({ ...base, planned: { refused: (e as Error).message } });
    }
  }
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
