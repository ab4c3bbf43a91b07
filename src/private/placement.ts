/**
 * Placement, resolved (`TierSpec.placement`) and rendered: topology spread constraints over nodes and zones, the
 * user's node affinity and tolerations, and co-location with the other tier as a pod-affinity contribution (so it
 * merges with a connector's own, e.g. P2pNccl's same-node affinity, in mergePod).
 */
import { k8s } from 'cdk8s-plus-28';
import { invalid } from './errors';
import { isLabelValue, isQualifiedName, labelKey, tolerationKey } from './k8s-syntax';
import { PodContribution } from './pod-contribution';
import type { TierSpec } from './tier-spec';
import { SpreadMode, TierPlacement } from '../placement';

// Well-known labels (https://kubernetes.io/docs/reference/labels-annotations-taints/).
const HOSTNAME = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';

export interface PlacementSpec {
  readonly spreadAcrossNodes: SpreadMode;
  readonly spreadAcrossZones: SpreadMode;
  readonly colocation?: { readonly topologyKey: string; readonly required: boolean };
  readonly requiredNodeLabels: k8s.NodeSelectorRequirement[];
  readonly preferredNodeLabels: k8s.NodeSelectorRequirement[];
  readonly tolerations: k8s.Toleration[];
}

/** Resolves and validates a tier's placement (the boundary has checked the types). */
export function resolvePlacement(where: string, p: TierPlacement | undefined): PlacementSpec {
  const mode = (prop: string, m: SpreadMode | undefined) => {
    const v = m ?? SpreadMode.PREFERRED;
    if (!Object.values(SpreadMode).includes(v)) {
      throw invalid(where, `placement.${prop}`, v, `must be one of ${Object.values(SpreadMode).join(', ')} (SpreadMode)`);
    }
    return v;
  };
  const nodeLabels = (prop: string, queries: TierPlacement['requiredNodeLabels']) => (queries ?? []).map((q, i) => {
    const r = q._toKube();
    labelKey(where, `placement.${prop}[${i}].key`, r.key);
    for (const v of r.values ?? []) {
      // Gt and Lt take one integer; the others label values.
      const ok = r.operator === 'Gt' || r.operator === 'Lt' ? /^-?[0-9]+$/.test(v) : isLabelValue(v);
      if (!ok) throw invalid(where, `placement.${prop}[${i}].values`, v, `is not a valid value for operator ${r.operator}`);
    }
    return r;
  });
  const tolerations = (p?.tolerations ?? []).map((t, i) => {
    const r = t._toKube();
    if (r.key !== undefined) tolerationKey(where, `placement.tolerations[${i}].key`, r.key);
    if (r.value !== undefined && !isLabelValue(r.value)) {
      throw invalid(where, `placement.tolerations[${i}].value`, r.value, 'must be a taint value (a label value)');
    }
    return r;
  });
  let colocation: PlacementSpec['colocation'];
  if (p?.colocation !== undefined) {
    const key = p.colocation.topology?.key;
    if (typeof key !== 'string' || !isQualifiedName(key)) {
      throw invalid(where, 'placement.colocation.topology', key, "must be a node label key, e.g. Topology.ZONE or Topology.custom('example.com/rack')");
    }
    colocation = { topologyKey: key, required: p.colocation.required ?? false };
  }
  return {
    spreadAcrossNodes: mode('spreadAcrossNodes', p?.spreadAcrossNodes),
    spreadAcrossZones: mode('spreadAcrossZones', p?.spreadAcrossZones),
    colocation,
    requiredNodeLabels: nodeLabels('requiredNodeLabels', p?.requiredNodeLabels),
    preferredNodeLabels: nodeLabels('preferredNodeLabels', p?.preferredNodeLabels),
    tolerations,
  };
}

/** Spread constraints of a tier's pods. */
export function topologySpread(spec: TierSpec): k8s.TopologySpreadConstraint[] | undefined {
  const out: k8s.TopologySpreadConstraint[] = [];
  for (const [topologyKey, mode] of [[HOSTNAME, spec.placement.spreadAcrossNodes], [ZONE, spec.placement.spreadAcrossZones]] as const) {
    if (mode === SpreadMode.NONE) continue;
    out.push({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: mode === SpreadMode.REQUIRED ? 'DoNotSchedule' : 'ScheduleAnyway',
      labelSelector: { matchLabels: spec.selectorLabels },
      // Count only the pods of the same revision, so a rollout is not skewed by the old ReplicaSet's pods
      // (matchLabelKeys, beta and on by default since Kubernetes 1.27; the key is ignored where a pod lacks it).
      matchLabelKeys: ['pod-template-hash'],
      // Nodes whose taints the pod does not tolerate are no domains (nodeTaintsPolicy, beta since 1.26):
      // otherwise tainted non-GPU nodes would count as empty domains.
      nodeTaintsPolicy: 'Honor',
    });
  }
  return out.length > 0 ? out : undefined;
}

/** The user's node affinity and the co-location pod affinity, merged with other contributions in mergePod. */
export function placementContribution(spec: TierSpec): PodContribution {
  const p = spec.placement;
  const nodeAffinity: k8s.NodeAffinity | undefined = p.requiredNodeLabels.length + p.preferredNodeLabels.length > 0 ? {
    requiredDuringSchedulingIgnoredDuringExecution: p.requiredNodeLabels.length > 0
      ? { nodeSelectorTerms: [{ matchExpressions: p.requiredNodeLabels }] } : undefined,
    preferredDuringSchedulingIgnoredDuringExecution: p.preferredNodeLabels.length > 0
      ? [{ weight: 100, preference: { matchExpressions: p.preferredNodeLabels } }] : undefined,
  } : undefined;
  const term: k8s.PodAffinityTerm | undefined = p.colocation
    ? { labelSelector: { matchLabels: spec.instanceLabels }, topologyKey: p.colocation.topologyKey } : undefined;
  const podAffinity: k8s.PodAffinity | undefined = term === undefined ? undefined : p.colocation!.required
    ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
    : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] };
  return nodeAffinity || podAffinity ? { affinity: { nodeAffinity, podAffinity } } : {};
}
