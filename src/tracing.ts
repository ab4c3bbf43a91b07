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
 * OpenTelemetry tracing of the router, over OTLP/gRPC. vllm-router: `--enable-trace`, `--otlp-traces-endpoint` and
 * `--otel-sampling-ratio` (vllm-router >= 0.1.15). The llm-d endpoint picker (`RouterStrategy.llmD()`):
 * `--tracing=true` with `OTEL_TRACES_EXPORTER=otlp`, `OTEL_EXPORTER_OTLP_ENDPOINT` and, with a ratio,
 * `OTEL_TRACES_SAMPLER=parentbased_traceidratio` and `OTEL_TRACES_SAMPLER_ARG`.
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
   * @default - the router's own: 1 for vllm-router, 0.1 for the llm-d endpoint picker
   * @see https://github.com/vllm-project/router/blob/main/docs/cli_reference.md
   */
  readonly samplingRatio?: number;
}
