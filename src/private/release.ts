import * as semver from 'semver';
import { invalid } from './errors';

/** A `major.minor.patch` release number of one component (vLLM, vllm-router). */
export interface ReleaseNumber {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

// Every compat row check parses its boundary again (dozens per tier): parse each distinct string once.
// Release strings are few (the compat rows, the images in use), so the caches stay small.
const parsedInputs = new Map<string, ReleaseNumber>();
const semvers = new Map<string, semver.SemVer>();

/** Parses `0.19.1` or `v0.19.1`; `subject` and `allowed` make the error (`VllmVersion`, "must be ..."). */
export function parseRelease(subject: string, version: string, allowed: string): ReleaseNumber {
  const key = String(version);
  const cached = parsedInputs.get(key);
  if (cached) return cached;
  const parsed = semver.parse(key.replace(/^v/, ''));
  if (!parsed) throw invalid(subject, 'version', version, allowed);
  const r = { major: parsed.major, minor: parsed.minor, patch: parsed.patch };
  parsedInputs.set(key, r);
  return r;
}

/** `major.minor.patch`. */
export function releaseString(r: ReleaseNumber): string {
  return `${r.major}.${r.minor}.${r.patch}`;
}

/** True when `r` is at least `other`, both of one component. */
export function releaseAtLeast(r: ReleaseNumber, other: ReleaseNumber): boolean {
  return semver.gte(toSemver(r), toSemver(other));
}

function toSemver(r: ReleaseNumber): semver.SemVer {
  const s = releaseString(r);
  let v = semvers.get(s);
  if (!v) {
    v = new semver.SemVer(s);
    semvers.set(s, v);
  }
  return v;
}
