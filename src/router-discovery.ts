/**
 * How the router finds prefill and decode pods. The one discovery enum: router implementations read it too.
 */
export enum RouterDiscovery {
  /**
   * Watch pods by label through the Kubernetes API (a ServiceAccount with a Role that can only
   * get/list/watch pods in the namespace). Routes per pod.
   */
  KUBERNETES = 'kubernetes',
  /**
   * Static endpoints: each tier's Service. No Kubernetes API access; kube-proxy spreads load.
   */
  STATIC = 'static',
}
