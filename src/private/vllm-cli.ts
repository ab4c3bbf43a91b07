/**
 * `extraArgs` flags and `extraEnv` VLLM_* names checked against the real `vllm serve` parser and vllm/envs.py
 * of the releases conformance/run installs. The data in ./generated/ is produced by
 * conformance/vllm/vllm_conformance.py from those releases, and conformance/run fails when it no longer
 * matches them. Releases without data keep the checks of vllm-args.ts only.
 *
 * How vLLM reads a flag (vllm/utils/argparse_utils.py, FlexibleArgumentParser.parse_args, v0.22.0 and v0.32.0):
 * - in `--a_b=v` and `--a_b v` underscores become dashes in the name up to the first '.' (the value is kept);
 * - `--kv-transfer-config.kv_role=x` (a dotted sub-key) is merged into the JSON of `--kv-transfer-config`;
 * - FlexibleArgumentParser never passes `allow_abbrev`, so argparse's default `allow_abbrev=True` applies:
 *   a unique prefix such as `--tensor-parallel` is taken as `--tensor-parallel-size`, an ambiguous one is an
 *   error (Python argparse `_parse_optional` / `_get_option_tuples`);
 * - a repeated flag only logs "Found duplicate keys" and the last value wins.
 */
import { invalid } from './errors';
import { VllmVersion } from '../vllm-version';
import { VLLM_0_22_0 } from './generated/vllm-0-22-0';
import { VLLM_0_32_0 } from './generated/vllm-0-32-0';

interface ReleaseCli {
  readonly version: string;
  /** Every option string of `vllm serve` with its argparse dest. */
  readonly options: Record<string, string>;
  /** Every name in vllm/envs.py `environment_variables`. */
  readonly env: string[];
}

const RELEASES: ReadonlyArray<ReleaseCli> = [VLLM_0_22_0, VLLM_0_32_0];

/** The generated data of exactly this release, if conformance/run checks it. */
function releaseCli(version: VllmVersion): ReleaseCli | undefined {
  return RELEASES.find(r => r.version === version.toString());
}

/** The releases with generated data, for messages. */
export function checkedReleases(): string[] {
  return RELEASES.map(r => r.version);
}

/** A flag as vLLM's parser sees it: `--tensor_parallel_size.x=2` -> `--tensor-parallel-size`. */
function normalized(arg: string): string {
  const name = arg.split('=')[0];
  if (!name.startsWith('--')) return name;
  return name.split('.')[0].replace(/_/g, '-');
}

/**
 * Checks one `extraArgs` element that starts with '-' against the release's parser. `renderedDests` maps the
 * dest of each rendered flag to the typed prop that sets it, so `-tp`, `--tensor_parallel_size` and the
 * abbreviation `--tensor-parallel` all count as repeating `--tensor-parallel-size`.
 */
export function checkFlagAgainstRelease(
  where: string, arg: string, version: VllmVersion, renderedFlags: ReadonlyArray<{ flag: string; prop: string }>,
): void {
  const cli = releaseCli(version);
  if (!cli) return;
  // A negative number is a value, not a flag (argparse: no option of vllm serve looks like a negative number).
  if (/^-\d/.test(arg)) return;
  // -O3 / -O=3 / -Odecode: vLLM maps these to --optimization-level itself (FlexibleArgumentParser.parse_args).
  if (/^-O./.test(arg) && cli.options['--optimization-level']) return;
  const name = normalized(arg);
  let option = cli.options[name] !== undefined ? name : undefined;
  if (option === undefined && name.startsWith('--')) {
    const matches = Object.keys(cli.options).filter(o => o.startsWith(name));
    if (matches.length > 1) {
      throw invalid(where, 'extraArgs', arg,
        `is an ambiguous abbreviation for vLLM ${cli.version}'s parser (${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', ...' : ''}); write the full flag`);
    }
    if (matches.length === 1) {
      const full = matches[0];
      const rendered = renderedBy(cli, full, renderedFlags);
      throw invalid(where, 'extraArgs', arg, rendered
        ? `is an abbreviation of '${full}', which the library renders; set '${rendered.prop}' instead`
        : `is an abbreviation that vLLM ${cli.version}'s parser expands to '${full}'; write '${full}'`);
    }
  }
  if (option === undefined) {
    throw invalid(where, 'extraArgs', arg,
      `is not a flag of 'vllm serve' in vLLM ${cli.version} (checked against its parser, src/private/generated/)${suggest(cli, name)}`);
  }
  const rendered = renderedBy(cli, option, renderedFlags);
  if (rendered) {
    throw invalid(where, 'extraArgs', arg, `sets the same option as '${rendered.flag}', which the library renders; set '${rendered.prop}' instead`);
  }
}

/** The rendered flag whose argparse dest equals that of `option`. */
function renderedBy(cli: ReleaseCli, option: string, renderedFlags: ReadonlyArray<{ flag: string; prop: string }>) {
  const dest = cli.options[option];
  return renderedFlags.find(f => cli.options[f.flag] !== undefined && cli.options[f.flag] === dest);
}

/** " (did you mean '--max-model-len'?)" for the closest option sharing the longest prefix. */
function suggest(cli: ReleaseCli, name: string): string {
  let best = '';
  let bestLen = 0;
  for (const o of Object.keys(cli.options)) {
    let i = 0;
    while (i < o.length && i < name.length && o[i] === name[i]) i++;
    if (i > bestLen) {
      best = o;
      bestLen = i;
    }
  }
  return bestLen >= 4 ? `; did you mean '${best}'?` : '';
}

/** Rejects a `VLLM_*` name that the release's vllm/envs.py does not define. */
export function checkEnvAgainstRelease(where: string, name: string, version: VllmVersion): void {
  const cli = releaseCli(version);
  if (!cli || !name.startsWith('VLLM_') || cli.env.includes(name)) return;
  throw invalid(where, 'extraEnv[].name', name,
    `is not an environment variable of vLLM ${cli.version} (its vllm/envs.py, src/private/generated/); vLLM would ignore it`);
}
