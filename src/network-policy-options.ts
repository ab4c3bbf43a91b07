import { NetworkPeer } from './network-peer';

/**
 * NetworkPolicies for a PD deployment. On by default: every router and vLLM pod accepts and opens only the
 * connections the PD flows need, derived from the ports each connector and router declares (clients to the
 * router; the router to both tiers; the KV flows between the tiers; monitoring to the metrics ports; DNS; the
 * Kubernetes API for a router that discovers pods; the model download).
 *
 * The PdRouter renders them, for its own pods and both tiers' pods, because it is the one construct that
 * knows every flow: standalone tiers without a PdRouter get none.
 */
export interface NetworkPolicyOptions {
  /**
   * Render the NetworkPolicies. `false` renders none (your cluster's own policies then apply); the other
   * options may not be set then.
   *
   * @default true
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
   */
  readonly enabled?: boolean;

  /**
   * Who may call the router's HTTP port (the endpoint clients use). Name your ingress controller's or
   * gateway's namespace, e.g. `NetworkPeer.namespace('ingress-nginx')`, or `NetworkPeer.ANYWHERE`. With
   * `RouterStrategy.llmD()` these are the Gateway's proxies (they call the endpoint picker and the decode
   * sidecars), and the prop is required: where they run is the Gateway implementation's choice.
   *
   * @default [NetworkPeer.SAME_NAMESPACE]; required with RouterStrategy.llmD()
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors
   */
  readonly clients?: NetworkPeer[];

  /**
   * Who may scrape the metrics ports (vLLM's `/metrics` on its HTTP port, the router's metrics port).
   * An empty list lets nobody scrape.
   *
   * @default [NetworkPeer.namespace('monitoring')]
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
   */
  readonly monitoring?: NetworkPeer[];

  /**
   * Let the vLLM pods open HTTPS (TCP 443) to any address, to download the model from the Hugging Face Hub
   * (whose files are served from CDNs without stable addresses). Without it a pod can only load weights a
   * read-only model cache already holds.
   *
   * @default - true unless the model cache is read-only (`ModelCache.persistentVolumeClaim(name, { readOnly: true })`, which sets HF_HUB_OFFLINE=1)
   * @see https://huggingface.co/docs/huggingface_hub/guides/download
   */
  readonly modelDownload?: boolean;

  /**
   * Addresses of the Kubernetes API server, for the router when it discovers pods
   * (`RouterDiscovery.KUBERNETES`). CNIs match egress after the `kubernetes` Service is translated to its
   * endpoints, so list the endpoints' addresses: `kubectl get endpointslices -n default -l
   * kubernetes.io/service-name=kubernetes`. Only allowed when the router uses the API.
   *
   * @default ['0.0.0.0/0', '::/0'] (any address, on kubernetesApiPorts only)
   * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/#targeting-a-range-of-ports
   */
  readonly kubernetesApiCidrs?: string[];

  /**
   * Ports of the Kubernetes API server endpoints (443 on most managed clusters, 6443 on kubeadm). Only
   * allowed when the router uses the API.
   *
   * @default [443, 6443]
   * @see https://kubernetes.io/docs/reference/access-authn-authz/controlling-access/#api-server-ports-and-ips
   */
  readonly kubernetesApiPorts?: number[];

  /**
   * Where the tiers' and the router's OTLP traces go: the pods may open their `tracing.otlpTracesEndpoint`'s
   * port (4317 in `http://otel-collector.observability:4317`) to these peers, e.g.
   * `NetworkPeer.namespace('observability')`. Only allowed when a tier or the router traces.
   *
   * @default [NetworkPeer.ANYWHERE] (any address, on the endpoint's port only)
   * @see https://opentelemetry.io/docs/specs/otlp/#otlpgrpc-default-port
   */
  readonly tracingCollectors?: NetworkPeer[];
}
