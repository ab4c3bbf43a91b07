import { Transport } from '../private/connector-context';
import { invalid } from '../private/errors';
import { requireImageReference } from '../private/k8s-syntax';
import { RouterContext, RouterImpl, RouterRendering } from '../private/router-context';

/**
 * Options for `RouterStrategy.productionStackRouter()`.
 */
export interface ProductionStackRouterOptions {
  /**
   * The router image. Not rendered: no released production-stack router implements LMCache PD, so every
   * PdRouter with this strategy is refused (see `RouterStrategy.productionStackRouter()`).
   *
   * @default 'docker.io/lmcache/lmstack-router:v0.1.12'
   * @see https://github.com/vllm-project/production-stack
   */
  readonly image?: string;
}

/**
 * Why LMCache PD is refused (the one place that says it). LMCache's PD sender moves KV only for requests whose
 * kv_transfer_params carry a `disagg_spec` naming the decode receiver (lmcache 0.5.4,
 * v1/storage_backend/pd_backend.py: "transfer_spec is None: return None"; integration/vllm/vllm_v1_adapter.py),
 * and sends a done notification to the proxy's ZMQ PULL. Released routers do neither:
 * - production-stack router, tag vllm-stack-0.1.12 and main at a6c01db (2026-08-05): `disaggregated_prefill`
 *   sends prefill max_tokens=1 without kv_transfer_params (services/request_service/request.py,
 *   route_disaggregated_prefill_request); the --nixl-proxy-host/--nixl-proxy-port/--nixl-peer-* flags exist only in
 *   the unmerged PRs #669, #841 and #913, and its argparse parser exits on unknown arguments (parsers/parser.py);
 * - vllm-router speaks `--kv-connector nixl|mooncake|moriio` only (src/config/types.rs, PyPI 0.1.15 to 0.1.17);
 * - LMCache's own proxy is an example script (LMCache examples/disagg_prefill/disagg_proxy_server.py), not in
 *   the lmcache package and not published as an image.
 */
export const LMCACHE_PD_UNROUTABLE =
  'no released router implements LMCache PD: the production-stack router (vllm-stack-0.1.12, main of Aug 2026) ' +
  'sends prefill no kv_transfer_params.disagg_spec, without which LMCache moves no KV, and has no ' +
  '--nixl-proxy-*/--nixl-peer-* flags (only in its unmerged PRs #669, #841, #913; its parser exits on unknown ' +
  'arguments); vllm-router implements nixl, mooncake and moriio only. Use KvConnector.nixl() with ' +
  'RouterStrategy.vllmRouter() for PD, or run LMCache\'s example proxy (LMCache examples/disagg_prefill) yourself';

const DEFAULT_IMAGE = 'docker.io/lmcache/lmstack-router:v0.1.12';

/**
 * The vLLM production-stack router (`vllm_router.app`). Its only flow here would be LMCache PD, which no
 * released version implements, so `validate` refuses every pair with the reason.
 * @see https://github.com/vllm-project/production-stack/tree/main/tutorials
 */
export class ProductionStackRouterImpl implements RouterImpl {
  public readonly displayName = 'production-stack router';
  public readonly supportedTransports = [Transport.LMCACHE];

  public constructor(options: ProductionStackRouterOptions) {
    const image = options.image ?? DEFAULT_IMAGE;
    if (!image || /\s/.test(image)) {
      throw invalid('RouterStrategy.productionStackRouter', 'image', image, 'must be an image reference without whitespace');
    }
    requireImageReference('RouterStrategy.productionStackRouter', 'image', image);
  }

  public singleReplicaReason(): string | undefined {
    return undefined;
  }

  public validate(ctx: RouterContext): void {
    throw invalid(ctx.where, 'strategy', this.displayName, `cannot route ${ctx.prefill.spec.kvConnector.displayName}: ${LMCACHE_PD_UNROUTABLE}`);
  }

  public render(ctx: RouterContext): RouterRendering {
    // Unreachable: validate() refuses first.
    throw invalid(ctx.where, 'strategy', this.displayName, LMCACHE_PD_UNROUTABLE);
  }
}
