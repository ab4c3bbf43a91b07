import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { checkStruct } from './private/boundary';
import { invalid } from './private/errors';
import { RFC1123_SUBDOMAIN } from './private/names';
import { EMPTY_DIR_MODEL_CACHE_OPTIONS, PVC_MODEL_CACHE_OPTIONS } from './private/prop-keys';
import { bytesOf, quantity } from './private/size';

/**
 * Options for `ModelCache.emptyDir`.
 */
export interface EmptyDirModelCacheOptions {
  /**
   * Size limit of the emptyDir (the weights plus some headroom).
   *
   * @default - no limit
   * @see https://kubernetes.io/docs/concepts/storage/volumes/#emptydir
   */
  readonly sizeLimit?: Size;
}

/**
 * Options for `ModelCache.persistentVolumeClaim`.
 */
export interface PvcModelCacheOptions {
  /**
   * Mount the claim read-only. The weights must already be in it; Hugging Face downloads are then
   * switched off with `HF_HUB_OFFLINE=1` so nothing tries to write.
   *
   * @default false
   * @see https://huggingface.co/docs/huggingface_hub/package_reference/environment_variables#hfhuboffline
   */
  readonly readOnly?: boolean;
}

/** Where the cache is mounted; `HF_HOME` points here. */
const MOUNT_PATH = '/model-cache';

/**
 * Where model weights are cached in each vLLM pod (mounted at `/model-cache`, with `HF_HOME` set to it).
 */
export class ModelCache {
  /**
   * A per-pod emptyDir: weights are downloaded again whenever a pod starts. Simple, slow to restart.
   */
  public static emptyDir(options: EmptyDirModelCacheOptions = {}): ModelCache {
    options = checkStruct('ModelCache.emptyDir', 'options', options, EMPTY_DIR_MODEL_CACHE_OPTIONS) ?? {};
    const sizeLimit = options.sizeLimit ? k8s.Quantity.fromString(quantity(bytesOf(options.sizeLimit))) : undefined;
    return new ModelCache({ emptyDir: { sizeLimit } }, false);
  }

  /**
   * An existing PersistentVolumeClaim (ReadWriteMany or ReadOnlyMany when several pods share it).
   */
  public static persistentVolumeClaim(claimName: string, options: PvcModelCacheOptions = {}): ModelCache {
    options = checkStruct('ModelCache.persistentVolumeClaim', 'options', options, PVC_MODEL_CACHE_OPTIONS) ?? {};
    if (typeof claimName !== 'string' || !RFC1123_SUBDOMAIN.test(claimName)) {
      throw invalid('ModelCache.persistentVolumeClaim', 'claimName', claimName, 'must be a Kubernetes object name (RFC 1123 subdomain)');
    }
    const readOnly = options.readOnly ?? false;
    return new ModelCache({ persistentVolumeClaim: { claimName, readOnly: readOnly || undefined } }, readOnly);
  }

  /** Path the cache is mounted at. */
  public readonly mountPath = MOUNT_PATH;
  /** Whether the cache is mounted read-only. */
  public readonly readOnly: boolean;
  private readonly source: Omit<k8s.Volume, 'name'>;

  private constructor(source: Omit<k8s.Volume, 'name'>, readOnly: boolean) {
    this.source = source;
    this.readOnly = readOnly;
  }

  /** @internal */
  public _volume(name: string): k8s.Volume {
    return { name, ...this.source };
  }

  /** @internal */
  public _mount(name: string): k8s.VolumeMount {
    return { name, mountPath: this.mountPath, readOnly: this.readOnly || undefined };
  }

  /** @internal */
  public _env(): k8s.EnvVar[] {
    const env: k8s.EnvVar[] = [{ name: 'HF_HOME', value: this.mountPath }];
    if (this.readOnly) env.push({ name: 'HF_HUB_OFFLINE', value: '1' });
    return env;
  }
}
