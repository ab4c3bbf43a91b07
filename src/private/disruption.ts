/**
 * Disruption and rollout: the PodDisruptionBudget of a tier or of the router, and the rollout strategies.
 * PDBs select pods by the workload's selector labels, whatever renders the workload (a Deployment today, a
 * LeaderWorkerSet's pods next).
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
  /** The workload's replicas, for the rule that a budget must let at least one pod go. */
  readonly replicas: number;
}

/** Throws when the budget would block every voluntary eviction; returns whether a PDB is rendered. */
export function checkDisruptionBudget(i: DisruptionBudgetInput): boolean {
  if (i.budget.kind === 'none') return false;
  if (i.budget.kind === 'minAvailable' && i.budget.pods >= i.replicas) {
    throw invalid(i.where, i.prop, `DisruptionBudget.minAvailable(${i.budget.pods})`,
      `must stay below the replicas (${i.replicas}): otherwise no pod can ever be evicted and node drains hang; use DisruptionBudget.maxUnavailable(1)`);
  }
  return true;
}

/**
 * The PodDisruptionBudget (id `id`), or nothing for `DisruptionBudget.none()`. `AlwaysAllow` lets a drain
 * evict pods that are not Ready (a GPU pod still loading its model, or crash-looping) instead of counting
 * them against the budget (PDBUnhealthyPodEvictionPolicy: beta and on by default since Kubernetes 1.27,
 * https://kubernetes.io/docs/tasks/run-application/configure-pdb/#unhealthy-pod-eviction-policy).
 */
export function renderDisruptionBudget(scope: Construct, id: string, i: DisruptionBudgetInput): ApiObject | undefined {
  if (!checkDisruptionBudget(i)) return undefined;
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
