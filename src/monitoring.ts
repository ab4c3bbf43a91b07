import { Duration } from 'cdk8s';

/**
 * Which Prometheus operator object scrapes the pods.
 *
 * @see https://prometheus-operator.dev/docs/developer/getting-started/
 */
export enum MonitorKind {
  /** A `PodMonitor` selecting the pods by their labels (works whatever Service fronts them). */
  POD_MONITOR = 'PodMonitor',
  /** A `ServiceMonitor` selecting the construct's Service by its labels. */
  SERVICE_MONITOR = 'ServiceMonitor',
}

/**
 * Scheme Prometheus scrapes with.
 *
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PodMetricsEndpoint
 */
export enum ScrapeScheme {
  /** Plain HTTP: vLLM's and vllm-router's default. */
  HTTP = 'http',
  /** HTTPS: only for vLLM started with `--ssl-certfile` (in `extraArgs`). */
  HTTPS = 'https',
}

/**
 * Metrics scraping by the Prometheus operator (`monitoring.coreos.com/v1`, CRDs of prometheus-operator v0.93.0).
 * vLLM serves Prometheus metrics at `/metrics` on its HTTP port; vllm-router on its metrics port (29000).
 *
 * Every scraped series also carries the pods' `app.kubernetes.io/instance` and `app.kubernetes.io/component`
 * labels as `app_kubernetes_io_instance` and `app_kubernetes_io_component` (relabelled from the
 * Kubernetes service discovery's pod labels), so queries, dashboards and `TierAutoscaler` can tell the
 * prefill, decode and router series of one deployment apart.
 */
export interface MonitoringOptions {
  /**
   * PodMonitor or ServiceMonitor.
   *
   * @default MonitorKind.POD_MONITOR
   * @see https://prometheus-operator.dev/docs/developer/getting-started/
   */
  readonly kind?: MonitorKind;

  /**
   * Scrape interval, in whole seconds.
   *
   * @default - the Prometheus' global scrape interval
   * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config
   */
  readonly interval?: Duration;

  /**
   * Scrape timeout, in whole seconds; at most `interval`.
   *
   * @default - the Prometheus' global scrape timeout
   * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config
   */
  readonly scrapeTimeout?: Duration;

  /**
   * Labels of the monitor object itself, so the Prometheus' `podMonitorSelector` or `serviceMonitorSelector`
   * picks it (e.g. `{ release: 'kube-prometheus-stack' }` for the kube-prometheus-stack chart's default).
   *
   * @default - the library's labels only
   * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.PrometheusSpec
   */
  readonly labels?: { [key: string]: string };

  /**
   * Scheme of the scrape.
   *
   * @default ScrapeScheme.HTTP
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly scheme?: ScrapeScheme;
}
