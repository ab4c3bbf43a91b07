import { Size } from 'cdk8s';
import { checkStruct, int } from './private/boundary';
import { invalid, requireInteger } from './private/errors';
import { CUSTOM_ACCELERATOR_OPTIONS } from './private/prop-keys';

/**
 * Options for a custom accelerator.
 */
export interface CustomAcceleratorOptions {
  /**
   * A short name used in error messages and docs, e.g. `H100-80GB`.
   */
  readonly displayName: string;

  /**
   * The extended resource name the device plugin advertises.
   *
   * @default 'nvidia.com/gpu'
   * @see https://kubernetes.io/docs/tasks/manage-gpus/scheduling-gpus/
   */
  readonly resourceName?: string;

  /**
   * Memory of one device.
   */
  readonly memory: Size;

  /**
   * Memory of one device as it reports it to PyTorch (`torch.cuda.mem_get_info()` total, what vLLM multiplies by
   * gpuMemoryUtilization): a little less than the nominal memory (79.19 GiB on an H100 80GB).
   *
   * @default - memory (the capacity plan then notes that it used the nominal figure)
   * @see https://docs.pytorch.org/docs/stable/generated/torch.cuda.mem_get_info.html
   */
  readonly reportedMemory?: Size;

  /**
   * How many devices one node of this type has. GPUs per pod may not exceed it; a replica with more
   * GPUs spans several nodes (a LeaderWorkerSet).
   *
   * @default 8
   * @see https://github.com/NVIDIA/k8s-device-plugin/blob/main/docs/gpu-feature-discovery/README.md
   */
  readonly gpusPerNode?: number;

  /**
   * Node label key used to select nodes with this device.
   *
   * @default - no node selector
   * @see https://github.com/NVIDIA/k8s-device-plugin/blob/main/docs/gpu-feature-discovery/README.md
   */
  readonly nodeLabelKey?: string;

  /**
   * Node label value used to select nodes with this device. Required with `nodeLabelKey`.
   *
   * @default - no node selector
   * @see https://github.com/NVIDIA/k8s-device-plugin/blob/main/docs/gpu-feature-discovery/README.md
   */
  readonly nodeLabelValue?: string;

  /**
   * Taint key the GPU nodes carry; pods get a `NoSchedule` toleration for it.
   *
   * @default - a toleration for the resource name (e.g. `nvidia.com/gpu`)
   * @see https://cloud.google.com/kubernetes-engine/docs/how-to/gpus#create
   */
  readonly tolerationKey?: string;
}

// NVIDIA GPU Feature Discovery labels nodes `nvidia.com/gpu.product=<NVML product name, spaces as dashes>`
// (https://github.com/NVIDIA/k8s-device-plugin/blob/main/docs/gpu-feature-discovery/README.md,
// "nvidia.com/gpu.product"); e.g. NVIDIA-H100-80GB-HBM3 and NVIDIA-A100-SXM4-80GB as seen on GPU Operator nodes.
const GFD_PRODUCT_LABEL = 'nvidia.com/gpu.product';
// The NVIDIA device plugin advertises GPUs as the extended resource `nvidia.com/gpu`
// (https://github.com/NVIDIA/k8s-device-plugin#running-gpu-jobs).
const NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu';
// The AMD device plugin advertises `amd.com/gpu` (https://github.com/ROCm/k8s-device-plugin#example-workload).
const AMD_GPU_RESOURCE = 'amd.com/gpu';

/**
 * A GPU model: its extended resource name, memory, devices per node and node-selection label.
 *
 * Use a catalogue entry (`Accelerator.NVIDIA_H100_80GB`) or `Accelerator.custom(...)`.
 */
export class Accelerator {
  /**
   * NVIDIA H100 SXM 80 GB (HBM3), 8 per node. Reports 79.19 GiB to PyTorch (vLLM 0.19.0 startup logs,
   * init_total_memory_gib in llm-d-incubation/llm-d-planner@d3121e0 accuracy/results/v0.19.0/results_raw.csv).
   */
  public static readonly NVIDIA_H100_80GB = Accelerator.nvidia('H100-80GB', 80, 'NVIDIA-H100-80GB-HBM3', Size.mebibytes(81090));
  // H200 and B200: 8 GPUs per HGX/DGX node, 141 GB and 180 GB each (DGX H200: 1,128 GB of GPU memory over 8 GPUs;
  // DGX B200: 1,440 GB over 8 GPUs; https://www.nvidia.com/en-us/data-center/dgx-h200/ and /dgx-b200/).
  /** NVIDIA H200 141 GB, 8 per node. */
  public static readonly NVIDIA_H200 = Accelerator.nvidia('H200', 141, 'NVIDIA-H200');
  /** NVIDIA B200 180 GB, 8 per node. */
  public static readonly NVIDIA_B200 = Accelerator.nvidia('B200', 180, 'NVIDIA-B200');
  /** NVIDIA A100 SXM4 80 GB, 8 per node. */
  public static readonly NVIDIA_A100_80GB = Accelerator.nvidia('A100-80GB', 80, 'NVIDIA-A100-SXM4-80GB');
  /** NVIDIA A100 SXM4 40 GB, 8 per node. */
  public static readonly NVIDIA_A100_40GB = Accelerator.nvidia('A100-40GB', 40, 'NVIDIA-A100-SXM4-40GB');
  /**
   * NVIDIA L40S 48 GB, 8 per node. Reports 44.53 GiB to PyTorch ("GPU 6 has a total capacity of 44.53 GiB" on
   * L40S nodes, https://github.com/vllm-project/vllm/issues/15598).
   */
  public static readonly NVIDIA_L40S = Accelerator.nvidia('L40S', 48, 'NVIDIA-L40S', Size.mebibytes(45599));
  /** NVIDIA L4 24 GB, 8 per node. */
  public static readonly NVIDIA_L4 = Accelerator.nvidia('L4', 24, 'NVIDIA-L4');
  /** AMD Instinct MI300X 192 GB, 8 per node (no node selector: label schemes differ by AMD operator version). */
  public static readonly AMD_MI300X = new Accelerator({
    displayName: 'MI300X',
    resourceName: AMD_GPU_RESOURCE,
    memory: Size.gibibytes(192),
  });

  /**
   * Any other accelerator.
   */
  public static custom(options: CustomAcceleratorOptions): Accelerator {
    return new Accelerator(checkStruct('Accelerator', 'options', options, CUSTOM_ACCELERATOR_OPTIONS));
  }

  private static nvidia(displayName: string, memoryGiB: number, product: string, reportedMemory?: Size): Accelerator {
    return new Accelerator({
      displayName,
      resourceName: NVIDIA_GPU_RESOURCE,
      memory: Size.gibibytes(memoryGiB),
      reportedMemory,
      nodeLabelKey: GFD_PRODUCT_LABEL,
      nodeLabelValue: product,
    });
  }

  /** Short name used in messages. */
  public readonly displayName: string;
  /** Extended resource name, e.g. `nvidia.com/gpu`. */
  public readonly resourceName: string;
  /** Memory of one device. */
  public readonly memory: Size;
  /** Memory of one device as reported to PyTorch (`memory` when not known). */
  public readonly reportedMemory: Size;
  /** @internal Whether reportedMemory is a reported figure rather than the nominal memory. */
  public readonly _reportedMemoryKnown: boolean;
  /** Devices per node. */
  public readonly gpusPerNode: number;
  /** Node label key, if nodes are selected by label. */
  public readonly nodeLabelKey?: string;
  /** Node label value, if nodes are selected by label. */
  public readonly nodeLabelValue?: string;
  /** Taint key tolerated with `NoSchedule`. */
  public readonly tolerationKey: string;

  private constructor(options: CustomAcceleratorOptions) {
    const where = 'Accelerator';
    if (!options.displayName || !options.displayName.trim()) {
      throw invalid(where, 'displayName', options.displayName, 'must be a non-empty string');
    }
    requireInteger(where, 'gpusPerNode', options.gpusPerNode, 1);
    if ((options.nodeLabelKey === undefined) !== (options.nodeLabelValue === undefined)) {
      throw invalid(where, 'nodeLabelValue', options.nodeLabelValue,
        `must be given together with 'nodeLabelKey' (${options.nodeLabelKey ?? 'undefined'})`);
    }
    const resourceName = options.resourceName ?? NVIDIA_GPU_RESOURCE;
    // Extended resources are domain-prefixed names (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#extended-resources).
    if (!/^[a-z0-9.-]+\/[A-Za-z0-9._-]+$/.test(resourceName)) {
      throw invalid(where, 'resourceName', resourceName, "must be a domain-prefixed extended resource such as 'nvidia.com/gpu'");
    }
    this.displayName = options.displayName;
    this.resourceName = resourceName;
    this.memory = options.memory;
    this.reportedMemory = options.reportedMemory ?? options.memory;
    this._reportedMemoryKnown = options.reportedMemory !== undefined;
    this.gpusPerNode = options.gpusPerNode ?? 8;
    this.nodeLabelKey = options.nodeLabelKey;
    this.nodeLabelValue = options.nodeLabelValue;
    this.tolerationKey = options.tolerationKey ?? resourceName;
  }

  /**
   * The same accelerator on nodes with fewer devices (e.g. 4-GPU nodes). It cannot raise the count: a pod
   * asking for more GPUs than a node has never schedules; a replica larger than one node spans several
   * (`nodesPerReplica`), and another node type is `Accelerator.custom({ gpusPerNode })`.
   */
  public withGpusPerNode(gpusPerNode: number): Accelerator {
    int(1)('Accelerator', 'gpusPerNode', gpusPerNode);
    if (gpusPerNode > this.gpusPerNode) {
      throw invalid('Accelerator', 'gpusPerNode', gpusPerNode,
        `must not exceed the ${this.gpusPerNode} GPUs one ${this.displayName} node has: a pod asking for more never schedules. ` +
        "A tier larger than one node spans several (its replica's GPUs split over 'nodesPerReplica' pods); " +
        'for another node type use Accelerator.custom({ gpusPerNode })');
    }
    return new Accelerator({
      displayName: this.displayName,
      resourceName: this.resourceName,
      memory: this.memory,
      reportedMemory: this._reportedMemoryKnown ? this.reportedMemory : undefined,
      gpusPerNode,
      nodeLabelKey: this.nodeLabelKey,
      nodeLabelValue: this.nodeLabelValue,
      tolerationKey: this.tolerationKey,
    });
  }
}
