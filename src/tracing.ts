/**
 * `--collect-detailed-traces`: which detailed (and costly) spans vLLM adds to its request traces
 * (vllm/config/observability.py `DetailedTraceModules`).
 *
 * @see https://docs.vllm.ai/en/latest/cli/serve.html
 */
export enum DetailedTraces {
  /** Model forward time. */
  MODEL = 'model',
  /** Model execute time of the worker. */
  WORKER = 'worker',
  /** Both. */
  ALL = 'all',
}

/**
 * OpenTelemetry tracing of one vLLM tier: rendered to `--otlp-traces-endpoint` (and
 * `--collect-detailed-traces`). Needs vLLM >= 0.17.0, whose image installs the OpenTelemetry packages.
 */
export interface VllmTracingOptions {
  /**
   * The OTLP collector, `http://host:port` or `https://host:port` (gRPC by default; vLLM reads
   * `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf` from `extraEnv` for OTLP over HTTP).
   *
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly otlpTracesEndpoint: string;

  /**
   * Detailed spans to add.
   *
   * @default - none
   * @see https://docs.vllm.ai/en/latest/cli/serve.html
   */
  readonly collectDetailedTraces?: DetailedTraces;
}

/**
 * OpenTelemetry tracing of vllm-router: rendered to `--enable-trace`, `--otlp-traces-endpoint` and
 * `--otel-sampling-ratio` (vllm-router >= 0.1.15). The router exports over OTLP/gRPC.
 */
export interface RouterTracingOptions {
  /**
   * The OTLP collector, `http://host:port` or `https://host:port`.
   *
   * @see https://github.com/vllm-project/router/blob/main/docs/cli_reference.md
   */
  readonly otlpTracesEndpoint: string;

  /**
   * Parent-based sampling ratio, in [0, 1].
   *
   * @default 1 (vllm-router's default)
   * @see https://github.com/vllm-project/router/blob/main/docs/cli_reference.md
   */
  readonly samplingRatio?: number;
}
