/**
 * Placement, resolved (`TierSpec.placement`) and rendered: topology spread constraints over nodes and zones, the
 * user's node affinity and tolerations, and co-location with the other tier as a pod-affinity contribution (so it
 * merges with a connector's own, e.g. P2pNccl's same-node affinity, in mergePod).
 */
import { k8s } from 'cdk8s-plus-28';
import { invalid } from './errors';
import { isLabelValue, isQualifiedName, labelKey, tolerationKey } from './k8s-syntax';
import { LWS_GROUP_KEY_LABEL, LWS_REVISION_LABEL } from './labels';
import { PodContribution } from './pod-contribution';
import type { TierSpec } from './tier-spec';
import {
  LeaderWorkerSetSpecLeaderWorkerTemplateLeaderTemplateSpecAffinityPodAffinityRequiredDuringSchedulingIgnoredDuringExecution as LwsPodAffinityTerm,
} from '../imports/leaderworkerset.x-k8s.io';
import { SpreadMode, TierPlacement } from '../placement';

// Well-known labels (https://kubernetes.io/docs/reference/labels-annotations-taints/).
const HOSTNAME = 'kubernetes.io/hostname';
const ZONE = 'topology.kubernetes.io/zone';
// A Deployment's ReplicaSet stamps each pod with its revision (pod-template-hash).
const DEPLOYMENT_REVISION_LABEL = 'pod-template-hash';

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

/**
 * Spread constraints of a tier's pods. A Deployment's pods spread one by one. A multi-node tier spreads groups: one
 * group is one engine whose pods talk NCCL to each other, so only its leaders are spread (each group then follows
 * its leader, `groupAffinity`), counted by LWS's own revision label; `serving` false (a worker) gets none.
 */
export function topologySpread(spec: TierSpec, serving = true): k8s.TopologySpreadConstraint[] | undefined {
  const { spreadAcrossNodes: nodes, spreadAcrossZones: zones } = spec.placement;
  if (spec.nodesPerReplica === 1) return spreadConstraints(spec.selectorLabels, nodes, zones);
  return serving ? spreadConstraints(spec.servingSelectorLabels, nodes, zones, LWS_REVISION_LABEL) : undefined;
}

/**
 * Spread constraints over nodes and zones for the pods `selector` picks (tiers, the router's replicas), counting
 * only the pods of one revision: `revisionLabel` is the label the workload's controller stamps per revision.
 */
export function spreadConstraints(
  selector: { [key: string]: string }, nodes: SpreadMode, zones: SpreadMode, revisionLabel: string = DEPLOYMENT_REVISION_LABEL,
): k8s.TopologySpreadConstraint[] | undefined {
  const out: k8s.TopologySpreadConstraint[] = [];
  for (const [topologyKey, mode] of [[HOSTNAME, nodes], [ZONE, zones]] as const) {
    if (mode === SpreadMode.NONE) continue;
    out.push({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: mode === SpreadMode.REQUIRED ? 'DoNotSchedule' : 'ScheduleAnyway',
      labelSelector: { matchLabels: selector },
      // Count only the pods of the same revision, so a rollout is not skewed by the old revision's pods
      // (matchLabelKeys, beta and on by default since Kubernetes 1.27; the key is ignored where a pod lacks it).
      matchLabelKeys: [revisionLabel],
      // Nodes whose taints the pod does not tolerate are no domains (nodeTaintsPolicy, beta since 1.26):
      // otherwise tainted non-GPU nodes would count as empty domains.
      nodeTaintsPolicy: 'Honor',
    });
  }
  return out.length > 0 ? out : undefined;
}

/** A required pod-affinity term with `matchLabelKeys` (absent from cdk8s-plus-28's 1.28 type; the LWS CRD has it). */
export type GroupAffinityTerm = LwsPodAffinityTerm;

/**
 * Keeps the pods of one LWS group in one zone: a required pod affinity to the pods of the tier that share this pod's
 * `group-key`. The template cannot name a group's key (LWS's webhook sets it per group), so `matchLabelKeys` takes the
 * value from each pod: kube-apiserver merges it into the selector on pod creation (pkg/registry/core/pod/strategy.go
 * PrepareForCreate, mutatePodAffinity), after mutating admission has run (apiserver endpoints/handlers/create.go), so
 * the key LWS's webhook adds is there. matchLabelKeys in pod affinity (KEP-3633, MatchLabelKeysInPodAffinity): alpha
 * in 1.29, beta and on by default since 1.31, GA in 1.33. The group's first pod to be scheduled matches its own term
 * and may go anywhere (the scheduler's InterPodAffinity filter); normally that is the leader, which exists before its
 * workers' StatefulSet (pod_controller.go creates it from the leader pod), and which the spread constraints place.
 * On both templates, so whichever pod goes first anchors the group. Not LWS's `exclusive-topology` annotation: that
 * adds an anti-affinity too (pod_webhook.go SetExclusiveAffinities), one group per zone.
 */
export function groupAffinity(spec: TierSpec): GroupAffinityTerm {
  return { labelSelector: { matchLabels: { ...spec.selectorLabels } }, matchLabelKeys: [LWS_GROUP_KEY_LABEL], topologyKey: ZONE };
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
