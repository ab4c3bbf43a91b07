import { EnvValue } from 'cdk8s-plus-28';
import { Model, PrefillTier, VllmImage } from '../../src';
import { renderExtraEnv } from '../../src/private/env';
import { VLLM_0_22_0 } from '../../src/private/generated/vllm-0-22-0';
import { VLLM_0_32_0 } from '../../src/private/generated/vllm-0-32-0';
import { checkExtraArgs } from '../../src/private/vllm-args';
import { checkedReleases } from '../../src/private/vllm-cli';
import { VllmVersion } from '../../src/vllm-version';
import { chart, message } from '../util';

const V32 = VllmVersion.of('0.32.0');
const V22 = VllmVersion.of('0.22.0');
const WHERE = "PrefillTier 'P'";

describe('extraArgs against the generated vLLM parser data', () => {
  test('covers the releases conformance/run installs', () => {
    expect(checkedReleases()).toEqual(['0.22.0', '0.32.0']);
  });

  test.each([VLLM_0_22_0, VLLM_0_32_0])('every flag the library renders exists in vLLM $version', (cli) => {
    for (const flag of ['--served-model-name', '--tokenizer', '--port', '--tensor-parallel-size', '--pipeline-parallel-size',
      '--data-parallel-size', '--gpu-memory-utilization', '--max-model-len', '--max-num-seqs', '--max-num-batched-tokens',
      '--block-size', '--kv-cache-dtype', '--enable-prefix-caching', '--no-enable-prefix-caching', '--enable-chunked-prefill',
      '--no-enable-chunked-prefill', '--kv-transfer-config', '--shutdown-timeout']) {
      expect(cli.options[flag]).toBeDefined();
    }
  });

  test.each([
    [['--enforce-eager']],
    [['--enforce_eager']],
    [['--max-log-len=100']],
    [['--compilation-config', '{"mode": 3}']],
    [['--compilation-config.mode=3']],
    [['-O3']],
    [['--seed', '-1']],
  ])('accepts flags vLLM 0.32.0 has (%p)', (args) => {
    expect(() => checkExtraArgs(WHERE, args, V32)).not.toThrow();
  });

  test('fails on a typo of a flag, naming the closest real flag', () => {
    expect(message(() => checkExtraArgs(WHERE, ['--max-model-length=4096'], V32))).toBe(
      "PrefillTier 'P': 'extraArgs' ('--max-model-length=4096') is not a flag of 'vllm serve' in vLLM 0.32.0 "
      + "(checked against its parser, src/private/generated/); did you mean '--max-model-len'?");
  });

  test('fails on an argparse abbreviation of a rendered flag', () => {
    expect(message(() => checkExtraArgs(WHERE, ['--tensor-parallel=2'], V32))).toBe(
      "PrefillTier 'P': 'extraArgs' ('--tensor-parallel=2') is an abbreviation of '--tensor-parallel-size', "
      + "which the library renders; set 'tensorParallelSize' instead");
  });

  test('fails on an argparse abbreviation of any other flag', () => {
    expect(message(() => checkExtraArgs(WHERE, ['--enforce-eag'], V32))).toBe(
      "PrefillTier 'P': 'extraArgs' ('--enforce-eag') is an abbreviation that vLLM 0.32.0's parser expands to "
      + "'--enforce-eager'; write '--enforce-eager'");
  });

  test('fails on an ambiguous abbreviation', () => {
    expect(message(() => checkExtraArgs(WHERE, ['--max-num=4'], V32)))
      .toMatch(/^PrefillTier 'P': 'extraArgs' \('--max-num=4'\) is an ambiguous abbreviation for vLLM 0.32.0's parser \(--max-num-active-seqs, /);
  });

  test('fails on an alias of a rendered flag that only the parser knows (--device-memory-utilization)', () => {
    expect(message(() => checkExtraArgs(WHERE, ['--device-memory-utilization=0.8'], V32))).toBe(
      "PrefillTier 'P': 'extraArgs' ('--device-memory-utilization=0.8') sets the same option as "
      + "'--gpu-memory-utilization', which the library renders; set 'gpuMemoryUtilization' instead");
  });

  test('fails on a dotted sub-key abbreviation of a rendered JSON flag', () => {
    expect(message(() => checkExtraArgs(WHERE, ['--kv-transfer.kv_role=kv_both'], V32)))
      .toMatch(/is an abbreviation of '--kv-transfer-config', which the library renders; set 'kvConnector' instead$/);
  });

  test('fails on an unknown short flag', () => {
    expect(message(() => checkExtraArgs(WHERE, ['-xyz'], V32))).toMatch(/^PrefillTier 'P': 'extraArgs' \('-xyz'\) is not a flag of 'vllm serve' in vLLM 0.32.0/);
  });

  test('fails on a flag that the older checked release does not have yet', () => {
    expect(VLLM_0_32_0.options['--device-ids']).toBeDefined();
    expect(message(() => checkExtraArgs(WHERE, ['--device-ids=0'], V22)))
      .toMatch(/^PrefillTier 'P': 'extraArgs' \('--device-ids=0'\) is not a flag of 'vllm serve' in vLLM 0.22.0/);
  });

  test('releases without generated data keep the older checks only', () => {
    expect(() => checkExtraArgs(WHERE, ['--max-model-length=4096'], VllmVersion.of('0.26.0'))).not.toThrow();
  });

  test('fails at synth when a tier passes a typo in extraArgs', () => {
    expect(() => new PrefillTier(chart(), 'P', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      extraArgs: ['--max-model-length=4096'],
    })).toThrow(/'extraArgs' \('--max-model-length=4096'\) is not a flag of 'vllm serve' in vLLM 0.32.0/);
  });
});

describe('extraEnv VLLM_* names against the generated vllm/envs.py data', () => {
  test('accepts a name vllm/envs.py defines, and names outside VLLM_*', () => {
    expect(VLLM_0_32_0.env).toContain('VLLM_LOGGING_LEVEL');
    expect(() => renderExtraEnv(WHERE, [{ name: 'VLLM_LOGGING_LEVEL', value: EnvValue.fromValue('DEBUG') }], [], V32)).not.toThrow();
    expect(() => renderExtraEnv(WHERE, [{ name: 'NCCL_DEBUG', value: EnvValue.fromValue('INFO') }], [], V32)).not.toThrow();
  });

  test('fails on a VLLM_* name vllm/envs.py does not define', () => {
    expect(message(() => renderExtraEnv(WHERE, [{ name: 'VLLM_LOGING_LEVEL', value: EnvValue.fromValue('DEBUG') }], [], V32))).toBe(
      "PrefillTier 'P': 'extraEnv[].name' ('VLLM_LOGING_LEVEL') is not an environment variable of vLLM 0.32.0 "
      + '(its vllm/envs.py, src/private/generated/); vLLM would ignore it');
  });

  test('fails on a name only a later release defines', () => {
    expect(VLLM_0_32_0.env).toContain('VLLM_CHAT_TEMPLATE_RENDER_TIMEOUT');
    expect(VLLM_0_22_0.env).not.toContain('VLLM_CHAT_TEMPLATE_RENDER_TIMEOUT');
    expect(() => new PrefillTier(chart(), 'P', {
      model: Model.LLAMA_3_1_8B_INSTRUCT,
      image: VllmImage.official('v0.22.0'),
      extraEnv: [{ name: 'VLLM_CHAT_TEMPLATE_RENDER_TIMEOUT', value: EnvValue.fromValue('5') }],
    })).toThrow(/'extraEnv\[\].name' \('VLLM_CHAT_TEMPLATE_RENDER_TIMEOUT'\) is not an environment variable of vLLM 0.22.0/);
  });
});
