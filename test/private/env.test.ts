import { EnvValue, Secret } from 'cdk8s-plus-28';
import { EnvironmentVariable } from '../../src/environment-variable';
import { renderExtraEnv } from '../../src/private/env';
import { chart, message } from '../util';

const WHERE = "PrefillTier 'P'";
const LIBRARY = [
  { name: 'VLLM_NIXL_SIDE_CHANNEL_PORT', value: '5600' },
  { name: 'HF_HOME', value: '/model-cache' },
];
const TOKEN = 'hf_AbCdEfGhIjKlMnOpQrStUvWxYz';

describe('renderExtraEnv', () => {
  test('renders literal values in order', () => {
    expect(renderExtraEnv(WHERE, [
      { name: 'VLLM_LOGGING_LEVEL', value: EnvValue.fromValue('DEBUG') },
      { name: 'UCX_TLS', value: EnvValue.fromValue('rc,cuda_copy') },
      { name: 'NCCL_DEBUG', value: EnvValue.fromValue('') },
    ], LIBRARY)).toEqual([
      { name: 'VLLM_LOGGING_LEVEL', value: 'DEBUG' },
      { name: 'UCX_TLS', value: 'rc,cuda_copy' },
      { name: 'NCCL_DEBUG', value: '' },
    ]);
  });

  test('renders nothing for no extra env', () => {
    expect(renderExtraEnv(WHERE, [], LIBRARY)).toEqual([]);
  });

  test('accepts a secret from a Secret via EnvValue.fromSecretValue', () => {
    const secret = Secret.fromSecretName(chart(), 'Hf', 'hf-token');
    expect(renderExtraEnv(WHERE, [
      { name: 'HF_TOKEN', value: EnvValue.fromSecretValue({ secret, key: 'token' }) },
      { name: 'VLLM_API_KEY', value: EnvValue.fromSecretValue({ secret, key: 'api-key' }) },
    ], LIBRARY)).toEqual([
      { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token' } } },
      { name: 'VLLM_API_KEY', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'api-key' } } },
    ]);
  });

  test('accepts other valueFrom sources', () => {
    expect(renderExtraEnv(WHERE, [{ name: 'NODE_NAME', value: EnvValue.fromFieldRef('spec.nodeName' as any) }], LIBRARY))
      .toEqual([{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
  });

  test.each(['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'VLLM_API_KEY', 'OPENAI_APIKEY', 'DB_PASSWORD', 'S3_SECRET', 'AWS_ACCESS_KEY_ID', 'my_private_key', 'GCP_CREDENTIALS'])(
    'fails when %s is given as a literal', (name) => {
      const msg = message(() => renderExtraEnv(WHERE, [{ name, value: EnvValue.fromValue('s3cr3t-value') }], LIBRARY));
      expect(msg).toBe(`${WHERE}: 'extraEnv[${name}]' ('<redacted literal>') is a secret given as a literal; use EnvValue.fromSecretValue({ secret, key }) so it stays in a Secret`);
      expect(msg).not.toContain('s3cr3t-value');
    });

  test('fails when a Hugging Face token is the literal value of an innocent-looking name', () => {
    const msg = message(() => renderExtraEnv(WHERE, [{ name: 'HF_AUTH', value: EnvValue.fromValue(TOKEN) }], LIBRARY));
    expect(msg).toMatch(/^PrefillTier 'P': 'extraEnv\[HF_AUTH\]' \('<redacted literal>'\) is a secret given as a literal; use EnvValue\.fromSecretValue/);
    expect(msg).not.toContain(TOKEN);
  });

  test.each(['HF_HOME', 'VLLM_NIXL_SIDE_CHANNEL_PORT'])('fails when extraEnv sets %s, which the library renders', (name) => {
    expect(() => renderExtraEnv(WHERE, [{ name, value: EnvValue.fromValue('x') }], LIBRARY))
      .toThrow(new RegExp(`^PrefillTier 'P': 'extraEnv' \\('${name}'\\) is already set by the library \\(or listed twice\\); set the typed prop instead$`));
  });

  test('fails when extraEnv lists a name twice', () => {
    expect(() => renderExtraEnv(WHERE, [
      { name: 'UCX_TLS', value: EnvValue.fromValue('all') },
      { name: 'UCX_TLS', value: EnvValue.fromValue('tcp') },
    ], LIBRARY)).toThrow(/^PrefillTier 'P': 'extraEnv' \('UCX_TLS'\) is already set by the library \(or listed twice\)/);
  });

  test.each(['1VAR', 'MY VAR', 'A=B', '', 'ÄPFEL'])('fails when the name is %p', (name) => {
    expect(() => renderExtraEnv(WHERE, [{ name, value: EnvValue.fromValue('1') }], LIBRARY))
      .toThrow(new RegExp(`^PrefillTier 'P': 'extraEnv\\[\\]\\.name' \\('${name}'\\) must be a valid environment variable name$`));
  });

  test('fails when an entry has no value', () => {
    expect(() => renderExtraEnv(WHERE, [{ name: 'X' } as EnvironmentVariable], LIBRARY))
      .toThrow(/^PrefillTier 'P': 'extraEnv\[X\]\.value' \(undefined\) must be an EnvValue, e\.g\. EnvValue\.fromValue\('1'\)$/);
  });
});
