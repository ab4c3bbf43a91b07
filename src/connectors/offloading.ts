import { Size } from 'cdk8s';
import type { KvConnectorCommonOptions } from '../kv-connector-options';
import { AttentionKind } from '../model';
import { Capability, has, range, requireCapability } from '../private/compat';
import { ConnectorImpl, ConnectorRendering, Transport } from '../private/connector-context';
import { invalid, requireInteger } from '../private/errors';
import { bytesOf } from '../private/size';
import type { TierSpec } from '../private/tier-spec';
import { KvRole, TierRole } from '../roles';

/**
 * Options for `KvConnector.offloading()`.
 *
 * @see https://docs.vllm.ai/en/latest/features/kv_offloading_usage.html
 */
export interface OffloadingConnectorOptions extends KvConnectorCommonOptions {
  /**
   * `cpu_bytes_to_use`: CPU memory for offloaded KV per vLLM instance, in total across its workers
   * (newer vLLM; see the version table). The pod's memory request and limit grow by this amount per data-parallel engine,
   * and so does its /dev/shm, where vLLM 0.27.0+ keeps the store. Before 0.27.0 the store is pinned tensors, which
   * PyTorch's host allocator rounds up to powers of two (up to 2x), so the memory grows by the rounded bytes instead.
   *
   * @default - required unless numCpuBlocks is given (older vLLM)
   * @see https://docs.vllm.ai/en/latest/features/kv_offloading_usage.html
   */
  readonly cpuBytesToUse?: Size;

  /**
   * `num_cpu_blocks`: the older vLLM sizing, in offloaded blocks per worker. The library cannot derive
   * bytes from it, so the tier must set `resources.memory` explicitly.
   *
   * @default - use cpuBytesToUse
   * @see https://docs.vllm.ai/en/latest/features/kv_offloading_usage.html
   */
  readonly numCpuBlocks?: number;

  /**
   * `block_size`: tokens per offloaded block, a multiple of the tier's `blockSize`
   * (`assert offloaded_block_size % gpu_block_size == 0`, vllm/v1/kv_offload/spec.py).
   *
   * @default - the GPU block size
   * @see https://docs.vllm.ai/en/latest/features/kv_offloading_usage.html
   */
  readonly blockSize?: number;
}

/**
 * vLLM's OffloadingConnector: CPU (or tiered) KV offload, a prefix-cache extension. It does not move
 * KV between prefill and decode. Roles: always `kv_both` (docs/features/kv_offloading_usage.md).
 */
export class OffloadingConnectorImpl implements ConnectorImpl {
  public readonly displayName = 'OffloadingConnector';
  private readonly options: OffloadingConnectorOptions;

  public constructor(options: OffloadingConnectorOptions) {
    const where = 'KvConnector.offloading';
    this.options = options ?? {};
    const o = this.options;
    if ((o.cpuBytesToUse === undefined) === (o.numCpuBlocks === undefined)) {
      throw invalid(where, 'cpuBytesToUse', o.cpuBytesToUse ? `${bytesOf(o.cpuBytesToUse)} bytes` : undefined,
        'must be given (or numCpuBlocks on older vLLM releases), but not both');
    }
    if (o.cpuBytesToUse !== undefined && bytesOf(o.cpuBytesToUse) < 1024 ** 2) {
      throw invalid(where, 'cpuBytesToUse', `${bytesOf(o.cpuBytesToUse)} bytes`, 'must be at least 1 MiB');
    }
    requireInteger(where, 'numCpuBlocks', o.numCpuBlocks, 1);
    requireInteger(where, 'blockSize', o.blockSize, 1);
  }

  public transport(): Transport | undefined {
    return undefined;
  }

  public defaultKvRole(_tier: TierRole): KvRole {
    return KvRole.KV_BOTH;
  }

  public allowedKvRoles(_tier: TierRole): KvRole[] {
    return [KvRole.KV_BOTH];
  }

  public render(spec: TierSpec): ConnectorRendering {
    const o = this.options;
    // One offloading store of cpu_bytes_to_use per vLLM engine, and a pod runs one engine per data-parallel rank it
    // holds. From 0.27.0 each store is a file in /dev/shm (vllm/v1/kv_offload/cpu/spec.py create_worker on CUDA,
    // shared_offload_region.py `/dev/shm/vllm_offload_{engine_id}.mmap`, refused by check_shm_free_space in
    // vllm/distributed/device_communicators/shm_broadcast.py when /dev/shm is smaller; compat OFFLOADING_SHARED_REGION),
    // so /dev/shm grows by the same bytes. Before, each worker pins private tensors, which PyTorch's host allocator
    // rounds up to powers of two (`pinnedStoreBytes`), so the memory limit counts the rounded bytes.
    const store = o.cpuBytesToUse ? bytesOf(o.cpuBytesToUse) : 0;
    const shared = has(spec.version, Capability.OFFLOADING_SHARED_REGION);
    const perEngine = shared ? store : pinnedStoreBytes(store, spec);
    const offloadBytes = perEngine * spec.dataParallelSizeLocal;
    const extra: Record<string, unknown> = {};
    if (o.blockSize !== undefined) extra.block_size = o.blockSize;
    if (o.cpuBytesToUse !== undefined) extra.cpu_bytes_to_use = bytesOf(o.cpuBytesToUse);
    if (o.numCpuBlocks !== undefined) extra.num_cpu_blocks = o.numCpuBlocks;
    return {
      connectorName: 'OffloadingConnector',
      extraConfig: extra,
      pod: { extraMemoryBytes: offloadBytes, sharedMemoryBytes: shared ? offloadBytes || undefined : undefined },
    };
  }

  public validateTier(ctx: TierSpec): void {
    requireCapability(ctx.version, Capability.OFFLOADING_CONNECTOR, ctx.where, 'kvConnector', this.displayName);
    if (this.options.cpuBytesToUse !== undefined) {
      requireCapability(ctx.version, Capability.OFFLOADING_CPU_BYTES, ctx.where, 'cpuBytesToUse',
        `${bytesOf(this.options.cpuBytesToUse)} bytes`, `Releases in ${range(Capability.OFFLOADING_NUM_CPU_BLOCKS)} read numCpuBlocks instead`);
    }
    if (this.options.numCpuBlocks !== undefined) {
      requireCapability(ctx.version, Capability.OFFLOADING_NUM_CPU_BLOCKS, ctx.where, 'numCpuBlocks', this.options.numCpuBlocks,
        `Releases in ${range(Capability.OFFLOADING_CPU_BYTES)} read cpuBytesToUse instead`);
    }
    if (this.options.numCpuBlocks !== undefined && !ctx.memoryExplicit) {
      throw invalid(ctx.where, 'resources.memory', undefined,
        `must be set explicitly with numCpuBlocks (${this.options.numCpuBlocks}): block bytes depend on the model, so the offload memory cannot be added for you`);
    }
    const gpuBlock = ctx.blockSize;
    if (this.options.blockSize !== undefined && gpuBlock !== undefined && this.options.blockSize % gpuBlock !== 0) {
      throw invalid(ctx.where, 'kvConnector.blockSize', this.options.blockSize,
        `must be a multiple of the tier's blockSize (${gpuBlock}) (vllm/v1/kv_offload/spec.py)`);
    }
    if (this.options.blockSize !== undefined && gpuBlock === undefined) {
      throw invalid(ctx.where, 'blockSize', undefined,
        `must be set on the tier when the OffloadingConnector's blockSize (${this.options.blockSize}) is, so the multiple can be checked`);
    }
  }
}

/**
 * The host memory one engine's pinned CPU store takes before vLLM 0.27.0. Each worker (tensorParallelSize x
 * pipelineParallelSize of them) allocates `torch.zeros((num_cpu_blocks, page_bytes), pin_memory=True)` per KV tensor
 * of its layers (CpuGpuOffloadingHandlers, vllm/v1/kv_offload/cpu/gpu_worker.py; num_cpu_blocks from
 * cpu_bytes_to_use over all workers' block bytes, spec.py), and PyTorch's CachingHostAllocator rounds every
 * allocation up to the next power of two (`c10::llvm::PowerOf2Ceil`, ATen/core/CachingHostAllocator.h of torch 2.11,
 * the one the vllm 0.22.0 wheel installs; measured: 1.92x on GB200 in vllm-project/vllm issue #53042, 6 -> 8, 10 -> 16 and
 * 12 -> 16 GiB in the table of vllm-project/vllm PR #50094, 80 -> 128 GiB per worker in PR #48436). The tensors per worker are one
 * per layer, two (K and V) per layer, or one for all layers (the cross-layer layout), depending on the attention
 * backend, so the largest of those roundings is counted. A model whose tensors may differ in size (sliding windows,
 * hybrids) or whose layers are not known is counted at twice the store, which no rounding reaches.
 */
function pinnedStoreBytes(store: number, spec: TierSpec): number {
  if (store === 0) return 0;
  const arch = spec.model.architecture;
  const layers = arch?.numHiddenLayers;
  if (!arch || layers === undefined || arch.slidingWindow !== undefined || arch.attention === AttentionKind.HYBRID_MAMBA) return 2 * store;
  const workers = spec.tensorParallelSize * spec.pipelineParallelSize;
  const perStage = Math.ceil(layers / spec.pipelineParallelSize);
  const rounded = (tensors: number) => tensors * workers * powerOfTwoCeil(Math.ceil(store / (tensors * workers)));
  return Math.max(rounded(1), rounded(perStage), rounded(2 * perStage));
}

function powerOfTwoCeil(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}
