import { AutoscalerEngine, AutoscalingMetric, VllmVersion } from '../src';

describe('AutoscalingMetric', () => {
  test('names vLLM\'s own gauges with their per-pod targets', () => {
    const v = VllmVersion.of('0.32.0');
    expect(AutoscalingMetric.waitingRequests(5)._resolve('w', v)).toEqual({ prometheusName: 'vllm:num_requests_waiting', targetPerPod: 5, shortName: 'waiting-requests', podValue: 'sum' });
    expect(AutoscalingMetric.runningRequests(64)._resolve('w', v).prometheusName).toBe('vllm:num_requests_running');
    expect(AutoscalingMetric.kvCacheUsage(0.8)._resolve('w', VllmVersion.of('0.12.0')).prometheusName).toBe('vllm:kv_cache_usage_perc');
    expect(AutoscalingMetric.kvCacheUsage(0.8)._resolve('w', VllmVersion.of('0.12.0')).podValue).toBe('avg');
    expect(AutoscalingMetric.kvCacheUsage(0.8).displayName).toBe('kvCacheUsage(0.8)');
  });

  test('fails on targets that are not positive, too fine, or not fractions', () => {
    expect(() => AutoscalingMetric.runningRequests(-1)).toThrow(/AutoscalingMetric.runningRequests: 'targetPerPod' \(-1\) must be a positive number/);
    expect(() => AutoscalingMetric.waitingRequests(NaN)).toThrow(/'targetPerPod' \(NaN\) must be a finite number/);
    expect(() => AutoscalingMetric.kvCacheUsage(1.5)).toThrow(/'targetFraction' \(1.5\) must be a fraction in \(0, 1\]/);
    expect(() => AutoscalingMetric.kvCacheUsage(0.8125)).toThrow(/must have at most three decimals/);
  });
});

describe('AutoscalerEngine', () => {
  test('HPA by default, KEDA with a Prometheus address', () => {
    expect(AutoscalerEngine.hpa().displayName).toBe('HPA');
    expect(AutoscalerEngine.keda({ prometheusAddress: 'https://prometheus.example' }).displayName).toBe('KEDA');
  });

  test('fails on a missing or credentialed address and unknown options', () => {
    expect(() => AutoscalerEngine.keda({} as any)).toThrow(/AutoscalerEngine.keda: 'prometheusAddress' \(undefined\) is required \(KedaOptions.prometheusAddress\)/);
    expect(() => AutoscalerEngine.keda({ prometheusAddress: 'http://u:p@prom:9090' }))
      .toThrow(/'prometheusAddress' \('<redacted credentials>'\) must not carry credentials/);
    expect(() => AutoscalerEngine.keda({ prometheusAddress: 'http://prom:9090', cooldownPeriod: 1 } as any))
      .toThrow(/'cooldownPeriod' .* is not a prop of KedaOptions/);
  });
});
