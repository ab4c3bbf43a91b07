/**
 * Metrics objects: one PodMonitor or ServiceMonitor (prometheus-operator v0.93.0 CRDs, bindings in
 * src/imports/) per tier and for the router, selecting the pods (or the Service) by the selector labels.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { invalid, wholeSeconds } from './errors';
import { COMPONENT_LABEL, INSTANCE_LABEL } from './labels';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../imports/monitoring.coreos.com_podmonitors';
import { ServiceMonitor, ServiceMonitorSpecEndpointsScheme } from '../imports/monitoring.coreos.com_servicemonitors';
import { MonitorKind, MonitoringOptions, ScrapeScheme } from '../monitoring';

/**
 * Prometheus' Kubernetes service discovery exposes each pod label as `__meta_kubernetes_pod_label_<name>`,
 * "with any unsupported characters converted to an underscore"; the endpoints and endpointslice roles attach
 * the same pod labels to pod-backed targets
 * (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#kubernetes_sd_config).
 */
export function seriesLabelName(kubernetesLabel: string): string {
  return kubernetesLabel.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** The pod labels copied onto every scraped series, so one deployment's tiers and router can be told apart. */
export const SERIES_LABELS: ReadonlyArray<string> = [INSTANCE_LABEL, COMPONENT_LABEL];

/** Monitoring settings, resolved and checked. */
export interface ResolvedMonitoring {
  readonly kind: MonitorKind;
  readonly intervalSeconds?: number;
  readonly scrapeTimeoutSeconds?: number;
  readonly labels: { [key: string]: string };
  readonly scheme: ScrapeScheme;
}

/** Checks the rules across fields (the boundary has checked each field's type and syntax). */
export function resolveMonitoring(where: string, prop: string, o: MonitoringOptions | undefined): ResolvedMonitoring | undefined {
  if (o === undefined) return undefined;
  const kind = o.kind ?? MonitorKind.POD_MONITOR;
  const scheme = o.scheme ?? ScrapeScheme.HTTP;
  if (!Object.values(MonitorKind).includes(kind)) {
    throw invalid(where, `${prop}.kind`, kind, `must be one of ${Object.values(MonitorKind).join(', ')} (MonitorKind)`);
  }
  if (!Object.values(ScrapeScheme).includes(scheme)) {
    throw invalid(where, `${prop}.scheme`, scheme, `must be one of ${Object.values(ScrapeScheme).join(', ')} (ScrapeScheme)`);
  }
  const interval = o.interval === undefined ? undefined : wholeSeconds(where, `${prop}.interval`, o.interval, 1);
  const timeout = o.scrapeTimeout === undefined ? undefined : wholeSeconds(where, `${prop}.scrapeTimeout`, o.scrapeTimeout, 1);
  // Prometheus refuses a scrape_timeout greater than the scrape_interval (config.go ScrapeConfig.Validate).
  if (interval !== undefined && timeout !== undefined && timeout > interval) {
    throw invalid(where, `${prop}.scrapeTimeout`, `${timeout}s`, `must not exceed ${prop}.interval (${interval}s): Prometheus refuses a scrape timeout above the interval`);
  }
  return { kind, intervalSeconds: interval, scrapeTimeoutSeconds: timeout, labels: o.labels ?? {}, scheme };
}

/** What to scrape. */
export interface MonitorTarget {
  /** Labels of the monitor object. */
  readonly labels: { [key: string]: string };
  /** Selects the pods (PodMonitor) or the Service (ServiceMonitor). */
  readonly selector: { [key: string]: string };
  /** Named port on the container (PodMonitor) and on the Service (ServiceMonitor). */
  readonly portName: string;
  readonly path: string;
}

/** The PodMonitor or ServiceMonitor (id `Monitor`) of one tier or router. */
export function renderMonitor(scope: Construct, id: string, where: string, prop: string, m: ResolvedMonitoring, t: MonitorTarget): ApiObject {
  for (const [k, v] of Object.entries(m.labels)) {
    if (k in t.labels && t.labels[k] !== v) {
      throw invalid(where, `${prop}.labels.${k}`, v, `collides with the library's label ${k}=${t.labels[k]}; choose another key`);
    }
  }
  const endpoint = {
    port: t.portName,
    path: t.path,
    interval: m.intervalSeconds === undefined ? undefined : `${m.intervalSeconds}s`,
    scrapeTimeout: m.scrapeTimeoutSeconds === undefined ? undefined : `${m.scrapeTimeoutSeconds}s`,
    relabelings: SERIES_LABELS.map(l => ({
      sourceLabels: [`__meta_kubernetes_pod_label_${seriesLabelName(l)}`],
      targetLabel: seriesLabelName(l),
    })),
  };
  const metadata = { labels: { ...t.labels, ...m.labels } };
  const selector = { matchLabels: t.selector };
  const https = m.scheme === ScrapeScheme.HTTPS;
  if (m.kind === MonitorKind.SERVICE_MONITOR) {
    const scheme = https ? ServiceMonitorSpecEndpointsScheme.HTTPS : ServiceMonitorSpecEndpointsScheme.HTTP;
    return new ServiceMonitor(scope, id, { metadata, spec: { selector, endpoints: [{ ...endpoint, scheme }] } });
  }
  const scheme = https ? PodMonitorSpecPodMetricsEndpointsScheme.HTTPS : PodMonitorSpecPodMetricsEndpointsScheme.HTTP;
  return new PodMonitor(scope, id, { metadata, spec: { selector, podMetricsEndpoints: [{ ...endpoint, scheme }] } });
}
