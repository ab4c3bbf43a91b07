import type { KvConnectorCommonOptions } from '../kv-connector-options';
import { Capability, has, range } from '../private/compat';
import { ConnectorImpl, ConnectorRendering, Transport } from '../private/connector-context';
import { invalid } from '../private/errors';
import { RFC1123_SUBDOMAIN } from '../private/names';
import { lenientRoles, seedRole } from '../private/role-rules';
import type { TierSpec } from '../private/tier-spec';
import { KvRole, TierRole } from '../roles';
import { VllmVersion } from '../vllm-version';

/**
 * Options for `KvConnector.example()`.
 */
export interface ExampleConnectorOptions extends KvConnectorCommonOptions {
  /**
   * An existing ReadWriteMany PersistentVolumeClaim mounted into both tiers.
   */
  readonly claimName: string;

  /**
   * `shared_storage_path`: where the claim is mounted and KV files are written.
   *
   * @default '/kv-shared-storage'
   * @see https://docs.vllm.ai/en/latest/features/disagg_prefill.html
   */
  readonly sharedStoragePath?: string;
}

const VOLUME = 'kv-shared-storage';
const DEFAULT_PATH = '/kv-shared-storage';
/** Annotation that marks manifests using a development-only connector. */
export const DEVELOPMENT_ONLY_ANNOTATION = 'vllm-pd.cdk8s.io/development-only';

/**
 * vLLM's ExampleConnector (SharedStorageConnector before PR #30201): prefill writes one safetensors file
 * per layer under `<shared_storage_path>/<prompt hash>/`, decode loads them when they exist
 * (`get_from_extra_config("shared_storage_path", "/tmp")`, v1/example_connector.py). Debug only.
 */
export class ExampleConnectorImpl implements ConnectorImpl {
  private readonly options: ExampleConnectorOptions;
  public readonly displayName = 'ExampleConnector';
  private readonly path: string;

  public constructor(options: ExampleConnectorOptions) {
    const where = 'KvConnector.example';
    this.options = options ?? ({} as ExampleConnectorOptions);
    if (typeof this.options.claimName !== 'string' || !RFC1123_SUBDOMAIN.test(this.options.claimName)) {
      throw invalid(where, 'claimName', this.options.claimName, 'must name an existing ReadWriteMany PersistentVolumeClaim (RFC 1123 subdomain)');
    }
    this.path = this.options.sharedStoragePath ?? DEFAULT_PATH;
    if (!this.path.startsWith('/') || this.path === '/' || /\s/.test(this.path)) {
      throw invalid(where, 'sharedStoragePath', this.path, "must be an absolute directory other than '/', e.g. '/kv-shared-storage'");
    }
  }

  public transport(): Transport {
    return Transport.SHARED_STORAGE;
  }

  private connectorName(version: VllmVersion): string {
    return has(version, Capability.EXAMPLE_CONNECTOR_NAME) ? 'ExampleConnector' : 'SharedStorageConnector';
  }

  public validateTier(ctx: TierSpec): void {
    if (!has(ctx.version, Capability.EXAMPLE_CONNECTOR_NAME) && !has(ctx.version, Capability.SHARED_STORAGE_CONNECTOR_NAME)) {
      throw invalid(ctx.where, 'kvConnector', this.displayName,
        `cannot be named for vLLM ${ctx.version}: SharedStorageConnector exists in ${range(Capability.SHARED_STORAGE_CONNECTOR_NAME)}, ` +
        `ExampleConnector in ${range(Capability.EXAMPLE_CONNECTOR_NAME)}, and which releases in between carry which name is unconfirmed (PR #30201)`);
    }
  }

  public defaultKvRole(tier: TierRole): KvRole {
    return seedRole(tier);
  }

  public allowedKvRoles(tier: TierRole): KvRole[] {
    return lenientRoles(tier);
  }

  public render(spec: TierSpec): ConnectorRendering {
    return {
      connectorName: this.connectorName(spec.version),
      extraConfig: { shared_storage_path: this.path },
      pod: {
        volumes: [{
          volume: { name: VOLUME, persistentVolumeClaim: { claimName: this.options.claimName } },
          mount: { name: VOLUME, mountPath: this.path },
        }],
        annotations: {
          [DEVELOPMENT_ONLY_ANNOTATION]: 'ExampleConnector writes KV caches to shared storage; for development and testing only',
        },
      },
    };
  }
}
