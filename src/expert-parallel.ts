/**
 * `--all2all-backend`: how MoE layers exchange tokens between expert-parallel ranks
 * (`All2AllBackend` in vllm/config/parallel.py of vLLM 0.22.0 and 0.32.0).
 *
 * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
 */
export class All2allBackend {
  /** All-gather and reduce-scatter over NCCL: vLLM's default, works on any fabric. */
  public static readonly ALLGATHER_REDUCESCATTER = new All2allBackend('allgather_reducescatter', false);
  /**
   * DeepEP high-throughput kernels: large batches, the prefill side of wide-EP PD (llm-d wide-ep-lws,
   * vLLM's expert-parallel deployment guide). Needs NVSHMEM over RDMA between nodes.
   */
  public static readonly DEEPEP_HIGH_THROUGHPUT = new All2allBackend('deepep_high_throughput', true);
  /**
   * DeepEP low-latency kernels: small batches, the decode side of wide-EP PD (llm-d wide-ep-lws,
   * vLLM's expert-parallel deployment guide). Needs NVSHMEM over RDMA between nodes.
   */
  public static readonly DEEPEP_LOW_LATENCY = new All2allBackend('deepep_low_latency', true);

  /** The value of `--all2all-backend`. */
  public readonly name: string;

  /**
   * DeepEP kernels: NVSHMEM needs RDMA between nodes and locked memory (`IPC_LOCK`).
   * @internal
   */
  public readonly _deepEp: boolean;

  private constructor(name: string, deepEp: boolean) {
    this.name = name;
    this._deepEp = deepEp;
  }
}

/**
 * `--eplb-config`: expert-parallel load balancing (`EPLBConfig` in vllm/config/parallel.py of vLLM 0.22.0
 * and 0.32.0). Unset fields keep vLLM's defaults.
 */
export interface EplbConfig {
  /**
   * `window_size`: steps of expert load recorded.
   *
   * @default - vLLM's default (1000)
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly windowSize?: number;

  /**
   * `step_interval`: steps between expert rearrangements.
   *
   * @default - vLLM's default (3000)
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly stepInterval?: number;

  /**
   * `num_redundant_experts`: extra expert replicas spread over the EP ranks. Each costs GPU memory
   * (about 2 GB per redundant expert per GPU on DeepSeek-V3, llm-d wide-ep-lws decode.yaml).
   *
   * @default - vLLM's default (0)
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly numRedundantExperts?: number;

  /**
   * `log_balancedness`: log the expert balance every step (costs communication).
   *
   * @default - vLLM's default (false)
   * @see https://docs.vllm.ai/en/latest/serving/expert_parallel_deployment.html
   */
  readonly logBalancedness?: boolean;
}
