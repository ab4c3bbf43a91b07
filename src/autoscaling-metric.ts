import type { ResolvedMetric } from './private/autoscaling';
import { finite } from './private/boundary';
import { Capability, requireCapability } from './private/compat';
import { invalid } from './private/errors';
import { VllmVersion } from './vllm-version';

/**
 * A vLLM metric a `TierAutoscaler` scales a tier on, with its per-pod target. The names are vLLM's own
 * Prometheus gauges (vllm/v1/metrics/loggers.py `PrometheusStatLogger`, read in the 0.12.0, 0.22.0 and 0.32.0
 * wheels), labelled `model_name` and `engine` (one series per data-parallel engine; summed per pod).
 *
 * Both engines keep the per-pod average at the target: desired pods = ceil(sum over the tier's pods / target)
 * (Kubernetes HPA AverageValue; KEDA's prometheus trigger with the default AverageValue metric type).
 */
export class AutoscalingMetric {
  /**
   * Requests waiting to be scheduled, per pod (`vllm:num_requests_waiting`). The queue a prefill tier
   * builds under load. On decode it also counts requests whose KV is still being transferred.
   *
   * @param targetPerPod waiting requests per pod to aim for, e.g. 5
   */
  public static waitingRequests(targetPerPod: number): AutoscalingMetric {
    return new AutoscalingMetric('waitingRequests', 'vllm:num_requests_waiting', 'waiting-requests', 'sum', positive('AutoscalingMetric.waitingRequests', 'targetPerPod', targetPerPod));
  }

  /**
   * Requests in the running batch, per pod (`vllm:num_requests_running`).
   *
   * @param targetPerPod running requests per pod to aim for, e.g. 64
   */
  public static runningRequests(targetPerPod: number): AutoscalingMetric {
    return new AutoscalingMetric('runningRequests', 'vllm:num_requests_running', 'running-requests', 'sum', positive('AutoscalingMetric.runningRequests', 'targetPerPod', targetPerPod));
  }

  /**
   * KV cache usage, a fraction per pod (`vllm:kv_cache_usage_perc`, "1 means 100 percent usage"; named
   * `vllm:gpu_cache_usage_perc` before every release this library supports). The load signal of a decode tier.
   * vLLM exports it per data-parallel engine; a pod's value is the mean of its engines'.
   *
   * @param targetFraction usage in (0, 1] to aim for, e.g. 0.8
   */
  public static kvCacheUsage(targetFraction: number): AutoscalingMetric {
    const where = 'AutoscalingMetric.kvCacheUsage';
    const target = positive(where, 'targetFraction', targetFraction);
    if (target > 1) throw invalid(where, 'targetFraction', target, 'must be a fraction in (0, 1], e.g. 0.8 (the gauge is 1 at 100 percent usage)');
    return new AutoscalingMetric('kvCacheUsage', 'vllm:kv_cache_usage_perc', 'kv-cache-usage', 'avg', target, Capability.KV_CACHE_USAGE_PERC_METRIC);
  }

  /** Name for messages, e.g. `waitingRequests(5)`. */
  public readonly displayName: string;

  private constructor(
    factory: string,
    private readonly prometheusName: string,
    private readonly shortName: string,
    private readonly podValue: 'sum' | 'avg',
    private readonly target: number,
    private readonly capability?: Capability,
  ) {
    this.displayName = `${factory}(${target})`;
  }

  /**
   * The metric as the tier's vLLM release names it.
   * @internal
   */
  public _resolve(where: string, version: VllmVersion): ResolvedMetric {
    if (this.capability) requireCapability(version, this.capability, where, 'metrics', this.displayName);
    return { prometheusName: this.prometheusName, targetPerPod: this.target, shortName: this.shortName, podValue: this.podValue };
  }
}

/** A positive target with at most three decimals (rendered as a milli-quantity for the HPA). */
function positive(where: string, prop: string, value: number): number {
  finite()(where, prop, value);
  if (!(value > 0)) throw invalid(where, prop, value, 'must be a positive number');
  if (Math.abs(Math.round(value * 1000) - value * 1000) > 1e-6) {
    throw invalid(where, prop, value, 'must have at most three decimals (a Kubernetes milli-quantity)');
  }
  return value;
}
