/** The Accelerator, Model, VllmImage and ModelCache factory boundary. */
import { Size } from 'cdk8s';
import { Accelerator, Model, ModelCache, VllmImage } from '../../src';

const memory = Size.gibibytes(80);

const rows: Array<[string, () => unknown, string]> = [
  ['a custom accelerator without options', () => Accelerator.custom(undefined as any),
    "Accelerator: 'displayName' (undefined) is required (CustomAcceleratorOptions.displayName)"],
  ['a custom accelerator without memory', () => Accelerator.custom({ displayName: 'X' } as any),
    "Accelerator: 'memory' (undefined) is required (CustomAcceleratorOptions.memory)"],
  ['a number for accelerator memory', () => Accelerator.custom({ displayName: 'X', memory: 80 } as any),
    "Accelerator: 'memory' (80) must be a Size"],
  ['a typo in accelerator options', () => Accelerator.custom({ displayName: 'X', memory, gpuPerNode: 4 } as any),
    "Accelerator: 'gpuPerNode' (4) is not a prop of CustomAcceleratorOptions (did you mean 'gpusPerNode'?)"],
  ['a string gpusPerNode', () => Accelerator.custom({ displayName: 'X', memory, gpusPerNode: '4' } as any),
    "Accelerator: 'gpusPerNode' ('4') must be an integer >= 1"],
  ['withGpusPerNode beyond int32', () => Accelerator.NVIDIA_L4.withGpusPerNode(2 ** 40),
    "Accelerator: 'gpusPerNode' (1099511627776) must be <= 2147483647"],
  ['a node label key with spaces', () => Accelerator.custom({ displayName: 'X', memory, nodeLabelKey: 'gpu type', nodeLabelValue: 'a' }),
    "Accelerator: 'nodeLabelKey' ('gpu type') must be a label key"],
  ['a node label value too long', () => Accelerator.custom({ displayName: 'X', memory, nodeLabelKey: 'gpu', nodeLabelValue: 'a'.repeat(64) }),
    "Accelerator: 'nodeLabelValue' ('" + 'a'.repeat(64) + "') must be a label value"],
  ['a toleration key with two slashes', () => Accelerator.custom({ displayName: 'X', memory, tolerationKey: 'a/b/c' }),
    "Accelerator: 'tolerationKey' ('a/b/c') must be a taint key"],
  ['a resource name in kubernetes.io', () => Accelerator.custom({ displayName: 'X', memory, resourceName: 'kubernetes.io/gpu' }),
    "Accelerator: 'resourceName' ('kubernetes.io/gpu') must be a domain-prefixed extended resource"],
  ['a number for a model name', () => Model.of(42 as any), "Model: 'nameOrPath' (42) must be a string"],
  ['a typo in model options', () => Model.of('org/m', { arch: {} } as any), "Model: 'arch' ({}) is not a prop of ModelOptions (did you mean 'architecture'?)"],
  ['an architecture without heads', () => Model.of('org/m', { architecture: { numKeyValueHeads: 8 } } as any),
    "Model: 'architecture.numAttentionHeads' (undefined) is required (ModelArchitecture.numAttentionHeads)"],
  ['a typo in the architecture', () => Model.of('org/m', { architecture: { numAttentionHeads: 32, numKvHeads: 8 } } as any),
    "Model: 'architecture.numKvHeads' (8) is not a prop of ModelArchitecture"],
  ['heads as a string', () => Model.of('org/m', { architecture: { numAttentionHeads: '32' } } as any),
    "Model: 'architecture.numAttentionHeads' ('32') must be an integer >= 1"],
  ['a number for an image', () => VllmImage.fromRegistry(5 as any), "VllmImage: 'image' (5) must be a string"],
  ['an image with an upper-case repository', () => VllmImage.fromRegistry('docker.io/VLLM/vllm-openai:v0.32.0'),
    "VllmImage: 'image' ('docker.io/VLLM/vllm-openai:v0.32.0') must be an image reference"],
  ['an image with a tag of 129 characters', () => VllmImage.fromRegistry(`vllm/vllm-openai:${'a'.repeat(129)}`, { version: '0.32.0' }),
    'must be an image reference'],
  ['an image with a short digest', () => VllmImage.fromRegistry('vllm/vllm-openai@sha256:abc', { version: '0.32.0' }),
    "VllmImage: 'image' ('vllm/vllm-openai@sha256:abc') must be an image reference"],
  ['a typo in the image options', () => VllmImage.fromRegistry('vllm/vllm-openai:v0.32.0', { versoin: '0.32.0' } as any),
    "VllmImage: 'versoin' ('0.32.0') is not a prop of VllmImageOptions (did you mean 'version'?)"],
  ['a number for a version', () => VllmImage.fromRegistry('my/vllm:latest', { version: 0.32 } as any), "VllmImage: 'version' (0.32) must be a string"],
  ['a number for an official tag', () => VllmImage.official(32 as any), "VllmImage.official: 'tag' (32) must be a string"],
  ['a number for an emptyDir size', () => ModelCache.emptyDir({ sizeLimit: 100 } as any), "ModelCache.emptyDir: 'sizeLimit' (100) must be a Size"],
  ['a string "true" for readOnly', () => ModelCache.persistentVolumeClaim('weights', { readOnly: 'true' } as any),
    "ModelCache.persistentVolumeClaim: 'readOnly' ('true') must be a boolean"],
  ['a number for a claim name', () => ModelCache.persistentVolumeClaim(7 as any), "ModelCache.persistentVolumeClaim: 'claimName' (7) must be a Kubernetes object name"],
];

describe('value factories', () => {
  test.each(rows)('fails with %s', (_name, fn, fragment) => {
    expect(fn).toThrow(fragment);
  });

  test('accept null options', () => {
    expect(() => Model.of('org/m', null as any)).not.toThrow();
    expect(() => Model.of('org/m', { architecture: { numAttentionHeads: 8, numKeyValueHeads: null } } as any)).not.toThrow();
    expect(() => VllmImage.fromRegistry('vllm/vllm-openai:v0.32.0', null as any)).not.toThrow();
    expect(() => ModelCache.emptyDir(null as any)).not.toThrow();
    expect(() => ModelCache.persistentVolumeClaim('weights', null as any)).not.toThrow();
    expect(() => Accelerator.custom({ displayName: 'X', memory, gpusPerNode: null } as any)).not.toThrow();
  });

  test('fails with a plain JavaScript call: an options object for the model name', () => {
    const js: any = Model;
    expect(() => js.of({ name: 'org/m' })).toThrow("Model: 'nameOrPath' ({\"name\":\"org/m\"}) must be a string");
  });
});
