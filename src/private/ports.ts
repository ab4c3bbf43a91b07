import { invalid } from './errors';

/**
 * Ports and port-range rules shared by tiers, connectors and routers.
 */
/** Name of the HTTP port on every vLLM and router container and Service (probes and Services refer to it). */
export const HTTP_PORT_NAME = 'http';
/** `vllm serve --port` default (docs.vllm.ai/en/latest/cli/serve.html); also the router's default client port. */
export const DEFAULT_HTTP_PORT = 8000;
/** Name of the router's Prometheus port on its container and Service. */
export const METRICS_PORT_NAME = 'metrics';
/** Where vLLM serves Prometheus metrics (on its HTTP port); vllm-router's exporter answers on any path but /health. */
export const METRICS_PATH = '/metrics';
/** The highest TCP port. */
export const MAX_PORT = 65535;
// The range check of one port is the boundary's `requirePort` (private/boundary.ts).

/** Ports taken per rank (`base + rank` for `count` ranks) must all be TCP ports; the message names the count's prop. */
export function requireRankPorts(where: string, prop: string, base: number, countProp: string, count: number): void {
  if (base + count - 1 > MAX_PORT) {
    throw invalid(where, prop, base, `plus ${countProp} (${count}) exceeds port ${MAX_PORT}`);
  }
}

/**
 * Multi-node tiers: the leader's torch.distributed port (`--master-port`) and its data-parallel RPC port
 * (`--data-parallel-rpc-port`), vLLM's own defaults (vllm/config/parallel.py ParallelConfig.master_port and
 * data_parallel_rpc_port, 0.22.0 and 0.32.0), rendered explicitly so the pod declares and collision-checks them.
 */
export const MASTER_PORT = 29501;
export const DP_RPC_PORT = 29550;
export const MASTER_PORT_NAME = 'dist-master';
export const DP_RPC_PORT_NAME = 'dp-rpc';
