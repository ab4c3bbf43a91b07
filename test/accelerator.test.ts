import { Size } from 'cdk8s';
import { chart, container, find, synth } from './util';
import { Accelerator, Model, PrefillTier } from '../src';

describe('Accelerator', () => {
  test.each([
    ['NVIDIA_H100_80GB', Accelerator.NVIDIA_H100_80GB, 'H100-80GB', 80, 'NVIDIA-H100-80GB-HBM3'],
    ['NVIDIA_H200', Accelerator.NVIDIA_H200, 'H200', 141, 'NVIDIA-H200'],
    ['NVIDIA_B200', Accelerator.NVIDIA_B200, 'B200', 180, 'NVIDIA-B200'],
    ['NVIDIA_A100_80GB', Accelerator.NVIDIA_A100_80GB, 'A100-80GB', 80, 'NVIDIA-A100-SXM4-80GB'],
    ['NVIDIA_A100_40GB', Accelerator.NVIDIA_A100_40GB, 'A100-40GB', 40, 'NVIDIA-A100-SXM4-40GB'],
    ['NVIDIA_L40S', Accelerator.NVIDIA_L40S, 'L40S', 48, 'NVIDIA-L40S'],
    ['NVIDIA_L4', Accelerator.NVIDIA_L4, 'L4', 24, 'NVIDIA-L4'],
  ])('%s selects nodes by the GPU Feature Discovery product label', (_name, acc, displayName, memoryGiB, product) => {
    expect(acc.displayName).toBe(displayName);
    expect(acc.resourceName).toBe('nvidia.com/gpu');
    expect(acc.memory.toGibibytes()).toBe(memoryGiB);
    expect(acc.gpusPerNode).toBe(8);
    expect(acc.nodeLabelKey).toBe('nvidia.com/gpu.product');
    expect(acc.nodeLabelValue).toBe(product);
    expect(acc.tolerationKey).toBe('nvidia.com/gpu');
  });

  test('AMD_MI300X uses amd.com/gpu and no node selector', () => {
    const acc = Accelerator.AMD_MI300X;
    expect(acc.displayName).toBe('MI300X');
    expect(acc.resourceName).toBe('amd.com/gpu');
    expect(acc.memory.toGibibytes()).toBe(192);
    expect(acc.gpusPerNode).toBe(8);
    expect(acc.nodeLabelKey).toBeUndefined();
    expect(acc.nodeLabelValue).toBeUndefined();
    expect(acc.tolerationKey).toBe('amd.com/gpu');
  });

  test('custom accelerator defaults: nvidia.com/gpu, 8 per node, no selector, toleration for the resource', () => {
    const acc = Accelerator.custom({ displayName: 'RTX-6000', memory: Size.gibibytes(48) });
    expect(acc.resourceName).toBe('nvidia.com/gpu');
    expect(acc.gpusPerNode).toBe(8);
    expect(acc.nodeLabelKey).toBeUndefined();
    expect(acc.nodeLabelValue).toBeUndefined();
    expect(acc.tolerationKey).toBe('nvidia.com/gpu');
  });

  test('custom accelerator toleration defaults to its own resource name', () => {
    const acc = Accelerator.custom({ displayName: 'Gaudi3', resourceName: 'habana.ai/gaudi', memory: Size.gibibytes(128) });
    expect(acc.tolerationKey).toBe('habana.ai/gaudi');
  });

  test('withGpusPerNode returns a copy with another device count and leaves the original unchanged', () => {
    const four = Accelerator.NVIDIA_H100_80GB.withGpusPerNode(4);
    expect(four).not.toBe(Accelerator.NVIDIA_H100_80GB);
    expect(four.gpusPerNode).toBe(4);
    expect(Accelerator.NVIDIA_H100_80GB.gpusPerNode).toBe(8);
    expect(four.displayName).toBe('H100-80GB');
    expect(four.resourceName).toBe('nvidia.com/gpu');
    expect(four.memory.toGibibytes()).toBe(80);
    expect(four.nodeLabelKey).toBe('nvidia.com/gpu.product');
    expect(four.nodeLabelValue).toBe('NVIDIA-H100-80GB-HBM3');
    expect(four.tolerationKey).toBe('nvidia.com/gpu');
  });

  test('withGpusPerNode keeps a custom toleration key', () => {
    const acc = Accelerator.custom({ displayName: 'X', memory: Size.gibibytes(16), tolerationKey: 'dedicated' }).withGpusPerNode(2);
    expect(acc.tolerationKey).toBe('dedicated');
  });

  test('a tier requests its GPUs as the extended resource and selects and tolerates the GPU nodes', () => {
    const c = chart();
    new PrefillTier(c, 'Prefill', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      tensorParallelSize: 4,
      accelerator: Accelerator.custom({
        displayName: 'MI250X',
        resourceName: 'amd.com/gpu',
        memory: Size.gibibytes(64),
        gpusPerNode: 4,
        nodeLabelKey: 'amd.com/gpu.product-name',
        nodeLabelValue: 'AMD_Instinct_MI250X',
        tolerationKey: 'dedicated-gpu',
      }),
    });
    const objects = synth(c);
    expect(objects).toMatchSnapshot();
    const dep = find(objects, 'Deployment', 'prefill');
    const pod = dep.spec.template.spec;
    expect(container(dep).resources.requests['amd.com/gpu']).toBe(4);
    expect(container(dep).resources.limits['amd.com/gpu']).toBe(4);
    expect(container(dep).resources.requests['nvidia.com/gpu']).toBeUndefined();
    expect(pod.nodeSelector).toEqual({ 'amd.com/gpu.product-name': 'AMD_Instinct_MI250X' });
    expect(pod.tolerations).toEqual([{ key: 'dedicated-gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  test('fails when a tier pinned to one node per replica needs more GPUs than one node of the accelerator has', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      tensorParallelSize: 8,
      nodesPerReplica: 1,
      accelerator: Accelerator.NVIDIA_H100_80GB.withGpusPerNode(4),
    })).toThrow(/'tensorParallelSize x pipelineParallelSize x dataParallelSize' \(8\) puts 8 GPUs on each pod, more than one 4-GPU H100-80GB node has; spread the replica over at least 2 nodes \(nodesPerReplica\)/);
  });

  test('fails when withGpusPerNode raises the count above what one node has (a pod that could never schedule)', () => {
    expect(() => Accelerator.NVIDIA_H100_80GB.withGpusPerNode(16))
      .toThrow(/^Accelerator: 'gpusPerNode' \(16\) must not exceed the 8 GPUs one H100-80GB node has: a pod asking for more never schedules/);
  });

  test('fails when displayName is empty', () => {
    expect(() => Accelerator.custom({ displayName: '', memory: Size.gibibytes(16) }))
      .toThrow(/^Accelerator: 'displayName' \(''\) must be a non-empty string$/);
  });

  test('fails when displayName is only whitespace', () => {
    expect(() => Accelerator.custom({ displayName: '  ', memory: Size.gibibytes(16) }))
      .toThrow(/Accelerator: 'displayName' \(' {2}'\) must be a non-empty string/);
  });

  test('fails when gpusPerNode is 0', () => {
    expect(() => Accelerator.custom({ displayName: 'X', memory: Size.gibibytes(16), gpusPerNode: 0 }))
      .toThrow(/Accelerator: 'gpusPerNode' \(0\) must be an integer >= 1/);
  });

  test('fails when gpusPerNode is not an integer', () => {
    expect(() => Accelerator.custom({ displayName: 'X', memory: Size.gibibytes(16), gpusPerNode: 2.5 }))
      .toThrow(/Accelerator: 'gpusPerNode' \(2\.5\) must be an integer >= 1/);
  });

  test('fails when withGpusPerNode is given 0', () => {
    expect(() => Accelerator.NVIDIA_L4.withGpusPerNode(0)).toThrow(/Accelerator: 'gpusPerNode' \(0\) must be an integer >= 1/);
  });

  test('fails when nodeLabelKey is given without nodeLabelValue', () => {
    expect(() => Accelerator.custom({ displayName: 'X', memory: Size.gibibytes(16), nodeLabelKey: 'gpu-type' }))
      .toThrow(/Accelerator: 'nodeLabelValue' \(undefined\) must be given together with 'nodeLabelKey' \(gpu-type\)/);
  });

  test('fails when nodeLabelValue is given without nodeLabelKey', () => {
    expect(() => Accelerator.custom({ displayName: 'X', memory: Size.gibibytes(16), nodeLabelValue: 'h100' }))
      .toThrow(/Accelerator: 'nodeLabelValue' \('h100'\) must be given together with 'nodeLabelKey' \(undefined\)/);
  });

  test.each(['gpu', 'nvidia.com/', 'NVIDIA.com/gpu', 'nvidia.com/gpu/mig'])('fails when resourceName is %p', (resourceName) => {
    expect(() => Accelerator.custom({ displayName: 'X', memory: Size.gibibytes(16), resourceName }))
      .toThrow(new RegExp(`Accelerator: 'resourceName' \\('${resourceName.replace(/[.]/g, '\\.')}'\\) must be a domain-prefixed extended resource such as 'nvidia\\.com/gpu'`));
  });
});
