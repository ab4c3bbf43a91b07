import { RouterImpl } from './private/router-context';
import { VllmRouterImpl, VllmRouterOptions } from './routers/vllm-router';

/**
 * Which router implements the prefill-then-decode request flow. Each strategy declares the KV
 * connectors whose flow it implements; an unsupported pair fails synth.
 */
export class RouterStrategy {
  /**
   * vllm-router (vllm-project/router) in PD mode, with Kubernetes pod discovery or static endpoints.
   *
   * @see https://github.com/vllm-project/router/blob/main/docs/model-routing/pd-disaggregation.md
   */
  public static vllmRouter(options: VllmRouterOptions = {}): RouterStrategy {
    return new RouterStrategy(new VllmRouterImpl(options));
  }

  /** Name for messages. */
  public readonly displayName: string;

  /** @internal */
  public readonly _impl: RouterImpl;

  private constructor(impl: RouterImpl) {
    this._impl = impl;
    this.displayName = impl.displayName;
  }

  /** Connector names whose request flow this router implements. */
  public get supportedConnectors(): string[] {
    return [...this._impl.supportedConnectors];
  }
}
