/** The tier props boundary: every prop of PrefillTier/DecodeTier checked where it enters. */
import { Duration, Size } from 'cdk8s';
import { Cpu, EnvValue } from 'cdk8s-plus-28';
import { DecodeTier, KvConnector, Model, PrefillTier } from '../../src';
import { chart, synth, unsized } from '../util';

const model = unsized(Model.LLAMA_3_1_8B_INSTRUCT);
const prefill = (props: any) => () => new PrefillTier(chart(), 'P', { model, ...props });

/** A class of another cdk8s-plus major (same name and shape; jsii names it by its own package). */
function fromOtherPlus<T extends Function>(cls: T, pkg: string): object {
  class Other {}
  Object.defineProperty(Other, 'name', { value: cls.name });
  (Other as any)[Symbol.for('jsii.rtti')] = { fqn: `${pkg}.${cls.name}`, version: '2.5.57' };
  return new Other();
}

const rows: Array<[string, any, string | RegExp]> = [
  ['a Cpu of cdk8s-plus-33 (what cdk8s init installs)', { resources: { cpu: fromOtherPlus(Cpu, 'cdk8s-plus-33') } },
    "'resources.cpu' ('<Cpu>') must be a Cpu (e.g. Cpu.units(8) or Cpu.millis(500)); this Cpu comes from cdk8s-plus-33, and the library takes cdk8s-plus-28's: import Cpu from 'cdk8s-plus-28'"],
  ['an EnvValue of a second cdk8s-plus-28 install', { extraEnv: [{ name: 'A', value: fromOtherPlus(EnvValue, 'cdk8s-plus-28') }] },
    "'extraEnv[0].value' ('<EnvValue>') must be an EnvValue (e.g. EnvValue.fromValue('1') or EnvValue.fromSecretValue(...)); this EnvValue comes from a second copy of cdk8s-plus-28"],
  ['a typo in a prop name, with a suggestion', { replica: 2 }, "'replica' (2) is not a prop of VllmTierProps (did you mean 'replicas'?)"],
  ['an unknown prop without a near name', { gpus: 2 }, "'gpus' (2) is not a prop of VllmTierProps; known props: replicas,"],
  ['a string for replicas', { replicas: '2' }, "'replicas' ('2') must be an integer >= 1"],
  ['replicas beyond int32', { replicas: 2 ** 31 }, "'replicas' (2147483648) must be <= 2147483647 (a 32-bit integer)"],
  ['Infinity for maxModelLen', { maxModelLen: Infinity }, "'maxModelLen' (Infinity) must be an integer >= 1"],
  ['a string "false" for enablePrefixCaching', { enablePrefixCaching: 'false' }, "'enablePrefixCaching' ('false') must be a boolean (true or false)"],
  ['a number for enableChunkedPrefill', { enableChunkedPrefill: 0 }, "'enableChunkedPrefill' (0) must be a boolean"],
  ['a gpuMemoryUtilization in exponent form', { gpuMemoryUtilization: 1e-7 }, "'gpuMemoryUtilization' (1e-7) would render in exponent notation"],
  ['a string gpuMemoryUtilization', { gpuMemoryUtilization: '0.9' }, "'gpuMemoryUtilization' ('0.9') must be a fraction in (0, 1]"],
  ['a string for accelerator', { accelerator: 'H100' }, "'accelerator' ('H100') must be an Accelerator (e.g. Accelerator.NVIDIA_H100_80GB"],
  ['a string for image', { image: 'vllm/vllm-openai:v0.32.0' }, "'image' ('vllm/vllm-openai:v0.32.0') must be a VllmImage"],
  ['a string for kvConnector', { kvConnector: 'nixl' }, "'kvConnector' ('nixl') must be a KvConnector (e.g. KvConnector.nixl())"],
  ['the factory instead of a connector', { kvConnector: KvConnector.nixl }, "'kvConnector' ('<function nixl>') must be a KvConnector"],
  ['a string for modelCache', { modelCache: 'pvc' }, "'modelCache' ('pvc') must be a ModelCache"],
  ['a number for sharedMemorySize', { sharedMemorySize: 20 }, "'sharedMemorySize' (20) must be a Size (e.g. Size.gibibytes(20))"],
  ['a Size of fractional bytes', { sharedMemorySize: Size.kibibytes(0.3) }, "'sharedMemorySize' ('0.3 KiB') must be a whole number of bytes"],
  ['a Size too large for exact bytes', { sharedMemorySize: Size.tebibytes(1e9) }, 'must be a whole number of bytes between 0 and 9007199254740991'],
  ['a number for startupTimeout', { startupTimeout: 600 }, "'startupTimeout' (600) must be a Duration (e.g. Duration.minutes(5))"],
  ['an infinite drainTimeout', { drainTimeout: Duration.seconds(Infinity) }, "'drainTimeout' ('Infinityms') must be a finite duration"],
  ['a drainTimeout that would render in exponent form', { drainTimeout: Duration.seconds(1e21) },
    "'drainTimeout' ('1e+24ms') must be at most 2147483647 seconds"],
  ['a port above 65535', { port: 70000 }, "'port' (70000) must be a TCP port (1-65535)"],
  ['a string for extraArgs', { extraArgs: '--enforce-eager' }, "'extraArgs' ('--enforce-eager') must be a list of strings"],
  ['an object for extraEnv', { extraEnv: { name: 'A' } }, "'extraEnv' ({\"name\":\"A\"}) must be an array"],
  ['a literal string as an env value', { extraEnv: [{ name: 'A', value: '1' }] }, "'extraEnv[0].value' ('1') must be an EnvValue"],
  ['a typo inside extraEnv', { extraEnv: [{ name: 'A', valeu: EnvValue.fromValue('1') }] }, "'extraEnv[0].valeu' ('<EnvValue>') is not a prop of EnvironmentVariable (did you mean 'value'?); known props: name, value"],
  ['a typo inside resources', { resources: { memroy: Size.gibibytes(64) } }, "'resources.memroy' ('<Size>') is not a prop of TierResources (did you mean 'memory'?)"],
  ['a number for resources.cpu', { resources: { cpu: 8 } }, "'resources.cpu' (8) must be a Cpu (e.g. Cpu.units(8)"],
  ['a cpu in exponent form', { resources: { cpu: Cpu.units(1e21) } }, "'resources.cpu' ('1e+21') must be a positive CPU quantity in plain notation"],
  ['a number for servedModelName', { servedModelName: 7 }, "'servedModelName' (7) must be a string"],
  ['an empty tokenizer', { tokenizer: ' ' }, "'tokenizer' (' ') must be a non-empty string"],
  ['an hfToken without a key', { hfToken: { secret: { name: 'hf' } } }, "'hfToken.key' (undefined) must be a non-empty Secret key"],
  ['an hfToken with an empty key', { hfToken: { secret: { name: 'hf' }, key: '' } }, "'hfToken.key' ('') must be a non-empty Secret key"],
  ['an hfToken naming an invalid Secret', { hfToken: { secret: { name: 'HF_Token' }, key: 'token' } }, "'hfToken.secret.name' ('HF_Token') must be a Kubernetes object name"],
  ['an hfToken given as a string', { hfToken: 'hf-token' }, "'hfToken' ('hf-token') must be a SecretValue { secret, key }"],
  ['tensor parallelism that does not divide the KV heads', { model: Model.of('org/m', { architecture: { numAttentionHeads: 48, numKeyValueHeads: 12 } }), tensorParallelSize: 8 },
    "'tensorParallelSize' (8) must divide, or be a multiple of, the number of KV heads of org/m (12)"],
  ['a shared storage path inside /dev/shm', { kvConnector: KvConnector.example({ claimName: 'kv', sharedStoragePath: '/dev/shm/kv' }) },
    "'volume mount 'kv-shared-storage'' ('/dev/shm/kv') lies inside volume mount 'dshm' (/dev/shm)"],
  ['a shared storage path equal to the model cache', { kvConnector: KvConnector.example({ claimName: 'kv', sharedStoragePath: '/model-cache' }) },
    "'volume mount 'kv-shared-storage'' ('/model-cache') uses the mount path of volume mount 'model-cache'"],
];

describe('tier props', () => {
  test.each(rows)('fails with %s', (_name, props, fragment) => {
    expect(prefill(props)).toThrow(fragment);
  });

  test('fails on DecodeTier the same way', () => {
    expect(() => new DecodeTier(chart(), 'D', { model, replicas: '1' } as any)).toThrow("DecodeTier 'test/D': 'replicas' ('1') must be an integer >= 1");
  });

  test('accepts null wherever undefined is accepted (jsii languages may send null)', () => {
    const c = chart();
    new PrefillTier(c, 'P', {
      model,
      replicas: null,
      accelerator: null,
      image: null,
      kvConnector: null,
      resources: { cpu: null, memory: null },
      extraArgs: null,
      extraEnv: null,
      startupTimeout: null,
      enablePrefixCaching: null,
    } as any);
    expect(synth(c).length).toBeGreaterThan(0);
  });

  test('renders the same manifest with null props as without them', () => {
    const a = chart();
    new PrefillTier(a, 'P', { model });
    const b = chart();
    new PrefillTier(b, 'P', { model, replicas: null, port: null, drainTimeout: null } as any);
    expect(synth(b)).toEqual(synth(a));
  });

  test('accepts tensor parallelism that is a multiple of the KV heads (heads are replicated)', () => {
    const m = Model.of('org/m', { architecture: { numAttentionHeads: 32, numKeyValueHeads: 2 } });
    expect(() => new PrefillTier(chart(), 'P', { model: m, tensorParallelSize: 8 })).not.toThrow();
  });

  test('skips the KV head rule for MLA models (one latent KV, replicated)', () => {
    expect(() => new PrefillTier(chart(), 'P', { model: unsized(Model.DEEPSEEK_V3), tensorParallelSize: 8 })).not.toThrow();
  });

  test('fails with a plain JavaScript call: a string model and numbers as strings', () => {
    const js: any = { model: 'meta-llama/Llama-3.1-8B-Instruct', tensorParallelSize: '2' };
    expect(() => new PrefillTier(chart(), 'P', js)).toThrow("'model' ('meta-llama/Llama-3.1-8B-Instruct') must be a Model");
  });
});
