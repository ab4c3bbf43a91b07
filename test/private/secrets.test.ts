import { HF_TOKEN_PATTERN, SECRET_ENV_NAME } from '../../src/private/secrets';

describe('secrets', () => {
  test.each(['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'VLLM_API_KEY', 'OPENAI_APIKEY', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'GCP_CREDENTIALS'])(
    '%s is a secret name', (name) => {
      expect(SECRET_ENV_NAME.test(name)).toBe(true);
    });

  test.each(['TOKENIZERS_PARALLELISM', 'UCX_TLS', 'HF_HOME', 'MAX_TOKENS'])('%s is not a secret name', (name) => {
    expect(SECRET_ENV_NAME.test(name)).toBe(false);
  });

  test('recognises Hugging Face tokens, not short hf_ words', () => {
    expect(HF_TOKEN_PATTERN.test(`x hf_${'a'.repeat(30)} y`)).toBe(true);
    expect(HF_TOKEN_PATTERN.test('hf_home')).toBe(false);
  });
});
