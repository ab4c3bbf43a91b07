import { parseRelease, releaseAtLeast, releaseString } from './private/release';

/**
 * A vllm-router release version (the `vllm-router` package on PyPI and the binary's Cargo version). It decides
 * which router flags are rendered; its boundaries are rows of the one compatibility table.
 *
 * vllm-router images are tagged `nightly-<date>-<commit>`, not by version, so the version is stated, not parsed:
 * use the newest PyPI release published before the image's date (the image contains at least that release).
 * @see https://pypi.org/project/vllm-router/#history
 */
export class VllmRouterVersion {
  /** Parses a version such as `0.1.15` or `v0.1.15`. */
  public static of(version: string): VllmRouterVersion {
    const r = parseRelease('VllmRouterVersion', version, "must be a vllm-router release version such as '0.1.15'");
    return new VllmRouterVersion(r.major, r.minor, r.patch);
  }

  /** Major version. */
  public readonly major: number;
  /** Minor version. */
  public readonly minor: number;
  /** Patch version. */
  public readonly patch: number;

  private constructor(major: number, minor: number, patch: number) {
    this.major = major;
    this.minor = minor;
    this.patch = patch;
  }

  /** `major.minor.patch`. */
  public toString(): string {
    return releaseString(this);
  }

  /** True when this version is at least `other` (`0.1.15`). */
  public isAtLeast(other: string): boolean {
    return releaseAtLeast(this, VllmRouterVersion.of(other));
  }
}
