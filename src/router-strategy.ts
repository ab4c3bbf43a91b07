import { checkStruct } from './private/boundary';
import { LLMD_ROUTER_OPTIONS, PRODUCTION_STACK_ROUTER_OPTIONS, VLLM_ROUTER_OPTIONS } from './private/factory-keys';
import { RouterImpl } from './private/router-context';
import { LlmdRouterImpl, LlmdRouterOptions } from './routers/llm-d';
import { ProductionStackRouterImpl, ProductionStackRouterOptions } from './routers/production-stack';
import { VllmRouterImpl, VllmRouterOptions } from './routers/vllm-router';

/**
 * Which router implements the prefill-then-decode request flow. Each strategy declares the KV
 * connector flows it implements; an unsupported pair fails synth.
 *
 * | Strategy | Connector flows |
 * |---|---|
 * | `vllmRouter()` | NIXL (pull), Mooncake, P2pNccl, shared storage (ExampleConnector) |
 * | `productionStackRouter()` | none: LMCache PD is refused, no released production-stack router implements it |
 * | `llmD()` | NIXL (pull), Mooncake, shared storage (the llm-d disaggregation sidecar's nixlv2, mooncake, shared-storage) |
 */
export class RouterStrategy {
  /**
   * vllm-router (vllm-project/router) in PD mode, with Kubernetes pod discovery or static endpoints;
   * for P2pNccl it takes engine registrations over ZMQ instead.
   *
   * @see https://github.com/vllm-project/router/blob/main/docs/model-routing/pd-disaggregation.md
   */
  public static vllmRouter(options: VllmRouterOptions = {}): RouterStrategy {
    return new RouterStrategy(new VllmRouterImpl(checkStruct('RouterStrategy.vllmRouter', 'options', options, VLLM_ROUTER_OPTIONS) ?? {}));
  }

  /**
   * The vLLM production-stack router, meant for the LMCache PD flow. No released production-stack
   * router implements that flow (its LMCache flags exist only in unmerged PRs #669, #841 and #913, and
   * its parser exits on unknown arguments), so a PdRouter with this strategy is refused at synth with
   * the reason; use `KvConnector.nixl()` with `vllmRouter()` for PD.
   *
   * @see https://github.com/vllm-project/production-stack/blob/main/tutorials/16-disagg-prefill.md
   */
  public static productionStackRouter(options: ProductionStackRouterOptions = {}): RouterStrategy {
    return new RouterStrategy(new ProductionStackRouterImpl(checkStruct('RouterStrategy.productionStackRouter', 'options', options, PRODUCTION_STACK_ROUTER_OPTIONS) ?? {}));
  }

  /**
   * The llm-d routing architecture on Gateway API Inference Extension: an `InferencePool` of both tiers, the
   * llm-d endpoint picker (a Deployment with its `EndpointPickerConfig`, Service and read-only RBAC) scheduling
   * each request with a PD profile, the llm-d disaggregation sidecar on every decode pod (a native sidecar on the
   * tier's port; vLLM moves behind it), optional `InferenceObjective`s and an optional `HTTPRoute` from a
   * Gateway you run. There is no router Deployment of ours: the Gateway is the data plane.
   *
   * Needs Kubernetes 1.29+ (native sidecars, `restartPolicy: Always` on an init container, are beta and on by
   * default from 1.29: https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/), and, with
   * NetworkPolicies on, `networkPolicies.clients` naming the Gateway's proxies.
   *
   * @see https://github.com/llm-d/llm-d-router/blob/v0.10.0/docs/disaggregation.md
   */
  public static llmD(options: LlmdRouterOptions = {}): RouterStrategy {
    return new RouterStrategy(new LlmdRouterImpl(checkStruct('RouterStrategy.llmD', 'options', options, LLMD_ROUTER_OPTIONS) ?? {}));
  }

  /** Name for messages. */
  public readonly displayName: string;

  /** @internal */
  public readonly _impl: RouterImpl;

  private constructor(impl: RouterImpl) {
    this._impl = impl;
    this.displayName = impl.displayName;
  }

  /** The connector request flows this router implements. */
  public get supportedTransports(): string[] {
    return [...this._impl.supportedTransports];
  }
}
