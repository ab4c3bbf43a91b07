/**
 * Probe timings shared by the vLLM container and the router containers, so "ready" and "alive" mean the
 * same cadence everywhere.
 */

/** Readiness: checked every 5 s, 3 misses take the pod out of its Service. */
export const READINESS_TIMING = { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 } as const;
/** Liveness: checked every 10 s, 3 misses restart the container. */
export const LIVENESS_TIMING = { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 } as const;
/** Startup: checked every 10 s; the failure threshold is derived from the tier's startupTimeout. */
export const STARTUP_PERIOD_SECONDS = 10;
export const STARTUP_TIMEOUT_SECONDS = 5;
