/**
 * THE module that renders `vllm serve` arguments from typed settings. Every flag the library sets,
 * and the guard against users passing them again through `extraArgs`, lives here.
 *
 * Flag spellings: https://docs.vllm.ai/en/latest/cli/serve.html and vllm/engine/arg_utils.py
 * (`EngineArgs.add_cli_args`); boolean flags are `--x` / `--no-x` (argparse BooleanOptionalAction).
 */
import { Capability, has, range } from './compat';
import { invalid } from './errors';
import { HF_TOKEN_PATTERN } from './secrets';
import { checkFlagAgainstRelease } from './vllm-cli';
import { VllmVersion } from '../vllm-version';

/** Resolved engine settings of one tier. */
export interface EngineSettings {
  readonly model: string;
  readonly servedModelName?: string;
  readonly tokenizer?: string;
  readonly port: number;
  readonly tensorParallelSize: number;
  readonly pipelineParallelSize: number;
  readonly dataParallelSize: number;
  /** Multi-node tiers: data-parallel ranks on each node (DP across nodes only). */
  readonly dataParallelSizeLocal?: number;
  /** Multi-node tiers: the leader's address (DP across nodes only). */
  readonly dataParallelAddress?: string;
  readonly dataParallelRpcPort?: number;
  /** Multi-node tiers: nodes of one replica. */
  readonly nnodes?: number;
  /** Multi-node tiers: this pod's node rank, a number or an env reference. */
  readonly nodeRank?: string;
  readonly masterAddr?: string;
  readonly masterPort?: number;
  /** Multi-node workers: no API server. */
  readonly headless?: boolean;
  readonly enableExpertParallel?: boolean;
  readonly all2allBackend?: string;
  readonly enableEplb?: boolean;
  readonly eplbConfig?: Record<string, unknown>;
  readonly gpuMemoryUtilization?: number;
  readonly maxModelLen?: number;
  readonly maxNumSeqs?: number;
  readonly maxNumBatchedTokens?: number;
  readonly blockSize?: number;
  readonly kvCacheDtype?: string;
  readonly enablePrefixCaching?: boolean;
  readonly enableChunkedPrefill?: boolean;
  readonly performanceMode?: string;
  readonly kvTransferConfig: Record<string, unknown>;
  /** Undefined on releases without `--shutdown-timeout`. */
  readonly shutdownTimeoutSeconds?: number;
  /** `--otlp-traces-endpoint` (vllm/config/observability.py ObservabilityConfig). */
  readonly otlpTracesEndpoint?: string;
  /** `--collect-detailed-traces`: one of model, worker, all. */
  readonly collectDetailedTraces?: string;
}

/** One rendered flag: its spelling, its aliases, the prop that sets it, and how it renders. */
interface FlagRow {
  readonly flag: string;
  /** Other spellings `extraArgs` may not use either (short aliases from vllm/engine/arg_utils.py: -tp, -pp, -dp). */
  readonly aliases?: string[];
  /** The prop users set instead. */
  readonly prop: string;
  /** The args for this flag, or none when unset. */
  readonly render: (s: EngineSettings) => string[];
}

const value = (name: string, v: string | number | undefined): string[] => (v === undefined ? [] : [`${name}=${v}`]);
const bool = (name: string, v: boolean | undefined): string[] =>
  (v === undefined ? [] : [v ? name : name.replace(/^--/, '--no-')]);

/**
 * THE flag table, in render order: `renderServeArgs` walks it, and `checkExtraArgs` refuses `extraArgs` that
 * repeat any row's spelling or alias. A flag is spelled here and nowhere else.
 */
const FLAGS: ReadonlyArray<FlagRow> = [
  // The model is positional and comes first.
  { flag: '--model', prop: 'model', render: s => [s.model] },
  { flag: '--served-model-name', prop: 'servedModelName', render: s => value('--served-model-name', s.servedModelName) },
  { flag: '--tokenizer', prop: 'tokenizer', render: s => value('--tokenizer', s.tokenizer) },
  { flag: '--port', prop: 'port', render: s => value('--port', s.port) },
  { flag: '--tensor-parallel-size', aliases: ['-tp'], prop: 'tensorParallelSize', render: s => value('--tensor-parallel-size', s.tensorParallelSize) },
  {
    flag: '--pipeline-parallel-size',
    aliases: ['-pp'],
    prop: 'pipelineParallelSize',
    render: s => (s.pipelineParallelSize > 1 ? value('--pipeline-parallel-size', s.pipelineParallelSize) : []),
  },
  {
    flag: '--data-parallel-size',
    aliases: ['-dp'],
    prop: 'dataParallelSize',
    render: s => (s.dataParallelSize > 1 ? value('--data-parallel-size', s.dataParallelSize) : []),
  },
  // Multi-node tiers (vllm/engine/arg_utils.py EngineArgs.add_cli_args, vLLM 0.22.0 and 0.32.0; short forms -dpl, -dpa,
  // -dpp, -n, -r). The node rank gives each node its data-parallel start rank (compat.ts MULTI_NODE_SERVE), so
  // --data-parallel-start-rank is never rendered; it and the other load-balancing modes are refused in extraArgs
  // because the library decides which pods serve HTTP.
  { flag: '--data-parallel-size-local', aliases: ['-dpl'], prop: 'nodesPerReplica', render: s => value('--data-parallel-size-local', s.dataParallelSizeLocal) },
  { flag: '--data-parallel-address', aliases: ['-dpa'], prop: 'nodesPerReplica', render: s => value('--data-parallel-address', s.dataParallelAddress) },
  { flag: '--data-parallel-rpc-port', aliases: ['-dpp'], prop: 'nodesPerReplica', render: s => value('--data-parallel-rpc-port', s.dataParallelRpcPort) },
  { flag: '--data-parallel-start-rank', aliases: ['-dpr'], prop: 'nodesPerReplica', render: () => [] },
  { flag: '--data-parallel-rank', aliases: ['-dpn'], prop: 'nodesPerReplica', render: () => [] },
  { flag: '--data-parallel-hybrid-lb', aliases: ['-dph', '--no-data-parallel-hybrid-lb'], prop: 'nodesPerReplica', render: () => [] },
  { flag: '--data-parallel-external-lb', aliases: ['-dpe', '--no-data-parallel-external-lb'], prop: 'nodesPerReplica', render: () => [] },
  { flag: '--nnodes', aliases: ['-n'], prop: 'nodesPerReplica', render: s => value('--nnodes', s.nnodes) },
  { flag: '--node-rank', aliases: ['-r'], prop: 'nodesPerReplica', render: s => value('--node-rank', s.nodeRank) },
  { flag: '--master-addr', prop: 'nodesPerReplica', render: s => value('--master-addr', s.masterAddr) },
  { flag: '--master-port', prop: 'nodesPerReplica', render: s => value('--master-port', s.masterPort) },
  { flag: '--headless', prop: 'nodesPerReplica', render: s => (s.headless ? ['--headless'] : []) },
  {
    flag: '--enable-expert-parallel',
    aliases: ['-ep', '--no-enable-expert-parallel'],
    prop: 'enableExpertParallel',
    render: s => bool('--enable-expert-parallel', s.enableExpertParallel),
  },
  { flag: '--all2all-backend', prop: 'all2allBackend', render: s => value('--all2all-backend', s.all2allBackend) },
  { flag: '--enable-eplb', aliases: ['--no-enable-eplb'], prop: 'enableEplb', render: s => bool('--enable-eplb', s.enableEplb) },
  { flag: '--eplb-config', prop: 'eplbConfig', render: s => (s.eplbConfig ? value('--eplb-config', JSON.stringify(s.eplbConfig)) : []) },
  { flag: '--gpu-memory-utilization', prop: 'gpuMemoryUtilization', render: s => value('--gpu-memory-utilization', s.gpuMemoryUtilization) },
  { flag: '--max-model-len', prop: 'maxModelLen', render: s => value('--max-model-len', s.maxModelLen) },
  { flag: '--max-num-seqs', prop: 'maxNumSeqs', render: s => value('--max-num-seqs', s.maxNumSeqs) },
  { flag: '--max-num-batched-tokens', prop: 'maxNumBatchedTokens', render: s => value('--max-num-batched-tokens', s.maxNumBatchedTokens) },
  { flag: '--block-size', prop: 'blockSize', render: s => value('--block-size', s.blockSize) },
  { flag: '--kv-cache-dtype', prop: 'kvCacheDtype', render: s => value('--kv-cache-dtype', s.kvCacheDtype) },
  {
    flag: '--enable-prefix-caching',
    aliases: ['--no-enable-prefix-caching'],
    prop: 'enablePrefixCaching',
    render: s => bool('--enable-prefix-caching', s.enablePrefixCaching),
  },
  {
    flag: '--enable-chunked-prefill',
    aliases: ['--no-enable-chunked-prefill'],
    prop: 'enableChunkedPrefill',
    render: s => bool('--enable-chunked-prefill', s.enableChunkedPrefill),
  },
  { flag: '--performance-mode', prop: 'performanceMode', render: s => value('--performance-mode', s.performanceMode) },
  // One array element holding the whole JSON (how llm-d and vLLM docs pass it).
  { flag: '--kv-transfer-config', prop: 'kvConnector', render: s => value('--kv-transfer-config', JSON.stringify(s.kvTransferConfig)) },
  { flag: '--shutdown-timeout', prop: 'drainTimeout', render: s => value('--shutdown-timeout', s.shutdownTimeoutSeconds) },
  // ObservabilityConfig (vllm/config/observability.py, 0.22.0 and 0.32.0): the endpoint is handed to the OTLP
  // exporter as is; collect_detailed_traces takes one of model/worker/all (or a comma pair, which 'all' covers).
  { flag: '--otlp-traces-endpoint', prop: 'tracing.otlpTracesEndpoint', render: s => value('--otlp-traces-endpoint', s.otlpTracesEndpoint) },
  {
    flag: '--collect-detailed-traces',
    prop: 'tracing.collectDetailedTraces',
    render: s => value('--collect-detailed-traces', s.collectDetailedTraces),
  },
];

/** Flags that exist only in some releases, checked when they appear in `extraArgs`. */
const VERSIONED_FLAGS: ReadonlyArray<{ flag: string; capability: Capability; hint: string }> = [
  {
    flag: '--disable-log-requests',
    capability: Capability.DISABLE_LOG_REQUESTS_FLAG,
    hint: 'request logging is off by default; use --enable-log-requests to turn it on',
  },
];

/** Renders the args that follow `vllm serve`: the model first, then flags in the table's order. */
export function renderServeArgs(s: EngineSettings): string[] {
  return FLAGS.flatMap(row => row.render(s));
}

/** `--tensor_parallel_size=2` -> `--tensor-parallel-size` (vLLM's FlexibleArgumentParser maps `_` to `-`). */
function flagName(arg: string): string {
  const name = arg.split('=')[0];
  // `--kv-transfer-config.kv_role` (dotted JSON sub-keys) belongs to `--kv-transfer-config`.
  const base = name.startsWith('--') ? name.split('.')[0] : name;
  return base.startsWith('--') ? base.replace(/_/g, '-') : base;
}


/**
 * Rejects extra args that repeat a rendered flag, that the targeted vLLM does not have, or that
 * carry a secret literally.
 */
export function checkExtraArgs(where: string, extraArgs: string[], version: VllmVersion): void {
  // Secrets first, over the whole list: a literal token is reported whatever flag precedes it.
  for (const arg of extraArgs) {
    if (typeof arg !== 'string') {
      throw invalid(where, 'extraArgs', extraArgs, 'must be a list of strings');
    }
    if (HF_TOKEN_PATTERN.test(arg)) {
      throw invalid(where, 'extraArgs', '<redacted hf_ token>',
        "contains a Hugging Face token literally; pass it as a Secret with 'hfToken'");
    }
  }
  for (const arg of extraArgs) {
    if (!arg.startsWith('-')) continue;
    const name = flagName(arg);
    if (name === '--hf-token') {
      throw invalid(where, 'extraArgs', name, "would put a Hugging Face token into the manifest; set 'hfToken' (a Secret reference) instead");
    }
    if (name === '--api-key') {
      throw invalid(where, 'extraArgs', name,
        'would put an API key into the manifest; set VLLM_API_KEY in extraEnv from a Secret (EnvValue.fromSecretValue)');
    }
    const rendered = FLAGS.find(f => f.flag === name || f.aliases?.includes(name));
    if (rendered) {
      throw invalid(where, 'extraArgs', arg,
        `duplicates '${rendered.flag}', which the library renders; set '${rendered.prop}' instead`);
    }
    const versioned = VERSIONED_FLAGS.find(f => f.flag === name);
    if (versioned && !has(version, versioned.capability)) {
      throw invalid(where, 'extraArgs', arg,
        `is only accepted by ${range(versioned.capability)}; the image is vLLM ${version} (${versioned.hint})`);
    }
    // Releases conformance/run checks: vLLM's own option table (unknown flags, abbreviations, aliases).
    checkFlagAgainstRelease(where, arg, version, FLAGS);
  }
}
