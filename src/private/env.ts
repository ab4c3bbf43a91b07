import { k8s } from 'cdk8s-plus-28';
import { EnvironmentVariable } from '../environment-variable';
import { invalid } from './errors';
import { HF_TOKEN_PATTERN, SECRET_ENV_NAME } from './secrets';
import { checkEnvAgainstRelease } from './vllm-cli';
import { VllmVersion } from '../vllm-version';

// Names that hold credentials. A literal value for them would put a secret into the manifest.
// https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * Converts user env to L1 env vars, rejecting literal secrets, names the library already renders and, for the
 * releases conformance/run checks, VLLM_* names that the release's vllm/envs.py does not define.
 */
export function renderExtraEnv(where: string, extra: EnvironmentVariable[], rendered: k8s.EnvVar[], version?: VllmVersion): k8s.EnvVar[] {
  const taken = new Set(rendered.map(e => e.name));
  const out: k8s.EnvVar[] = [];
  for (const e of extra) {
    if (!e || typeof e.name !== 'string' || !ENV_NAME.test(e.name)) {
      throw invalid(where, 'extraEnv[].name', e?.name, 'must be a valid environment variable name');
    }
    if (!e.value || (e.value.value === undefined && e.value.valueFrom === undefined)) {
      throw invalid(where, `extraEnv[${e.name}].value`, e.value, "must be an EnvValue, e.g. EnvValue.fromValue('1')");
    }
    if (version) checkEnvAgainstRelease(where, e.name, version);
    if (taken.has(e.name)) {
      throw invalid(where, 'extraEnv', e.name, 'is already set by the library (or listed twice); set the typed prop instead');
    }
    const literal = e.value.value;
    if (literal !== undefined && (SECRET_ENV_NAME.test(e.name) || HF_TOKEN_PATTERN.test(String(literal)))) {
      throw invalid(where, `extraEnv[${e.name}]`, '<redacted literal>',
        'is a secret given as a literal; use EnvValue.fromSecretValue({ secret, key }) so it stays in a Secret');
    }
    taken.add(e.name);
    out.push(literal !== undefined ? { name: e.name, value: String(literal) } : { name: e.name, valueFrom: e.value.valueFrom });
  }
  return out;
}
