import { Duration } from 'cdk8s';
import { checkStruct } from './private/boundary';
import { invalid } from './private/errors';
import { KUEUE_SCHEDULING_OPTIONS, VOLCANO_SCHEDULING_OPTIONS } from './private/prop-keys';
import {
  KUEUE_PODS_READY_TIMEOUT, KUEUE_PRIORITY_CLASS_LABEL, KUEUE_QUEUE_LABEL, SchedulingMetadata, VOLCANO_QUEUE_ANNOTATION, VOLCANO_SCHEDULER_NAME,
} from './private/scheduling';

/**
 * Who a `TierScheduling` hands the tier's pods to.
 */
export enum SchedulingKind {
  /** Kueue's quota-based admission (`TierScheduling.kueue`). */
  KUEUE = 'kueue',
  /** Volcano's gang scheduling (`TierScheduling.volcano`). */
  VOLCANO = 'volcano',
}

/**
 * Options for `TierScheduling.kueue()`.
 */
export interface KueueSchedulingOptions {
  /**
   * The Kueue LocalQueue, in the tier's namespace, that admits the tier's pods: the `kueue.x-k8s.io/queue-name`
   * label on the Deployment or LeaderWorkerSet (Kueue's webhook copies it to the pod templates).
   *
   * @see https://kueue.sigs.k8s.io/docs/tasks/run/leaderworkerset/
   */
  readonly queueName: string;

  /**
   * A Kueue WorkloadPriorityClass: the `kueue.x-k8s.io/priority-class` label. It orders admission and preemption
   * inside Kueue; the tier's `priorityClassName` stays the pods' scheduling priority.
   *
   * Copied to Deployment pods from Kueue v0.11.0 on (v0.9.0 and v0.10.0 copy only the queue label); it cannot be added
   * to a running workload or removed later.
   *
   * @default - none (Kueue's default workload priority)
   * @see https://kueue.sigs.k8s.io/docs/concepts/workload_priority_class/
   */
  readonly workloadPriorityClass?: string;

  /**
   * Whether the cluster's Kueue runs with `waitForPodsReady` on, which evicts and requeues a workload whose pods are
   * not ready in time. The library cannot read Kueue's configuration; it compares the tier's `startupTimeout` with
   * `podsReadyTimeout` and warns at synth when a model load may outlast it. Say false when your Kueue has it off.
   *
   * @default true (Kueue's default since v0.19.0)
   * @see https://kueue.sigs.k8s.io/docs/tasks/manage/setup_wait_for_pods_ready/
   */
  readonly waitForPodsReady?: boolean;

  /**
   * The `waitForPodsReady.timeout` (and `recoveryTimeout`) of the cluster's Kueue configuration, when it is not the
   * default: synth warns when the tier's `startupTimeout` is longer. Only with `waitForPodsReady` on.
   *
   * @default Duration.minutes(30) (Kueue's DefaultWaitForPodsReadyTimeout)
   * @see https://kueue.sigs.k8s.io/docs/tasks/manage/setup_wait_for_pods_ready/
   */
  readonly podsReadyTimeout?: Duration;
}

/**
 * Options for `TierScheduling.volcano()`.
 */
export interface VolcanoSchedulingOptions {
  /**
   * The Volcano Queue the tier's groups are scheduled from: the `scheduling.volcano.sh/queue-name` annotation on
   * the LeaderWorkerSet, which the LWS controller makes the queue of each group's PodGroup.
   *
   * @default - the namespace's `scheduling.volcano.sh/queue-name` annotation, else Volcano's `default` queue
   * @see https://github.com/kubernetes-sigs/lws/tree/main/docs/examples/sample/gang-scheduling
   */
  readonly queueName?: string;
}

/**
 * Who admits and places a tier's pods beyond the default scheduler: Kueue's quota-based admission, or Volcano's
 * gang scheduling of a multi-node group.
 *
 * Without either, the pods of one LeaderWorkerSet group are scheduled one by one: a leader can take its node while
 * its workers find no room and stay Pending, holding GPUs that serve nothing. Kueue admits a group's quota as a whole
 * (one Workload per group, with the leader's and workers' resources) before any of its pods is scheduled, which
 * helps only as far as quota matches what fits; Volcano schedules a group's pods together or not at all (the
 * PodGroup LWS creates carries no priority class, so the tier's `priorityClassName` orders pods, not gangs). Each needs its controller in the cluster, configured as the
 * factory says.
 */
export class TierScheduling {
  /**
   * Kueue admits the tier's pods from `queueName`: the tier's Deployment or LeaderWorkerSet carries the queue label,
   * so Kueue counts it against its ClusterQueue's quota and gates the pods until admitted; a multi-node group is
   * admitted as one Workload.
   *
   * Needs Kueue v0.9.0+ with the `deployment` and `pod` integrations (single-node tiers) or v0.11.0+ with
   * `leaderworkerset.x-k8s.io/leaderworkerset` (multi-node tiers), and the namespace managed by Kueue. Kueue admits
   * quota; it does not place pods (kube-scheduler still places an admitted group's pods one by one, unless Kueue's
   * topology-aware scheduling is set up).
   *
   * Operational limits, from Kueue's webhooks and defaults: since v0.19.0 `waitForPodsReady` is on by default with a
   * 30-minute `timeout` and `recoveryTimeout`, so a tier whose model load takes longer is evicted and requeued: set
   * both at least to the tier's `startupTimeout` in Kueue's configuration (synth warns when `startupTimeout` is longer
   * than those 30 minutes, or than `podsReadyTimeout` when you give yours, since the library cannot read the cluster's
   * configuration; `waitForPodsReady: false` says yours has it off). On a managed LeaderWorkerSet the pod
   * templates' resource requests, ports, node selector, affinity, tolerations and spread constraints are immutable
   * (and `size` from v0.19.1, feature gate LWSImmutableGroupSize), and the queue label cannot be added to or removed
   * from a running workload: such changes need the workload recreated (a new `workloadName` does that).
   */
  public static kueue(options: KueueSchedulingOptions): TierScheduling {
    const where = 'TierScheduling.kueue';
    if (options === undefined || options === null) {
      throw invalid(where, 'queueName', undefined, "is required: the LocalQueue that admits the tier's pods, e.g. TierScheduling.kueue({ queueName: 'gpu-serving' })");
    }
    options = checkStruct(where, 'options', options, KUEUE_SCHEDULING_OPTIONS);
    if (options.waitForPodsReady === false && options.podsReadyTimeout !== undefined) {
      throw invalid(where, 'podsReadyTimeout', options.podsReadyTimeout.toHumanString(),
        'only applies with waitForPodsReady on: Kueue has no pods-ready timeout when waitForPodsReady is off; drop one of the two');
    }
    const timeout = options.podsReadyTimeout?.toSeconds({ integral: false });
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
      throw invalid(where, 'podsReadyTimeout', options.podsReadyTimeout!.toHumanString(), 'must be a positive whole number of seconds, e.g. Duration.minutes(90)');
    }
    return new TierScheduling(SchedulingKind.KUEUE, {
      workloadLabels: {
        [KUEUE_QUEUE_LABEL]: options.queueName,
        ...(options.workloadPriorityClass !== undefined ? { [KUEUE_PRIORITY_CLASS_LABEL]: options.workloadPriorityClass } : {}),
      },
      workloadAnnotations: {},
      podsReadyTimeout: options.waitForPodsReady === false ? undefined : timeout === undefined ? KUEUE_PODS_READY_TIMEOUT : {
        seconds: timeout,
        what: `Kueue evicts and requeues a workload whose pods are not ready within waitForPodsReady's timeout, ${options.podsReadyTimeout!.toHumanString()} here (podsReadyTimeout)`,
      },
    });
  }

  /**
   * Volcano gang-schedules each group of a multi-node tier: the pods run with `schedulerName: volcano`, and the
   * LeaderWorkerSet controller creates one PodGroup per group (minMember = the group's size under the
   * `LeaderCreated` startup policy this library renders), so a group starts whole or waits whole.
   *
   * Needs Volcano, and the LWS controller v0.7.0+ installed with `gangSchedulingManagement.schedulerProvider:
   * volcano` (without it Volcano still schedules the pods, one PodGroup each, with no gang). Only for multi-node
   * tiers: a single-node tier's replica is one pod, with nothing to gang.
   */
  public static volcano(options: VolcanoSchedulingOptions = {}): TierScheduling {
    const where = 'TierScheduling.volcano';
    options = checkStruct(where, 'options', options, VOLCANO_SCHEDULING_OPTIONS) ?? {};
    return new TierScheduling(SchedulingKind.VOLCANO, {
      workloadLabels: {},
      workloadAnnotations: options.queueName !== undefined ? { [VOLCANO_QUEUE_ANNOTATION]: options.queueName } : {},
      schedulerName: VOLCANO_SCHEDULER_NAME,
    });
  }

  /** Kueue or Volcano. */
  public readonly kind: SchedulingKind;

  private readonly metadata: SchedulingMetadata;

  private constructor(kind: SchedulingKind, metadata: SchedulingMetadata) {
    this.kind = kind;
    this.metadata = metadata;
  }

  /**
   * What the tier's workload renders: labels and annotations of the Deployment or LeaderWorkerSet, and the pods'
   * scheduler. Refuses Volcano on a single-node tier.
   *
   * @internal
   */
  public _render(where: string, prop: string, nodesPerReplica: number): SchedulingMetadata {
    if (this.kind === SchedulingKind.VOLCANO && nodesPerReplica === 1) {
      throw invalid(where, prop, 'TierScheduling.volcano()',
        "gang-schedules the groups of a multi-node tier (a LeaderWorkerSet), but this tier's replica fits one node, so " +
        'each replica is one pod with nothing to gang; remove it, or use TierScheduling.kueue() for quota-based admission');
    }
    return this.metadata;
  }
}
