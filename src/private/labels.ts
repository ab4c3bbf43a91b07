/**
 * Label keys shared by tiers and router.
 */
import { Names } from 'cdk8s';
import { IConstruct } from 'constructs';

// Recommended labels: https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
export const NAME_LABEL = 'app.kubernetes.io/name';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const VERSION_LABEL = 'app.kubernetes.io/version';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
// llm-d's role label, understood by the llm-d EPP, KServe and WVA (llm-d-inference-scheduler docs, "Role labels").
export const LLMD_ROLE_LABEL = 'llm-d.ai/role';
// llm-d's label of the pods that serve inference requests: the InferencePool selector of its guides
// (llm-d/llm-d guides/wide-ep-lws/manifests/inferencepool.values.yaml modelServers.matchLabels) and the default
// pod selector of the llm-d router's KV-events pool (llm-d/llm-d-router v0.10.0 pkg/kvevents/pool.go).
export const LLMD_SERVING_LABEL = 'llm-d.ai/inference-serving';

export const APP_NAME = 'vllm';
export const MANAGED_BY = 'cdk8s-vllm-pd';

// LeaderWorkerSet (kubernetes-sigs/lws api/leaderworkerset/v1/leaderworkerset_types.go @ v0.10.0, 2161f38):
// every pod of a group carries its index in the group ("0" is the leader); the env LWS injects into every
// container (pkg/utils/pod/pod_utils.go AddLWSVariables): the leader's DNS name, the group size, the pod's index.
export const LWS_WORKER_INDEX_LABEL = 'leaderworkerset.sigs.k8s.io/worker-index';
// Every pod of one group carries the same group-key (GroupUniqueHashLabelKey: set on the leader by LWS's pod webhook,
// copied onto its workers' StatefulSet template, pkg/webhooks/pod_webhook.go and pkg/controllers/pod_controller.go
// constructWorkerStatefulSetApplyConfiguration); every pod carries its revision (RevisionKey, on leaders from
// leaderworkerset_controller.go constructLeaderStatefulSetApplyConfiguration). LWS pods have no pod-template-hash.
export const LWS_GROUP_KEY_LABEL = 'leaderworkerset.sigs.k8s.io/group-key';
export const LWS_REVISION_LABEL = 'leaderworkerset.sigs.k8s.io/template-revision-hash';
export const LWS_EXCLUSIVE_TOPOLOGY_ANNOTATION = 'leaderworkerset.sigs.k8s.io/exclusive-topology';
export const LWS_LEADER_ADDRESS_ENV = 'LWS_LEADER_ADDRESS';
export const LWS_GROUP_SIZE_ENV = 'LWS_GROUP_SIZE';
export const LWS_WORKER_INDEX_ENV = 'LWS_WORKER_INDEX';

// Both tiers and the router of one PD deployment label their objects with the same instance value.
const instanceValues = new WeakMap<IConstruct, string>();

/** The `app.kubernetes.io/instance` value of the PD deployment in `scope` (computed once per scope). */
export function instanceLabelValue(scope: IConstruct): string {
  let v = instanceValues.get(scope);
  if (v === undefined) {
    v = Names.toLabelValue(scope);
    instanceValues.set(scope, v);
  }
  return v;
}
