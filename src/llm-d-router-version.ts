import { parseRelease, releaseAtLeast, releaseString } from './private/release';

/**
 * A release of the llm-d router (github.com/llm-d/llm-d-router, formerly llm-d-inference-scheduler): the
 * endpoint picker and the disaggregation sidecar are built from one tag and published as
 * `ghcr.io/llm-d/llm-d-router-endpoint-picker:vX.Y.Z` and `ghcr.io/llm-d/llm-d-router-disagg-sidecar:vX.Y.Z`.
 * It decides which flags and plugins are rendered; its boundaries are rows of the one compatibility table.
 *
 * @see https://github.com/llm-d/llm-d-router/releases
 */
export class LlmdRouterVersion {
  /** Parses a version such as `0.10.0` or `v0.10.0`. */
  public static of(version: string): LlmdRouterVersion {
    const r = parseRelease('LlmdRouterVersion', version, "must be an llm-d router release version such as '0.10.0'");
    return new LlmdRouterVersion(r.major, r.minor, r.patch);
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

  /** True when this version is at least `other` (`0.10.0`). */
  public isAtLeast(other: string): boolean {
    return releaseAtLeast(this, LlmdRouterVersion.of(other));
  }
}
