/**
 * Ports and port-range rules shared by tiers, connectors and routers.
 */
/** Name of the HTTP port on every vLLM and router container and Service (probes and Services refer to it). */
export const HTTP_PORT_NAME = 'http';
/** `vllm serve --port` default (docs.vllm.ai/en/latest/cli/serve.html); also the router's default client port. */
export const DEFAULT_HTTP_PORT = 8000;
/** The highest TCP port. */
export const MAX_PORT = 65535;
// The range check itself is the boundary's `requirePort` (private/boundary.ts).
