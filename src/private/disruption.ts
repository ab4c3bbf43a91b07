/**
 * Disruption and rollout: the PodDisruptionBudget of a tier or of the router, and the rollout strategies.
 * PDBs select pods by the workload's selector labels, whatever renders the workload (a Deployment's pods, or every
 * pod of a LeaderWorkerSet: see `checkGroupDisruptionBudget` for what its budget means).
 */
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { invalid } from './errors';
import { DisruptionBudget } from '../disruption-budget';

/** One pod at a time, the default for tiers and router. */
export const DEFAULT_DISRUPTION_BUDGET = DisruptionBudget.maxUnavailable(1);

/** What a PDB needs. */
export interface DisruptionBudgetInput {
  readonly where: string;
  /** The prop that set the budget, for messages. */
  readonly prop: string;
  readonly budget: DisruptionBudget;
  readonly labels: { [key: string]: string };
  readonly selector: { [key: string]: string };
  /** The workload's replicas (or an autoscaler's minimum), for the rule that a budget must let one pod go. */
  readonly replicas: number;
  /** What `replicas` is, for messages. @default 'the replicas' */
  readonly replicasName?: string;
}

/** Throws when the budget would block every voluntary eviction; returns whether a PDB is rendered. */
export function checkDisruptionBudget(i: DisruptionBudgetInput): boolean {
  if (i.budget.kind === 'none') return false;
  if (i.budget.kind === 'minAvailable' && i.budget.pods >= i.replicas) {
    throw invalid(i.where, i.prop, `DisruptionBudget.minAvailable(${i.budget.pods})`,
      `must stay below ${i.replicasName ?? 'the replicas'} (${i.replicas}): otherwise no pod can ever be evicted and node drains hang; use DisruptionBudget.maxUnavailable(1)`);
  }
  return true;
}

/**
 * A multi-node tier's budget counts groups (engine replicas), and is rendered as one PDB over every pod of the tier,
 * leaders and workers, `maxUnavailable: 1`. Why: evicting any one pod of a group takes the whole group down. With
 * RecreateGroupOnPodRestart, LWS deletes the group's leader as soon as any pod of the group is deleted or a container
 * restarts, and the leader's foreground deletion removes its workers' StatefulSet ("will recreate all the pods in the group
 * if 1. Any individual pod in the group is recreated; 2. Any containers/init-containers in a pod is restarted": kubernetes-sigs/lws api/leaderworkerset/v1/leaderworkerset_types.go
 * RecreateGroupOnPodRestart, pkg/controllers/pod_controller.go handleRestartPolicy @ v0.10.0, 2161f38).
 * - Over all pods, `maxUnavailable: m` admits an eviction only while fewer than m pods are unavailable, and each
 *   admitted eviction downs at most one more group, so at most m groups are down. m = 1 admits an eviction only while
 *   every pod is available, i.e. no group is down: exactly one group at a time (`AlwaysAllow` adds only pods that are
 *   not Ready, whose group is down already; the expected pod count comes from the pods' controllers, the leader
 *   StatefulSet and each group's worker StatefulSet, which the disruption controller reads). For m > 1 the pod count means no fixed
 *   group count (a group that is down has 1 to `size` pods unavailable: its leader still loading, or all of its pods
 *   being recreated), so m pods allows anywhere from m / size to m groups; `minAvailable` alike (a group that is down
 *   still has 0 to size - 1 available pods), and a pod count would also have to follow an autoscaler's group count.
 * - Over the leaders only, evicting a worker would be unbudgeted and still down its group; a second PDB over the
 *   workers would admit its own evictions beside the leaders' (two budgets, up to twice the groups), and one PDB per
 *   pod at most: a pod under two PDBs cannot be evicted at all (kubernetes pkg/registry/core/pod/storage/eviction.go,
 *   "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support").
 * So a multi-node tier takes `maxUnavailable(1)` (one group at a time) or `none()`; anything else is refused.
 */
export function checkGroupDisruptionBudget(where: string, prop: string, budget: DisruptionBudget, podsPerGroup: number): DisruptionBudget {
  if (podsPerGroup === 1 || budget.kind === 'none' || (budget.kind === 'maxUnavailable' && budget.pods === 1)) return budget;
  throw invalid(where, prop, `DisruptionBudget.${budget.kind}(${budget.pods})`,
    `cannot be rendered exactly for a multi-node tier (LeaderWorkerSet groups of ${podsPerGroup} pods): its budget counts groups, ` +
    'evicting any pod of a group recreates the whole group, and a pod-level PodDisruptionBudget can bound only one group at a time ' +
    'exactly (other pod counts allow a varying number of groups); use DisruptionBudget.maxUnavailable(1) or DisruptionBudget.none()');
}

/**
 * The PodDisruptionBudget (id `id`), or nothing for `DisruptionBudget.none()`; the budget is checked by the
 * caller (`checkDisruptionBudget`), against the replicas or an autoscaler's minimum. `AlwaysAllow` lets a drain
 * evict pods that are not Ready (a GPU pod still loading its model, or crash-looping) instead of counting
 * them against the budget (PDBUnhealthyPodEvictionPolicy: beta and on by default since Kubernetes 1.27,
 * https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy).
 */
export function renderDisruptionBudget(scope: Construct, id: string, i: DisruptionBudgetInput): ApiObject | undefined {
  if (i.budget.kind === 'none') return undefined;
  const count = k8s.IntOrString.fromNumber(i.budget.pods);
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { labels: i.labels },
    spec: {
      selector: { matchLabels: { ...i.selector } },
      maxUnavailable: i.budget.kind === 'maxUnavailable' ? count : undefined,
      minAvailable: i.budget.kind === 'minAvailable' ? count : undefined,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  });
}

/** Tiers: one pod at a time without surge, since a surge pod would need spare GPUs. */
export const NO_SURGE_ROLLOUT: k8s.DeploymentStrategy = {
  type: 'RollingUpdate',
  rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(0), maxUnavailable: k8s.IntOrString.fromNumber(1) },
};

/** The router (CPU only): a new pod first, then an old one goes, so capacity never drops. */
export const SURGE_ROLLOUT: k8s.DeploymentStrategy = {
  type: 'RollingUpdate',
  rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
};

/** A router of which only one pod may ever run (engines register with one router): old pods go first. */
export const RECREATE_ROLLOUT: k8s.DeploymentStrategy = { type: 'Recreate' };
