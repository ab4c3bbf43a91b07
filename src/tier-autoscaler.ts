import { ApiObject, Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AutoscalerEngine } from './autoscaler-engine';
import { AutoscalingMetric } from './autoscaling-metric';
import { IPdTier } from './pd-tier';
import { renderHpa, renderScaledObject, ResolvedMetric } from './private/autoscaling';
import { checkStruct } from './private/boundary';
import { invalid, wholeSeconds } from './private/errors';
import { COMPONENT_LABEL, INSTANCE_LABEL, MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL } from './private/labels';
import { SERIES_LABELS } from './private/monitoring';
import { TIER_AUTOSCALER_PROPS } from './private/tier-keys';
import { TierRole } from './roles';
import { VllmTier } from './vllm-tier';

/**
 * A declared prefill:decode ratio for teams that scale both tiers: decode keeps at least
 * `decodePerPrefill` pods per prefill pod.
 */
export interface PrefillDecodeRatio {
  /** The prefill tier's autoscaler (of the same PD deployment). */
  readonly prefill: TierAutoscaler;

  /**
   * Decode pods per prefill pod, e.g. 2 for 1P:2D, 0.5 for 2P:1D. Decode's bounds derive from prefill's:
   * at least ceil(prefill min x ratio) and ceil(prefill max x ratio) pods.
   */
  readonly decodePerPrefill: number;
}

/**
 * Props of a `TierAutoscaler`.
 */
export interface TierAutoscalerProps {
  /** The tier to scale (`service.prefill`, `service.decode`, or a standalone tier). */
  readonly tier: IPdTier;

  /**
   * vLLM metrics to scale on, each with its per-pod target; the tier is scaled to satisfy the most demanding.
   *
   * @default [] (only with a KEDA `ratio`: decode then follows prefill alone)
   * @see https://docs.vllm.ai/en/latest/design/metrics.html
   */
  readonly metrics?: AutoscalingMetric[];

  /**
   * Fewest pods. At least 1: scale-to-zero is refused behind a PD router (see the README, "Autoscaling").
   *
   * @default 1, or ceil(prefill's minReplicas x ratio) with a `ratio`
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  readonly minReplicas?: number;

  /**
   * Most pods. Required unless a `ratio` derives it.
   *
   * @default - ceil(prefill's maxReplicas x ratio) with a `ratio`
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
   */
  readonly maxReplicas?: number;

  /**
   * HPA or KEDA.
   *
   * @default AutoscalerEngine.hpa()
   * @see https://keda.sh/docs/2.20/concepts/scaling-deployments/
   */
  readonly engine?: AutoscalerEngine;

  /**
   * On a decode tier: keep at least `decodePerPrefill` decode pods per prefill pod. Decode's bounds derive
   * from (and are checked against) prefill's; with KEDA a kubernetes-workload trigger also holds the ratio
   * at run time, with the HPA only the bounds do.
   *
   * @default - decode scales on its own metrics only
   * @see https://keda.sh/docs/2.20/scalers/kubernetes-workload/
   */
  readonly ratio?: PrefillDecodeRatio;

  /**
   * How long load must stay low before pods are removed (a new vLLM pod takes minutes to load its model).
   *
   * @default - Kubernetes' default, 300 seconds
   * @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#stabilization-window
   */
  readonly scaleDownStabilization?: Duration;
}

/**
 * Scales one prefill or decode tier on vLLM's own metrics, with a Kubernetes HPA (`Resource`, an
 * `autoscaling/v2` HorizontalPodAutoscaler) or a KEDA ScaledObject (`Resource`). The tier's workload then
 * leaves `replicas` to it (`IPdTier.markHasAutoscaler()`); the target is the workload's apiVersion, kind and
 * name, so a LeaderWorkerSet tier is scaled by replica groups through its scale subresource.
 *
 * Checked at synth: 1 <= minReplicas <= maxReplicas, the router's needs (no static worker URLs, routing
 * policies that need two workers, Mooncake's single prefill pod on vllm-router), one autoscaler per tier,
 * and a declared prefill:decode ratio.
 *
 * @example
 * const svc = new PdService(chart, 'Llama', { model: Model.LLAMA_3_1_8B_INSTRUCT, monitoring: {} });
 * const prefill = new TierAutoscaler(chart, 'PrefillScaler', {
 *   tier: svc.prefill, maxReplicas: 4, metrics: [AutoscalingMetric.waitingRequests(5)],
 *   engine: AutoscalerEngine.keda({ prometheusAddress: 'http://prometheus-operated.monitoring:9090' }),
 * });
 * new TierAutoscaler(chart, 'DecodeScaler', {
 *   tier: svc.decode, metrics: [AutoscalingMetric.kvCacheUsage(0.8)],
 *   engine: AutoscalerEngine.keda({ prometheusAddress: 'http://prometheus-operated.monitoring:9090' }),
 *   ratio: { prefill, decodePerPrefill: 2 },
 * });
 */
export class TierAutoscaler extends Construct {
  /** The scaled tier. */
  public readonly tier: IPdTier;
  /** Fewest pods. */
  public readonly minReplicas: number;
  /** Most pods. */
  public readonly maxReplicas: number;
  /** HPA or KEDA. */
  public readonly engine: AutoscalerEngine;
  /** The HorizontalPodAutoscaler or ScaledObject. */
  public readonly resource: ApiObject;

  public constructor(scope: Construct, id: string, props: TierAutoscalerProps) {
    super(scope, id);
    const where = `TierAutoscaler '${this.node.path}'`;
    if (!props?.tier) throw invalid(where, 'tier', props?.tier, 'is required: pass a PrefillTier or DecodeTier (e.g. service.prefill)');
    props = checkStruct(where, 'props', props, TIER_AUTOSCALER_PROPS);
    const tier = props.tier;
    if (!(tier instanceof VllmTier)) {
      throw invalid(where, 'tier', tier.node.path, 'must be a PrefillTier or DecodeTier of this library (its workload and metrics are known)');
    }
    const spec = tier._spec;
    const engine = props.engine ?? AutoscalerEngine.hpa();
    const metrics: ResolvedMetric[] = (props.metrics ?? []).map(m => m._resolve(where, spec.version));
    const names = metrics.map(m => m.prometheusName);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw invalid(where, 'metrics', twice, 'lists the same metric twice; give each metric one target');

    // ---- the declared ratio: decode's bounds derive from prefill's
    const ratio = props.ratio;
    let derivedMin: number | undefined;
    let derivedMax: number | undefined;
    if (ratio) {
      if (tier.role !== TierRole.DECODE) {
        throw invalid(where, 'ratio', `on ${tier.role}`, "belongs on the decode tier's autoscaler, pointing at the prefill tier's");
      }
      if (!(ratio.prefill instanceof TierAutoscaler) || ratio.prefill.tier.role !== TierRole.PREFILL) {
        throw invalid(where, 'ratio.prefill', ratio.prefill?.node?.path, "must be the prefill tier's TierAutoscaler");
      }
      const prefillTier = ratio.prefill.tier as VllmTier;
      if (prefillTier._spec.instanceLabels[INSTANCE_LABEL] !== spec.instanceLabels[INSTANCE_LABEL] || Chart.of(prefillTier) !== Chart.of(tier)) {
        throw invalid(where, 'ratio.prefill', ratio.prefill.node.path,
          `scales ${prefillTier.node.path}, which is not the prefill tier of ${tier.node.path}'s PD deployment`);
      }
      // ceil with a tolerance: 3 x 0.1 is 0.30000000000000004 in doubles.
      const ceil = (x: number) => Math.ceil(x - 1e-9);
      if (ratio.decodePerPrefill < 0.01 || ratio.decodePerPrefill > 100) {
        throw invalid(where, 'ratio.decodePerPrefill', ratio.decodePerPrefill, 'must be between 0.01 and 100 decode pods per prefill pod');
      }
      derivedMin = ceil(ratio.prefill.minReplicas * ratio.decodePerPrefill);
      derivedMax = ceil(ratio.prefill.maxReplicas * ratio.decodePerPrefill);
    }
    const minReplicas = props.minReplicas ?? derivedMin ?? 1;
    const maxReplicas = props.maxReplicas ?? derivedMax;
    if (maxReplicas === undefined) throw invalid(where, 'maxReplicas', undefined, 'is required (or derived from a ratio on the decode tier)');
    if (minReplicas < 1) {
      throw invalid(where, 'minReplicas', minReplicas,
        "must be at least 1: behind a PD router a tier at zero pods makes the router unready (vllm-router's /readiness needs a healthy " +
        "prefill and decode worker, src/routers/http/pd_router.rs in 0.1.15) and every request fails instead of queueing; and vLLM's own metrics vanish with the " +
        'pods, so nothing could scale the tier up again');
    }
    if (maxReplicas < minReplicas) throw invalid(where, 'maxReplicas', maxReplicas, `must be >= minReplicas (${minReplicas})`);
    if (ratio && derivedMin !== undefined && derivedMax !== undefined) {
      if (minReplicas < derivedMin) {
        throw invalid(where, 'minReplicas', minReplicas,
          `must be >= ${derivedMin}: ${ratio.decodePerPrefill} decode pods per prefill pod at prefill's minReplicas (${ratio.prefill.minReplicas})`);
      }
      if (maxReplicas < derivedMax) {
        throw invalid(where, 'maxReplicas', maxReplicas,
          `must be >= ${derivedMax}: ${ratio.decodePerPrefill} decode pods per prefill pod at prefill's maxReplicas (${ratio.prefill.maxReplicas})`);
      }
    }
    const isKeda = engine._settings.kind === 'keda';
    if (metrics.length === 0 && !(isKeda && ratio)) {
      throw invalid(where, 'metrics', [], isKeda
        ? 'must list at least one metric (or, on decode, declare a ratio to follow prefill)'
        : 'must list at least one metric (e.g. AutoscalingMetric.waitingRequests(5))');
    }
    const stabilization = props.scaleDownStabilization === undefined
      ? undefined
      : wholeSeconds(where, 'scaleDownStabilization', props.scaleDownStabilization, 0);
    // Kubernetes caps stabilizationWindowSeconds at 3600 (HPAScalingRules validation).
    if (stabilization !== undefined && stabilization > 3600) {
      throw invalid(where, 'scaleDownStabilization', `${stabilization}s`, 'must be at most 3600 seconds (the Kubernetes limit)');
    }

    const namespace = Chart.of(tier).namespace;
    let pollingIntervalSeconds: number | undefined;
    if (isKeda) {
      if (namespace === undefined && metrics.length > 0) {
        throw invalid(where, 'engine', engine.displayName,
          "needs the tier's namespace for its Prometheus queries: create the Chart with { namespace: '...' }");
      }
      if (!spec.monitoring && metrics.length > 0) {
        throw invalid(where, 'engine', engine.displayName,
          `queries the tier's series by the labels its monitor attaches (${SERIES_LABELS.join(', ')}): set 'monitoring' on ${tier.node.path} (or on the PdService)`);
      }
      const polling = engine._settings.keda!.pollingInterval;
      pollingIntervalSeconds = polling === undefined ? undefined : wholeSeconds(where, 'engine.pollingInterval', polling, 1);
    }

    // ---- bind: one autoscaler per tier, the router's rules, replicas left out of the workload
    tier._bindAutoscaler({ where, tier: tier.role, minReplicas, maxReplicas });

    const workload = tier.workload;
    const labels = {
      [NAME_LABEL]: spec.instanceLabels[NAME_LABEL],
      [INSTANCE_LABEL]: spec.instanceLabels[INSTANCE_LABEL],
      [COMPONENT_LABEL]: spec.tier,
      [MANAGED_BY_LABEL]: MANAGED_BY,
    };
    const autoscalerSpec = {
      labels,
      target: { apiVersion: workload.apiVersion, kind: workload.kind, name: workload.name },
      minReplicas,
      maxReplicas,
      metrics,
      scaleDownStabilizationSeconds: stabilization,
    };
    if (engine._settings.kind === 'hpa') {
      this.resource = renderHpa(this, 'Resource', autoscalerSpec);
    } else {
      const keda = engine._settings.keda!;
      this.resource = renderScaledObject(this, 'Resource', autoscalerSpec, {
        options: keda,
        pollingIntervalSeconds,
        namespace: namespace ?? '',
        seriesSelector: Object.fromEntries(SERIES_LABELS.map(l => [l, spec.selectorLabels[l]])),
        ratio: ratio ? {
          // Prefill's serving pods: one per replica (a LeaderWorkerSet group's leader), as the ratio counts replicas.
          podSelector: (ratio.prefill.tier as VllmTier)._spec.servingSelectorLabels,
          // Rounded up at 6 decimals, so ceil(prefill pods / value) never overshoots an exact ratio (3 / 0.333334 < 9).
          prefillPerDecode: Math.ceil(1e6 / ratio.decodePerPrefill) / 1e6,
        } : undefined,
      });
    }
    this.tier = tier;
    this.minReplicas = minReplicas;
    this.maxReplicas = maxReplicas;
    this.engine = engine;
  }
}
