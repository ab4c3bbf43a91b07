import { NodeLabelQuery, NodeTaintQuery, Topology } from 'cdk8s-plus-28';

/**
 * How strongly a tier's replicas are spread over a topology (a `topologySpreadConstraints` entry, maxSkew 1).
 */
export enum SpreadMode {
  /**
   * `whenUnsatisfiable: ScheduleAnyway`: the scheduler prefers the emptiest domain but still places a pod
   * when spreading is impossible, e.g. when the GPU nodes left free are all in one zone.
   */
  PREFERRED = 'preferred',
  /**
   * `whenUnsatisfiable: DoNotSchedule`: a pod stays Pending rather than raise the skew above 1. Every eligible
   * node counts as a domain, so a fully used GPU node can block the next pod.
   */
  REQUIRED = 'required',
  /** No constraint for this topology. */
  NONE = 'none',
}

/**
 * Co-location of a tier's pods with the other pods of its PD deployment (both tiers share the
 * `app.kubernetes.io/instance` label), through pod affinity on one topology key: KV transfer then stays
 * within a zone or a rack (a rail-optimized fabric, no cross-zone traffic).
 */
export interface Colocation {
  /**
   * The domain to share, e.g. `Topology.ZONE` or `Topology.custom('example.com/rack')`.
   *
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
   */
  readonly topology: Topology;

  /**
   * Required (`requiredDuringScheduling...`: pods stay Pending outside the domain) or preferred (weight 100).
   *
   * @default false
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
   */
  readonly required?: boolean;
}

/**
 * Where a tier's pods run, on top of the accelerator's node selector and toleration.
 */
export interface TierPlacement {
  /**
   * Spread over nodes (`kubernetes.io/hostname`), so one node failure takes as few replicas as possible (on a
   * multi-node tier: its groups' leaders).
   *
   * @default SpreadMode.PREFERRED
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
   */
  readonly spreadAcrossNodes?: SpreadMode;

  /**
   * Spread over zones (`topology.kubernetes.io/zone`). A multi-node tier spreads its groups (their leaders), and
   * the pods of each group always share one zone (required pod affinity on the group's LWS `group-key`, which needs
   * Kubernetes 1.31+ for `matchLabelKeys` in pod affinity).
   *
   * @default SpreadMode.PREFERRED
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
   */
  readonly spreadAcrossZones?: SpreadMode;

  /**
   * Keep this tier in one topology domain with the other tier of its PD deployment.
   *
   * @default - no co-location
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
   */
  readonly colocation?: Colocation;

  /**
   * Node labels every node must match (required node affinity; all of them must hold).
   *
   * @default - only the accelerator's node selector
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity
   */
  readonly requiredNodeLabels?: NodeLabelQuery[];

  /**
   * Node labels the scheduler prefers (preferred node affinity, weight 100; all of them in one term).
   *
   * @default - no preference
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity
   */
  readonly preferredNodeLabels?: NodeLabelQuery[];

  /**
   * Taints the pods tolerate besides the accelerator's, e.g. `NodeTaintQuery.exists('dedicated')`.
   *
   * @default - only the accelerator's toleration
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
   */
  readonly tolerations?: NodeTaintQuery[];
}
