import { Model, PrefillTier } from '../../src';
import { checkExtraArgs, EngineSettings, renderServeArgs } from '../../src/private/vllm-args';
import { VllmVersion } from '../../src/vllm-version';
import { chart } from '../util';

const KV = { kv_connector: 'NixlConnector', kv_role: 'kv_producer' };
const MINIMAL: EngineSettings = {
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  port: 8000,
  tensorParallelSize: 1,
  pipelineParallelSize: 1,
  dataParallelSize: 1,
  kvTransferConfig: KV,
};
const V32 = VllmVersion.of('0.32.0');
const WHERE = "PrefillTier 'P'";
const TOKEN = 'hf_AbCdEfGhIjKlMnOpQrStUvWxYz';

describe('renderServeArgs', () => {
  test('renders the model first, then only the flags that are set', () => {
    expect(renderServeArgs(MINIMAL)).toEqual([
      'meta-llama/Llama-3.1-8B-Instruct',
      '--port=8000',
      '--tensor-parallel-size=1',
      '--kv-transfer-config={"kv_connector":"NixlConnector","kv_role":"kv_producer"}',
    ]);
  });

  test('renders every flag in a fixed order as --flag=value', () => {
    expect(renderServeArgs({
      ...MINIMAL,
      servedModelName: 'llama',
      tokenizer: 'meta-llama/Llama-3.1-8B',
      port: 8100,
      tensorParallelSize: 2,
      pipelineParallelSize: 2,
      dataParallelSize: 2,
      gpuMemoryUtilization: 0.95,
      maxModelLen: 32768,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 8192,
      blockSize: 128,
      kvCacheDtype: 'fp8',
      enablePrefixCaching: true,
      enableChunkedPrefill: true,
      shutdownTimeoutSeconds: 60,
    })).toEqual([
      'meta-llama/Llama-3.1-8B-Instruct',
      '--served-model-name=llama',
      '--tokenizer=meta-llama/Llama-3.1-8B',
      '--port=8100',
      '--tensor-parallel-size=2',
      '--pipeline-parallel-size=2',
      '--data-parallel-size=2',
      '--gpu-memory-utilization=0.95',
      '--max-model-len=32768',
      '--max-num-seqs=256',
      '--max-num-batched-tokens=8192',
      '--block-size=128',
      '--kv-cache-dtype=fp8',
      '--enable-prefix-caching',
      '--enable-chunked-prefill',
      '--kv-transfer-config={"kv_connector":"NixlConnector","kv_role":"kv_producer"}',
      '--shutdown-timeout=60',
    ]);
  });

  test('renders false booleans as --no-<flag>', () => {
    const args = renderServeArgs({ ...MINIMAL, enablePrefixCaching: false, enableChunkedPrefill: false });
    expect(args).toContain('--no-enable-prefix-caching');
    expect(args).toContain('--no-enable-chunked-prefill');
    expect(args).not.toContain('--enable-prefix-caching');
    expect(args).not.toContain('--enable-chunked-prefill');
  });

  test('renders a shutdown timeout of 0 seconds', () => {
    expect(renderServeArgs({ ...MINIMAL, shutdownTimeoutSeconds: 0 })).toContain('--shutdown-timeout=0');
  });

  test('renders the KV transfer config as one element holding the whole JSON', () => {
    const config = { kv_connector: 'NixlConnector', kv_role: 'kv_both', kv_connector_extra_config: { backends: ['UCX', 'GDS'] } };
    const args = renderServeArgs({ ...MINIMAL, kvTransferConfig: config });
    const kv = args.filter(a => a.startsWith('--kv-transfer-config'));
    expect(kv).toEqual([`--kv-transfer-config=${JSON.stringify(config)}`]);
  });
});

describe('checkExtraArgs', () => {
  test('accepts flags the library does not render, with either value form', () => {
    expect(() => checkExtraArgs(WHERE, [
      '--enforce-eager', '--trust-remote-code', '--disable-access-log-for-endpoints=/health,/metrics',
      '--max-log-len', '100', '--no-disable-hybrid-kv-cache-manager', 'positional-value',
    ], V32)).not.toThrow();
  });

  test('accepts an empty list', () => {
    expect(() => checkExtraArgs(WHERE, [], V32)).not.toThrow();
  });

  test.each([
    ['--model=other/model', '--model', 'model'],
    ['--served-model-name=x', '--served-model-name', 'servedModelName'],
    ['--tokenizer=x', '--tokenizer', 'tokenizer'],
    ['--port', '--port', 'port'],
    ['--tensor-parallel-size=2', '--tensor-parallel-size', 'tensorParallelSize'],
    ['-tp', '--tensor-parallel-size', 'tensorParallelSize'],
    ['-tp=2', '--tensor-parallel-size', 'tensorParallelSize'],
    ['--tensor_parallel_size=2', '--tensor-parallel-size', 'tensorParallelSize'],
    ['-pp', '--pipeline-parallel-size', 'pipelineParallelSize'],
    ['--pipeline_parallel_size', '--pipeline-parallel-size', 'pipelineParallelSize'],
    ['-dp', '--data-parallel-size', 'dataParallelSize'],
    ['--data-parallel-size=4', '--data-parallel-size', 'dataParallelSize'],
    ['--gpu_memory_utilization=0.8', '--gpu-memory-utilization', 'gpuMemoryUtilization'],
    ['--max-model-len=4096', '--max-model-len', 'maxModelLen'],
    ['--max-num-seqs=1', '--max-num-seqs', 'maxNumSeqs'],
    ['--max-num-batched-tokens=1', '--max-num-batched-tokens', 'maxNumBatchedTokens'],
    ['--block-size=16', '--block-size', 'blockSize'],
    ['--kv-cache-dtype=fp8', '--kv-cache-dtype', 'kvCacheDtype'],
    ['--enable-prefix-caching', '--enable-prefix-caching', 'enablePrefixCaching'],
    ['--no-enable-prefix-caching', '--enable-prefix-caching', 'enablePrefixCaching'],
    ['--no_enable_chunked_prefill', '--enable-chunked-prefill', 'enableChunkedPrefill'],
    ['--kv-transfer-config={"kv_connector":"NixlConnector"}', '--kv-transfer-config', 'kvConnector'],
    ['--kv-transfer-config.kv_role', '--kv-transfer-config', 'kvConnector'],
    ['--kv-transfer-config.kv_role=kv_both', '--kv-transfer-config', 'kvConnector'],
    ['--kv_transfer_config.kv_connector_extra_config.backends+', '--kv-transfer-config', 'kvConnector'],
    ['--shutdown-timeout=30', '--shutdown-timeout', 'drainTimeout'],
  ])('fails when extraArgs repeats a rendered flag as %p', (arg, flag, prop) => {
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(() => checkExtraArgs(WHERE, ['--enforce-eager', arg, 'value'], V32))
      .toThrow(new RegExp(`^${esc(WHERE)}: 'extraArgs' \\('${esc(arg)}'\\) duplicates '${esc(flag)}', which the library renders; set '${prop}' instead$`));
  });

  test.each(['--api-key=sk-123', '--api-key', '--api_key=sk-123'])('fails when extraArgs passes an API key as %p', (arg) => {
    expect(() => checkExtraArgs(WHERE, [arg], V32))
      .toThrow(/^PrefillTier 'P': 'extraArgs' \('--api-key'\) would put an API key into the manifest; set VLLM_API_KEY in extraEnv from a Secret \(EnvValue\.fromSecretValue\)$/);
  });

  test.each([['--hf-token', 'not-an-hf-looking-secret'], ['--hf_token=abc']])('fails when extraArgs passes --hf-token at all (%p)', (...args) => {
    expect(() => checkExtraArgs(WHERE, args, V32))
      .toThrow(/^PrefillTier 'P': 'extraArgs' \('--hf-token'\) would put a Hugging Face token into the manifest; set 'hfToken' \(a Secret reference\) instead$/);
  });

  test.each([[`--hf-token=${TOKEN}`], [`--some-flag=prefix-${TOKEN}`], ['--other', TOKEN]])('fails when extraArgs contains a Hugging Face token literally (%p)', (...args) => {
    let message = '';
    try {
      checkExtraArgs(WHERE, args, V32);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^PrefillTier 'P': 'extraArgs' \('<redacted hf_ token>'\) contains a Hugging Face token literally; pass it as a Secret with 'hfToken'$/);
    expect(message).not.toContain(TOKEN);
  });

  test('fails when extraArgs passes --disable-log-requests to vLLM 0.32.0', () => {
    expect(() => checkExtraArgs(WHERE, ['--disable-log-requests'], V32))
      .toThrow(/^PrefillTier 'P': 'extraArgs' \('--disable-log-requests'\) is only accepted by vLLM < 0\.15\.0; the image is vLLM 0\.32\.0 \(request logging is off by default; use --enable-log-requests to turn it on\)$/);
  });

  test('fails when extraArgs passes --disable_log_requests to vLLM 0.15.0, the first release not confirmed to take it', () => {
    expect(() => checkExtraArgs(WHERE, ['--disable_log_requests'], VllmVersion.of('0.15.0')))
      .toThrow(/'extraArgs' \('--disable_log_requests'\) is only accepted by vLLM < 0\.15\.0; the image is vLLM 0\.15\.0/);
  });

  test('accepts --disable-log-requests on vLLM 0.14.0', () => {
    expect(() => checkExtraArgs(WHERE, ['--disable-log-requests'], VllmVersion.of('0.14.0'))).not.toThrow();
  });

  test('fails when extraArgs holds something that is not a string', () => {
    expect(() => checkExtraArgs(WHERE, ['--enforce-eager', 42 as unknown as string], V32))
      .toThrow(/^PrefillTier 'P': 'extraArgs' \(\["--enforce-eager",42\]\) must be a list of strings$/);
  });

  test('a tier checks its extraArgs and appends them after the rendered args', () => {
    expect(() => new PrefillTier(chart(), 'Prefill', { model: Model.LLAMA_3_1_8B_INSTRUCT, extraArgs: ['-tp', '2'] }))
      .toThrow(/^PrefillTier 'test\/Prefill': 'extraArgs' \('-tp'\) duplicates '--tensor-parallel-size', which the library renders; set 'tensorParallelSize' instead$/);
  });
});
