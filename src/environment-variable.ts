import { EnvValue } from 'cdk8s-plus-28';

/**
 * An extra environment variable for the vLLM container.
 */
export interface EnvironmentVariable {
  /** Variable name. */
  readonly name: string;
  /**
   * Its value. Secrets must come from `EnvValue.fromSecretValue(...)`; literal values for
   * secret-looking names (`*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*API_KEY*`, ...) fail synth.
   */
  readonly value: EnvValue;
}
