/**
 * Ports and port-range rules shared by tiers, connectors and routers.
 */
import { invalid, requireInteger } from './errors';

/** Name of the HTTP port on every vLLM and router container and Service (probes and Services refer to it). */
export const HTTP_PORT_NAME = 'http';
/** `vllm serve --port` default (docs.vllm.ai/en/latest/cli/serve.html); also the router's default client port. */
export const DEFAULT_HTTP_PORT = 8000;
/** The highest TCP port. */
export const MAX_PORT = 65535;

/** Throws unless `port` (when set) is an integer TCP port, 1-65535. */
export function requirePort(where: string, prop: string, port: number | undefined): void {
  requireInteger(where, prop, port, 1);
  if (port !== undefined && port > MAX_PORT) throw invalid(where, prop, port, `must be a TCP port (1-${MAX_PORT})`);
}
