/**
 * What a tier's workload renders from its `TierScheduling`: the Deployment's or LeaderWorkerSet's own labels and
 * annotations, and the pods' scheduler.
 */
export interface SchedulingMetadata {
  readonly workloadLabels: { [key: string]: string };
  readonly workloadAnnotations: { [key: string]: string };
  /** `spec.schedulerName` of every pod template; undefined: the default scheduler. */
  readonly schedulerName?: string;
  /**
   * How long the scheduler's controller waits, by default, for the pods to be ready before it evicts them; a tier
   * whose startupTimeout is longer is warned at synth (the cluster's configuration may differ).
   */
  readonly podsReadyTimeout?: { readonly seconds: number; readonly what: string };
}

/** No TierScheduling: the default scheduler, nothing added. */
export const DEFAULT_SCHEDULING: SchedulingMetadata = { workloadLabels: {}, workloadAnnotations: {} };

// Kueue: pkg/controller/constants/constants.go (QueueLabel, WorkloadPriorityClassLabel) at v0.9.0, v0.11.0 and
// v0.19.2; the Deployment integration ("deployment", since v0.9.0) and the LeaderWorkerSet integration
// ("leaderworkerset.x-k8s.io/leaderworkerset", since v0.11.0) read both from the object's metadata.labels
// (pkg/controller/jobs/{deployment,leaderworkerset}/*_webhook.go, jobframework.QueueNameForObject).
export const KUEUE_QUEUE_LABEL = 'kueue.x-k8s.io/queue-name';
export const KUEUE_PRIORITY_CLASS_LABEL = 'kueue.x-k8s.io/priority-class';

// Kueue's waitForPodsReady: on by default since v0.19.0, with timeout DefaultWaitForPodsReadyTimeout = 30 * time.Minute
// and recoveryTimeout defaulting to it (kubernetes-sigs/kueue apis/config/v1beta2/defaults.go at v0.19.0).
export const KUEUE_PODS_READY_TIMEOUT = {
  seconds: 30 * 60,
  what: "Kueue (v0.19.0+) evicts and requeues a workload whose pods are not ready within waitForPodsReady's timeout, 30 minutes by default",
};

// Volcano: scheduling.volcano.sh/queue-name (volcano.sh/apis pkg/apis/scheduling/v1beta1 QueueNameAnnotationKey),
// read from the LeaderWorkerSet's annotations by LWS's Volcano provider (kubernetes-sigs/lws
// pkg/schedulerprovider/volcano_provider.go, v0.7.0 to v0.10.0), whose sample sets schedulerName: volcano on the
// pod template (docs/examples/sample/gang-scheduling/lws-sample-volcano.yaml at v0.10.0).
export const VOLCANO_QUEUE_ANNOTATION = 'scheduling.volcano.sh/queue-name';
export const VOLCANO_SCHEDULER_NAME = 'volcano';
