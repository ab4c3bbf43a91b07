import { Duration } from 'cdk8s';
import type { EngineSettings } from './private/autoscaling';
import { checkStruct } from './private/boundary';
import { KEDA_OPTIONS } from './private/factory-keys';

/**
 * Options for `AutoscalerEngine.keda()`.
 */
export interface KedaOptions {
  /**
   * The Prometheus that scrapes the tiers (KEDA's prometheus trigger `serverAddress`), e.g.
   * `http://prometheus-operated.monitoring:9090`.
   *
   * @see https://keda.sh/docs/2.20/scalers/prometheus/
   */
  readonly prometheusAddress: string;

  /**
   * How often KEDA checks the triggers, in whole seconds.
   *
   * @default Duration.seconds(30) (KEDA's default)
   * @see https://keda.sh/docs/2.20/reference/scaledobject-spec/#pollinginterval
   */
  readonly pollingInterval?: Duration;
}

/**
 * Which controller scales a tier.
 *
 * | Engine | Object | Cluster needs |
 * |---|---|---|
 * | `hpa()` | `autoscaling/v2` HorizontalPodAutoscaler on Pods metrics | a custom-metrics adapter serving vLLM's gauges (prometheus-adapter) |
 * | `keda()` | KEDA `ScaledObject` (keda.sh/v1alpha1, KEDA v2.20) with prometheus triggers | KEDA and a Prometheus that scrapes the tier through its `monitoring` |
 */
export class AutoscalerEngine {
  /**
   * A Kubernetes HorizontalPodAutoscaler (`autoscaling/v2`) on Pods metrics. The metrics API has no vLLM
   * gauges by itself: install prometheus-adapter with a rule that serves each gauge per pod under its name with
   * `:` replaced by `_` (e.g. `vllm_num_requests_waiting`), the naming the vLLM production-stack's adapter config
   * uses (see the README, "Autoscaling").
   *
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  public static hpa(): AutoscalerEngine {
    return new AutoscalerEngine({ kind: 'hpa' });
  }

  /**
   * A KEDA ScaledObject querying Prometheus directly (no metrics adapter of your own). Its queries select the
   * tier's series by the labels the tier's monitor attaches, so the tier needs `monitoring`.
   *
   * @see https://keda.sh/docs/2.20/concepts/scaling-deployments/
   */
  public static keda(options: KedaOptions): AutoscalerEngine {
    return new AutoscalerEngine({ kind: 'keda', keda: checkStruct('AutoscalerEngine.keda', 'options', options, KEDA_OPTIONS) });
  }

  /** `HPA` or `KEDA`, for messages. */
  public readonly displayName: string;

  /** @internal */
  public readonly _settings: EngineSettings;

  private constructor(settings: EngineSettings) {
    this._settings = settings;
    this.displayName = settings.kind === 'hpa' ? 'HPA' : 'KEDA';
  }
}
