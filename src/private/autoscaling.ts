/**
 * Autoscaler objects for one tier: an `autoscaling/v2` HorizontalPodAutoscaler (cdk8s-plus-28 L1) or a KEDA
 * ScaledObject (keda.sh/v1alpha1, KEDA v2.20.2 CRD, bindings in src/imports/). Both target the tier's workload
 * by its apiVersion/kind/name through the scale subresource (Deployment, or LeaderWorkerSet, which has one).
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { seriesLabelName } from './monitoring';
import type { KedaOptions } from '../autoscaler-engine';
import { ScaledObject } from '../imports/keda.sh_scaledobjects';

/** What an autoscaler reads of one metric. */
export interface ResolvedMetric {
  /** vLLM's Prometheus name, e.g. `vllm:num_requests_waiting`. */
  readonly prometheusName: string;
  /** The per-pod average the autoscaler keeps the tier at. */
  readonly targetPerPod: number;
  /** A short DNS-label name, for trigger names. */
  readonly shortName: string;
  /**
   * How a pod's data-parallel engines make up its value: vLLM exports each gauge once per engine (label `engine`;
   * `labelnames = ["model_name", "engine"]` in vllm/v1/metrics/loggers.py of the 0.22.0 and 0.32.0 wheels), so
   * request counts add up (`sum`) and a usage fraction is their mean (`avg`, or a DP=4 pod would read up to 4.0).
   */
  readonly podValue: 'sum' | 'avg';
}

/** An engine's settings. */
export interface EngineSettings {
  readonly kind: 'hpa' | 'keda';
  readonly keda?: KedaOptions;
}

/** Everything an autoscaler renders from. */
export interface AutoscalerSpec {
  readonly labels: { [key: string]: string };
  readonly target: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly metrics: ReadonlyArray<ResolvedMetric>;
  readonly scaleDownStabilizationSeconds?: number;
}

/**
 * The custom-metrics name prometheus-adapter serves a vLLM gauge under: `vllm:x` -> `vllm_x`, as the vLLM
 * production-stack's adapter config renames them (vllm-project/production-stack observability/prom-adapter.yaml at a7d2672:
 * `as: "vllm_num_requests_waiting"`; that rule aggregates per namespace, the README's rule serves each pod).
 */
export function adapterMetricName(prometheusName: string): string {
  return prometheusName.replace(/:/g, '_');
}

/** Target values render as milli-quantities (0.8 -> 800m), exact for three decimals. */
function milli(value: number): k8s.Quantity {
  const m = Math.round(value * 1000);
  return k8s.Quantity.fromString(m % 1000 === 0 ? String(m / 1000) : `${m}m`);
}

/** An HPA on Pods metrics: the adapter answers per pod, the HPA keeps their average at each target. */
export function renderHpa(scope: Construct, id: string, s: AutoscalerSpec): ApiObject {
  return new k8s.KubeHorizontalPodAutoscalerV2(scope, id, {
    metadata: { labels: s.labels },
    spec: {
      scaleTargetRef: { apiVersion: s.target.apiVersion, kind: s.target.kind, name: s.target.name },
      minReplicas: s.minReplicas,
      maxReplicas: s.maxReplicas,
      metrics: s.metrics.map(m => ({
        type: 'Pods',
        pods: { metric: { name: adapterMetricName(m.prometheusName) }, target: { type: 'AverageValue', averageValue: milli(m.targetPerPod) } },
      })),
      behavior: s.scaleDownStabilizationSeconds === undefined
        ? undefined
        : { scaleDown: { stabilizationWindowSeconds: s.scaleDownStabilizationSeconds } },
    },
  });
}

/** What a KEDA ScaledObject needs beyond the spec. */
export interface KedaInput {
  readonly options: KedaOptions;
  readonly pollingIntervalSeconds?: number;
  /** Namespace of the tier's pods (the series' `namespace` label). */
  readonly namespace: string;
  /** The tier's pod labels the monitor copied onto its series, by Kubernetes label key. */
  readonly seriesSelector: { [key: string]: string };
  /** Decode follows prefill: the prefill pods' selector and the target prefill pods per decode pod. */
  readonly ratio?: { readonly podSelector: { [key: string]: string }; readonly prefillPerDecode: number };
}

/** PromQL label matchers, values escaped as PromQL double-quoted strings. */
function matchers(labels: { [key: string]: string }): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
}

/**
 * A ScaledObject: one prometheus trigger per metric (`sum(metric{tier}) / threshold` pods, KEDA's default
 * AverageValue), plus, for a declared prefill:decode ratio, a kubernetes-workload trigger (pods matching the
 * prefill selector / `value` = decode pods). KEDA feeds every trigger to one HPA, which takes the largest.
 */
export function renderScaledObject(scope: Construct, id: string, s: AutoscalerSpec, k: KedaInput): ApiObject {
  const tierSeries = matchers({
    namespace: k.namespace,
    ...Object.fromEntries(Object.entries(k.seriesSelector).map(([key, v]) => [seriesLabelName(key), v])),
  });
  const triggers = [
    ...s.metrics.map(m => ({
      type: 'prometheus',
      name: m.shortName,
      metadata: {
        serverAddress: k.options.prometheusAddress,
        query: m.podValue === 'avg'
          ? `sum(avg without (engine) (${m.prometheusName}{${tierSeries}}))`
          : `sum(${m.prometheusName}{${tierSeries}})`,
        threshold: String(m.targetPerPod),
      },
    })),
    ...(k.ratio ? [{
      type: 'kubernetes-workload',
      name: 'prefill-decode-ratio',
      metadata: {
        podSelector: Object.entries(k.ratio.podSelector).map(([key, v]) => `${key}=${v}`).join(','),
        value: String(k.ratio.prefillPerDecode),
      },
    }] : []),
  ];
  return new ScaledObject(scope, id, {
    metadata: { labels: s.labels },
    spec: {
      scaleTargetRef: { apiVersion: s.target.apiVersion, kind: s.target.kind, name: s.target.name },
      minReplicaCount: s.minReplicas,
      maxReplicaCount: s.maxReplicas,
      pollingInterval: k.pollingIntervalSeconds,
      advanced: s.scaleDownStabilizationSeconds === undefined
        ? undefined
        : { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: s.scaleDownStabilizationSeconds } } } },
      triggers,
    },
  });
}
