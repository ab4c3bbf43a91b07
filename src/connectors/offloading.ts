import { Size } from 'cdk8s';
import type { KvConnectorCommonOptions } from '../kv-connector-options';
import { Capability, range, requireCapability } from '../private/compat';
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
   * (newer vLLM; see the version table). The pod's memory request and limit grow by this amount per data-parallel engine.
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
    // holds. vLLM 0.32.0 keeps each store as a file in /dev/shm (vllm/v1/kv_offload/cpu/spec.py create_worker on
    // CUDA, shared_offload_region.py `/dev/shm/vllm_offload_{engine_id}.mmap`, refused by check_shm_free_space in
    // vllm/distributed/device_communicators/shm_broadcast.py when /dev/shm is smaller; vllm-project/vllm PR #50094),
    // so /dev/shm grows by the same bytes; 0.22.0 still pins private tensors (spec.py create_handlers), where the
    // larger /dev/shm limit is headroom nobody uses (a tmpfs takes memory only as files fill it).
    const offloadBytes = o.cpuBytesToUse ? bytesOf(o.cpuBytesToUse) * spec.dataParallelSizeLocal : 0;
    const extra: Record<string, unknown> = {};
    if (o.blockSize !== undefined) extra.block_size = o.blockSize;
    if (o.cpuBytesToUse !== undefined) extra.cpu_bytes_to_use = bytesOf(o.cpuBytesToUse);
    if (o.numCpuBlocks !== undefined) extra.num_cpu_blocks = o.numCpuBlocks;
    return {
      connectorName: 'OffloadingConnector',
      extraConfig: extra,
      pod: { extraMemoryBytes: offloadBytes, sharedMemoryBytes: offloadBytes || undefined },
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

