/**
 * The seed's service (examples/seed-llama-70b-nixl/main.ts), as the benchmarks build it. The packages come in as
 * arguments (the imports here are types only), so that each caller decides when they load: scripts/benchmark.ts
 * installs its upstream fixes first.
 */
import type * as cdk8sModule from 'cdk8s';
import type * as kplusModule from 'cdk8s-plus-28';
import type * as lib from '../src';

/** The packages the service is built from. */
export interface SeedPackages {
  readonly cdk8s: typeof cdk8sModule;
  readonly kplus: typeof kplusModule;
  readonly pd: typeof lib;
}

/** Adds one seed-shaped PdService to `chart`; `suffix` goes after every construct ID it adds. */
export function addSeedService(p: SeedPackages, chart: cdk8sModule.Chart, suffix = ''): void {
  const { cdk8s, kplus, pd } = p;
  new pd.PdService(chart, `Llama70b${suffix}`, {
    model: pd.Model.LLAMA_3_1_70B_INSTRUCT,
    hfToken: { secret: kplus.Secret.fromSecretName(chart, `HfToken${suffix}`, 'hf-token'), key: 'HF_TOKEN' },
    modelCache: pd.ModelCache.persistentVolumeClaim('llama-70b-weights'),
    kvConnector: pd.KvConnector.nixl({ backends: [pd.NixlBackend.UCX], kvLoadFailurePolicy: pd.KvLoadFailurePolicy.RECOMPUTE }),
    prefill: { replicas: 1, accelerator: pd.Accelerator.NVIDIA_H100_80GB, tensorParallelSize: 4 },
    decode: {
      replicas: 2,
      accelerator: pd.Accelerator.NVIDIA_H100_80GB,
      tensorParallelSize: 4,
      gpuMemoryUtilization: 0.95,
      sharedMemorySize: cdk8s.Size.gibibytes(20),
    },
  });
}
