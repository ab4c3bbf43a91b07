import * as semver from 'semver';
import { invalid } from './errors';

/** A `major.minor.patch` release number of one component (vLLM, vllm-router). */
export interface ReleaseNumber {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Parses `0.19.1` or `v0.19.1`; `subject` and `allowed` make the error (`VllmVersion`, "must be ..."). */
export function parseRelease(subject: string, version: string, allowed: string): ReleaseNumber {
  const parsed = semver.parse(String(version).replace(/^v/, ''));
  if (!parsed) throw invalid(subject, 'version', version, allowed);
  return { major: parsed.major, minor: parsed.minor, patch: parsed.patch };
}

/** `major.minor.patch`. */
export function releaseString(r: ReleaseNumber): string {
  return `${r.major}.${r.minor}.${r.patch}`;
}

/** True when `r` is at least `other`, both of one component. */
export function releaseAtLeast(r: ReleaseNumber, other: ReleaseNumber): boolean {
  return semver.gte(releaseString(r), releaseString(other));
}
