import { parseRelease, releaseAtLeast, releaseString } from './private/release';

/**
 * A vLLM release version. It decides which connectors, connector names and flags are rendered.
 */
export class VllmVersion {
  /**
   * Parses a version such as `0.19.1` or `v0.19.1`.
   */
  public static of(version: string): VllmVersion {
    const r = parseRelease('VllmVersion', version, "must be a vLLM release version such as '0.19.1' or 'v0.19.1'");
    return new VllmVersion(r.major, r.minor, r.patch);
  }

  /**
   * Takes the version from an image tag such as `v0.19.1` or `v0.19.1-cu129`.
   * Returns undefined when the tag is not a version (`latest`, `nightly`, a digest ...).
   */
  public static fromImageTag(tag: string): VllmVersion | undefined {
    const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+.][0-9A-Za-z.-]+)?$/.exec(tag);
    return m ? new VllmVersion(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
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

  /** True when this version is at least `other` (`0.19.1`). */
  public isAtLeast(other: string): boolean {
    return releaseAtLeast(this, VllmVersion.of(other));
  }
}
