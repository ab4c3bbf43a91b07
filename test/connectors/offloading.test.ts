import { Size } from 'cdk8s';
import {
  DecodeTier, KvConnector, KvLoadFailurePolicy, KvRole, Model, PdRouter, PdService, PrefillTier, VllmImage,
} from '../../src';
import { OFFLOADING_PRE_0_14_EXTRA_CONFIG_KEYS, expectOnlyDocumentedKeys } from '../kv-transfer-config-keys';
import { chart, container, find, kvTransferConfig, synth } from '../util';

const model = Model.LLAMA_3_1_8B_INSTRUCT;
const GIB = 1024 ** 3;

describe('OffloadingConnector', () => {
  test('prefill and decode tiers: kv_both, cpu_bytes_to_use and block_size, memory grows by the store per DP engine', () => {
    const c = chart();
    const kvConnector = KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(10), blockSize: 64 });
    new PrefillTier(c, 'Prefill', { model, kvConnector, blockSize: 16, dataParallelSize: 2 });
    new DecodeTier(c, 'Decode', { model, kvConnector, blockSize: 16 });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const prefill = find(objects, 'Deployment', 'prefill');
    const decode = find(objects, 'Deployment', 'decode');
    for (const dep of [prefill, decode]) {
      expect(kvTransferConfig(dep)).toEqual({
        kv_connector: 'OffloadingConnector',
        kv_role: 'kv_both',
        kv_load_failure_policy: 'fail',
        kv_connector_extra_config: { block_size: 64, cpu_bytes_to_use: 10 * GIB },
      });
      // The connector opens no ports and sets no env of its own.
      expect(container(dep).ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
      expect(container(dep).env.map((e: any) => e.name)).toEqual(['HF_HOME', 'HOME', 'USER']);
    }
    // Prefill: 2 GPUs (DP 2) -> 64Gi base + 2 engines x 10 GiB.
    expect(container(prefill).resources.requests.memory).toBe(`${64 + 2 * 10}Gi`);
    expect(container(prefill).resources.limits.memory).toBe(`${64 + 2 * 10}Gi`);
    // Decode: 1 GPU -> 36Gi base (20Gi /dev/shm + 16) + 10 GiB.
    expect(container(decode).resources.requests.memory).toBe(`${36 + 10}Gi`);
    expect(container(decode).resources.limits.memory).toBe(`${36 + 10}Gi`);
    // vLLM 0.32.0 keeps each engine's store as a file in /dev/shm and refuses to start when it does not fit
    // (check_shm_free_space): /dev/shm grows by the stores, on top of the 20Gi default.
    const shm = (dep: any) => dep.spec.template.spec.volumes.find((v: any) => v.name === 'dshm').emptyDir;
    expect(shm(prefill)).toEqual({ medium: 'Memory', sizeLimit: `${20 + 2 * 10}Gi` });
    expect(shm(decode)).toEqual({ medium: 'Memory', sizeLimit: `${20 + 10}Gi` });
  });

  test('the rendered JSON uses only KVTransferConfig fields and documented Offloading extra-config keys', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', { model, kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(4), blockSize: 32 }), blockSize: 16 });
    expectOnlyDocumentedKeys(kvTransferConfig(find(synth(c), 'Deployment', 'prefill')));
  });

  test('before vLLM 0.27.0 the store is pinned tensors: memory counts their power-of-two rounding, /dev/shm stays as it is', () => {
    const tier = (tag: string, cpuGib: number, m: Model = model, tensorParallelSize = 1) => {
      const c = chart();
      new PrefillTier(c, 'P', {
        model: m,
        image: VllmImage.official(tag),
        tensorParallelSize,
        gpuMemoryUtilization: 0.9,
        kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(cpuGib) }),
      });
      const dep = find(synth(c), 'Deployment', 'prefill');
      return { memory: container(dep).resources.limits.memory, shm: dep.spec.template.spec.volumes.find((v: any) => v.name === 'dshm').emptyDir.sizeLimit };
    };
    // Llama-3.1-8B, 32 layers, one worker: 48 GiB is 32 tensors of 1.5 GiB (or 64 of 0.75, or one of 48), each rounded up
    // to 2 GiB (1, 64): 64 GiB (the rounding measured in vllm-project/vllm issue #53042 and PR #50094). TP 1 base: 36Gi (20Gi /dev/shm + 16).
    expect(tier('v0.22.0', 48)).toEqual({ memory: `${36 + 64}Gi`, shm: '20Gi' });
    // 64 GiB splits into powers of two whichever way: no rounding.
    expect(tier('v0.26.0', 64)).toEqual({ memory: `${36 + 64}Gi`, shm: '20Gi' });
    // 0.27.0 keeps the store in /dev/shm: exact, and /dev/shm grows by it.
    expect(tier('v0.27.0', 48)).toEqual({ memory: `${36 + 48}Gi`, shm: `${20 + 48}Gi` });
    // A model without known layers counts twice the store.
    expect(tier('v0.22.0', 48, Model.of('org/unknown-model')).memory).toBe(`${36 + 96}Gi`);
  });

  test('the store is added on top of an explicit memory size, and odd byte counts round up to whole MiB', () => {
    const c = chart();
    new DecodeTier(c, 'Decode', {
      model,
      kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.kibibytes(9_765_625), kvLoadFailurePolicy: KvLoadFailurePolicy.RECOMPUTE }),
      resources: { memory: Size.gibibytes(48) },
    });
    const dep = find(synth(c), 'Deployment', 'decode');
    expect(kvTransferConfig(dep)).toEqual({
      kv_connector: 'OffloadingConnector',
      kv_role: 'kv_both',
      kv_load_failure_policy: 'recompute',
      kv_connector_extra_config: { cpu_bytes_to_use: 10_000_000_000 },
    });
    const mib = 48 * 1024 + Math.ceil(10_000_000_000 / 1024 ** 2);
    expect(container(dep).resources.requests.memory).toBe(`${mib}Mi`);
    expect(container(dep).resources.limits.memory).toBe(`${mib}Mi`);
  });

  test('numCpuBlocks on vLLM 0.13.0 renders num_cpu_blocks and keeps the explicit memory', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', {
      model,
      image: VllmImage.official('v0.13.0'),
      kvConnector: KvConnector.offloading({ numCpuBlocks: 1000, blockSize: 64 }),
      blockSize: 16,
      resources: { memory: Size.gibibytes(96) },
    });
    const dep = find(synth(c), 'Deployment', 'prefill');
    const config = kvTransferConfig(dep);
    expect(config).toEqual({
      kv_connector: 'OffloadingConnector',
      kv_role: 'kv_both',
      kv_load_failure_policy: 'fail',
      kv_connector_extra_config: { block_size: 64, num_cpu_blocks: 1000 },
    });
    expectOnlyDocumentedKeys(config, OFFLOADING_PRE_0_14_EXTRA_CONFIG_KEYS);
    expect(container(dep).resources.limits.memory).toBe('96Gi');
  });

  test('fails when numCpuBlocks is used on vLLM 0.13.0 without an explicit memory size', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model,
      image: VllmImage.official('v0.13.0'),
      kvConnector: KvConnector.offloading({ numCpuBlocks: 1000 }),
    })).toThrow(/^PrefillTier 'test\/Prefill': 'resources\.memory' \(undefined\) must be set explicitly with numCpuBlocks \(1000\): block bytes depend on the model, so the offload memory cannot be added for you$/);
  });

  test('fails when cpuBytesToUse is used on vLLM 0.13.0', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model,
      image: VllmImage.official('v0.13.0'),
      kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1) }),
    })).toThrow(/^PrefillTier 'test\/Prefill': 'cpuBytesToUse' \('1073741824 bytes'\) needs OffloadingConnector extra config 'cpu_bytes_to_use', which exists in vLLM >= 0\.15\.0 \(source: .*\); the image is vLLM 0\.13\.0\. Releases in vLLM >= 0\.11\.0 and < 0\.14\.0 read numCpuBlocks instead$/);
  });

  test.each(['v0.14.0', 'v0.14.1'])('fails on %s with either sizing key: which one it reads is unconfirmed', (tag) => {
    const image = VllmImage.official(tag);
    expect(() => new PrefillTier(chart(), 'A', { model, image, kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1) }) }))
      .toThrow(/'cpuBytesToUse' .* which exists in vLLM >= 0\.15\.0/);
    expect(() => new PrefillTier(chart(), 'B', { model, image, resources: { memory: Size.gibibytes(64) }, kvConnector: KvConnector.offloading({ numCpuBlocks: 100 }) }))
      .toThrow(/'numCpuBlocks' \(100\) .* which exists in vLLM >= 0\.11\.0 and < 0\.14\.0/);
  });

  test('fails when numCpuBlocks is used on vLLM 0.32.0', () => {
    expect(() => new DecodeTier(chart(), 'Decode', {
      model,
      kvConnector: KvConnector.offloading({ numCpuBlocks: 1000 }),
      resources: { memory: Size.gibibytes(64) },
    })).toThrow(/^DecodeTier 'test\/Decode': 'numCpuBlocks' \(1000\) needs OffloadingConnector extra config 'num_cpu_blocks', which exists in vLLM >= 0\.11\.0 and < 0\.14\.0 \(source: .*\); the image is vLLM 0\.32\.0\. Releases in vLLM >= 0\.15\.0 read cpuBytesToUse instead$/);
  });

  test('fails when the offloaded block size is not a multiple of the tier block size', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model,
      kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1), blockSize: 40 }),
      blockSize: 16,
    })).toThrow(/^PrefillTier 'test\/Prefill': 'kvConnector\.blockSize' \(40\) must be a multiple of the tier's blockSize \(16\) \(vllm\/v1\/kv_offload\/spec\.py\)$/);
  });

  test('fails when the offloaded block size is set but the tier block size is not', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model,
      kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1), blockSize: 64 }),
    })).toThrow(/^PrefillTier 'test\/Prefill': 'blockSize' \(undefined\) must be set on the tier when the OffloadingConnector's blockSize \(64\) is, so the multiple can be checked$/);
  });

  test('fails when a PdService uses only Offloading: it moves no KV between prefill and decode', () => {
    expect(() => new PdService(chart(), 'Svc', { model, kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1) }) }))
      .toThrow(/^PdRouter 'test\/Svc\/Router': 'kvConnector' \('OffloadingConnector'\) moves no KV between prefill and decode; chain it after a transport, e\.g\. KvConnector\.multi\(\[KvConnector\.nixl\(\), \.\.\.\]\)$/);
  });

  test('fails when a PdRouter routes tiers that use only Offloading', () => {
    const c = chart();
    const kvConnector = KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1) });
    const prefill = new PrefillTier(c, 'Prefill', { model, kvConnector });
    const decode = new DecodeTier(c, 'Decode', { model, kvConnector });
    expect(() => new PdRouter(c, 'Router', { prefill, decode }))
      .toThrow(/^PdRouter 'test\/Router': 'kvConnector' \('OffloadingConnector'\) moves no KV between prefill and decode/);
  });

  test('fails when neither cpuBytesToUse nor numCpuBlocks is given', () => {
    expect(() => KvConnector.offloading({}))
      .toThrow(/^KvConnector\.offloading: 'cpuBytesToUse' \(undefined\) must be given \(or numCpuBlocks on older vLLM releases\), but not both$/);
  });

  test('fails when both cpuBytesToUse and numCpuBlocks are given', () => {
    expect(() => KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1), numCpuBlocks: 10 }))
      .toThrow(/^KvConnector\.offloading: 'cpuBytesToUse' \('1073741824 bytes'\) must be given \(or numCpuBlocks on older vLLM releases\), but not both$/);
  });

  test('fails when cpuBytesToUse is below 1 MiB', () => {
    expect(() => KvConnector.offloading({ cpuBytesToUse: Size.kibibytes(512) }))
      .toThrow(/^KvConnector\.offloading: 'cpuBytesToUse' \('524288 bytes'\) must be at least 1 MiB$/);
  });

  test('fails when numCpuBlocks is 0', () => {
    expect(() => KvConnector.offloading({ numCpuBlocks: 0 }))
      .toThrow(/^KvConnector\.offloading: 'numCpuBlocks' \(0\) must be an integer >= 1$/);
  });

  test('fails when blockSize is not a positive integer', () => {
    expect(() => KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1), blockSize: 1.5 }))
      .toThrow(/^KvConnector\.offloading: 'blockSize' \(1\.5\) must be an integer >= 1$/);
  });

  test('fails when prefill kvRole is kv_producer: Offloading is always kv_both', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model, kvConnector: KvConnector.offloading({ cpuBytesToUse: Size.gibibytes(1) }), kvRole: KvRole.KV_PRODUCER,
    })).toThrow(/^PrefillTier 'test\/Prefill': 'kvRole' \('kv_producer'\) is not allowed for OffloadingConnector on a prefill tier; allowed: kv_both$/);
  });
});
