import { int } from './private/boundary';

/**
 * How many pods of a tier or of the router a voluntary disruption (a node drain, a cluster upgrade) may
 * evict at once: the PodDisruptionBudget the library renders. On a multi-node tier (a LeaderWorkerSet) the count
 * is of groups: only `maxUnavailable(1)` (one group at a time) and `none()` render exactly, others are refused.
 *
 * @see https://kubernetes.io/docs/concepts/workloads/pods/disruptions/#pod-disruption-budgets
 */
export class DisruptionBudget {
  /**
   * At most `pods` pods evicted at once (`maxUnavailable`). `maxUnavailable(1)` is the default: drains
   * proceed one pod at a time, also for a single-replica tier (which is then briefly down).
   *
   * @param pods at least 1 (0 would block every drain)
   */
  public static maxUnavailable(pods: number): DisruptionBudget {
    int(1, undefined, undefined)('DisruptionBudget.maxUnavailable', 'pods', pods);
    return new DisruptionBudget('maxUnavailable', pods);
  }

  /**
   * At least `pods` pods kept available (`minAvailable`). Must stay below the replica count, or no pod
   * could ever be evicted and node drains would hang.
   *
   * @param pods at least 1
   */
  public static minAvailable(pods: number): DisruptionBudget {
    int(1, undefined, undefined)('DisruptionBudget.minAvailable', 'pods', pods);
    return new DisruptionBudget('minAvailable', pods);
  }

  /** No PodDisruptionBudget (drains evict every pod at once). */
  public static none(): DisruptionBudget {
    return new DisruptionBudget('none', 0);
  }

  /** `maxUnavailable`, `minAvailable` or `none`. */
  public readonly kind: string;
  /** The pod count (0 for `none`). */
  public readonly pods: number;

  private constructor(kind: string, pods: number) {
    this.kind = kind;
    this.pods = pods;
  }
}
