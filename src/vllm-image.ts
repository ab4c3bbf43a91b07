import { checkStruct, str } from './private/boundary';
import { invalid } from './private/errors';
import { requireImageReference } from './private/k8s-syntax';
import { VLLM_IMAGE_OPTIONS } from './private/prop-keys';
import { VllmVersion } from './vllm-version';

/**
 * The official vLLM OpenAI-compatible server image on Docker Hub; its entrypoint is `vllm serve`.
 * @see https://docs.vllm.ai/en/latest/deployment/docker.html
 */
const OFFICIAL_REPOSITORY = 'docker.io/vllm/vllm-openai';

/**
 * Default tag: see README "Choosing the vLLM version" for why this release.
 */
const DEFAULT_TAG = 'v0.32.0';

/**
 * Options for `VllmImage.fromRegistry`.
 */
export interface VllmImageOptions {
  /**
   * The vLLM version inside the image. Required when the tag is not a version (`latest`, a digest,
   * a custom build); otherwise taken from the tag.
   *
   * @default - parsed from the image tag
   * @see https://hub.docker.com/r/vllm/vllm-openai/tags
   */
  readonly version?: string;
}

/**
 * The vLLM container image and the vLLM version it contains.
 */
export class VllmImage {
  /** The library's default image, `docker.io/vllm/vllm-openai:v0.32.0`. */
  public static readonly DEFAULT = VllmImage.official(DEFAULT_TAG);

  /**
   * `docker.io/vllm/vllm-openai:<tag>`; the version is read from the tag.
   */
  public static official(tag: string): VllmImage {
    str(true)('VllmImage.official', 'tag', tag);
    return VllmImage.fromRegistry(`${OFFICIAL_REPOSITORY}:${tag}`);
  }

  /**
   * Any image that runs vLLM's OpenAI server (e.g. a build with Mooncake or LMCache added).
   */
  public static fromRegistry(image: string, options: VllmImageOptions = {}): VllmImage {
    const where = 'VllmImage';
    str()(where, 'image', image);
    if (!image || /\s/.test(image)) {
      throw invalid(where, 'image', image, 'must be a non-empty image reference without whitespace');
    }
    requireImageReference(where, 'image', image);
    options = checkStruct(where, 'options', options, VLLM_IMAGE_OPTIONS) ?? {};
    const tag = imageTag(image);
    const tagVersion = tag === undefined ? undefined : VllmVersion.fromImageTag(tag);
    if (options.version !== undefined) {
      const explicit = VllmVersion.of(options.version);
      // On the official image the tag is the vLLM version; other images (lmcache/vllm-openai:v0.5.4) tag their own.
      if (isOfficial(image) && tagVersion && tagVersion.toString() !== explicit.toString()) {
        throw invalid(where, 'version', options.version, `contradicts the image tag '${tag}' (vLLM ${tagVersion}); drop 'version' or fix the tag`);
      }
      return new VllmImage(image, explicit);
    }
    const version = tagVersion;
    if (!version) {
      throw invalid(where, 'image', image,
        "has no version tag: pass { version: '0.19.1' } so connectors and flags can be checked against that release");
    }
    return new VllmImage(image, version);
  }

  /** Full image reference. */
  public readonly image: string;
  /** vLLM version inside the image. */
  public readonly version: VllmVersion;

  private constructor(image: string, version: VllmVersion) {
    this.image = image;
    this.version = version;
  }
}

/** Whether the reference is the official vllm/vllm-openai repository. */
function isOfficial(image: string): boolean {
  const repo = image.split('@')[0].replace(/:[^/]*$/, '');
  return repo === OFFICIAL_REPOSITORY || repo === 'vllm/vllm-openai';
}

/** The tag of an image reference, or undefined for digest-only and untagged references. */
function imageTag(image: string): string | undefined {
  // `repo:tag@sha256:...`: the tag is what precedes the digest.
  const ref = image.split('@')[0];
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  return colon < 0 ? undefined : ref.slice(colon + 1);
}
