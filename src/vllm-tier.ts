import { ApiObject, Duration, Lazy, Yaml } from 'cdk8s';
import { Construct } from 'constructs';
import { Accelerator } from './accelerator';
import { KvConnector } from './kv-connector';
import { Model } from './model';
import { IPdTier } from './pd-tier';
import { checkStruct } from './private/boundary';
import { RouterEndpoint, TierConnectorRendering } from './private/connector-context';
import { invalid } from './private/errors';
import { COMPONENT_LABEL, instanceLabelValue, MANAGED_BY, MANAGED_BY_LABEL } from './private/labels';
import { Contribution, MergedPod, PodContribution, PodVolume } from './private/pod-contribution';
import { VLLM_TIER_PROPS } from './private/tier-keys';
import { resolveTierSpec, TierSpec } from './private/tier-spec';
import { renderServeArgs } from './private/vllm-args';
import {
  mergeTierPod, NO_SURGE_ROLLOUT, renderDeployment, renderTierPodTemplate, renderTierService,
} from './private/workload';
import { KvRole, TierRole } from './roles';
import { KvCacheDtype, VllmTierProps } from './tier-options';
import { VllmImage } from './vllm-image';

/** What a PdRouter binds into a tier. */
interface RouterBinding {
  readonly path: string;
  readonly endpoint: RouterEndpoint;
  readonly contribution: Contribution;
}

/**
 * Shared implementation of `PrefillTier` and `DecodeTier`: one Deployment (`Resource`) of
 * `vllm serve` pods and one ClusterIP Service (`Service`).
 *
 * Three stages: the props are resolved into a validated spec (`src/private/tier-spec.ts`); the connector and
 * the router contribute to the pods from that spec (`src/private/pod-contribution.ts`); the workload renderer
 * writes the pod template and the Deployment (`src/private/workload.ts`).
 */
export abstract class VllmTier extends Construct implements IPdTier {
  /** Prefill or decode. */
  public readonly role: TierRole;
  /** The served model. */
  public readonly model: Model;
  /** `--served-model-name`, if set. */
  public readonly servedModelName?: string;
  /** `--tokenizer`, if set. */
  public readonly tokenizer?: string;
  /** The vLLM image and version. */
  public readonly image: VllmImage;
  /** The KV connector. */
  public readonly kvConnector: KvConnector;
  /** This tier's `kv_role`. */
  public readonly kvRole: KvRole;
  /** Pods. */
  public readonly replicas: number;
  /** GPU model. */
  public readonly accelerator: Accelerator;
  /** `--tensor-parallel-size`. */
  public readonly tensorParallelSize: number;
  /** `--pipeline-parallel-size`. */
  public readonly pipelineParallelSize: number;
  /** `--data-parallel-size`. */
  public readonly dataParallelSize: number;
  /** GPUs requested by each pod: tensor x pipeline x data. */
  public readonly gpusPerPod: number;
  /** `--block-size`, if set. */
  public readonly blockSize?: number;
  /** `--kv-cache-dtype`, if set. */
  public readonly kvCacheDtype?: KvCacheDtype;
  /** `--enable-chunked-prefill`, if set by the user or forced by the connector. */
  public readonly enableChunkedPrefill?: boolean;
  /** vLLM HTTP port. */
  public readonly port: number;
  /** How long a pod may take to start (the startup probe's budget). */
  public readonly startupTimeout: Duration;
  /** The tier's workload object (a Deployment today), for escape hatches. */
  public readonly workload: ApiObject;
  /** The tier's Deployment (the same object as `workload`). */
  public readonly deployment: ApiObject;
  /** The tier's ClusterIP Service. */
  public readonly service: ApiObject;
  /** Name of the tier's Service. */
  public readonly serviceName: string;
  /** Labels that select exactly this tier's pods. */
  public readonly selectorLabels: { [key: string]: string };

  /**
   * The resolved spec: the only input of connectors, routers and pair rules.
   * @internal
   */
  public readonly _spec: TierSpec;

  private readonly connectorFiles: PodVolume[];
  private router?: RouterBinding;
  private autoscaled = false;
  private readonly renderings = new Map<RouterBinding | undefined, TierConnectorRendering>();
  private readonly merges = new Map<RouterBinding | undefined, MergedPod>();

  protected constructor(scope: Construct, id: string, role: TierRole, props: VllmTierProps) {
    super(scope, id);
    const where = `${role === TierRole.PREFILL ? 'PrefillTier' : 'DecodeTier'} '${this.node.path}'`;
    if (!props || !props.model) {
      throw invalid(where, 'model', props?.model, 'is required: pass Model.of(...) or a catalogue entry such as Model.LLAMA_3_1_8B_INSTRUCT');
    }
    // ---- 0. the validated boundary: types, shapes and unknown keys of every prop (private/boundary.ts)
    props = checkStruct(where, 'props', props, VLLM_TIER_PROPS);
    // Tiers of one PD deployment share their parent's instance label; a second tier of the same role there
    // would share selectors with the first, so each Service would pick both Deployments' pods.
    const twin = this.node.scope?.node.children.find(c => c !== this && c instanceof VllmTier && c.role === role);
    if (twin) {
      throw invalid(where, 'scope', this.node.scope?.node.path || '<root>',
        `already holds ${role} tier '${twin.node.path}': put each PD deployment in its own scope (a Construct or a PdService)`);
    }
    // ---- 1. resolve: defaults, rules, the connector's rules; the only input of the stages below
    const spec = resolveTierSpec({ where, role, instance: instanceLabelValue(this.node.scope ?? this), props });
    this._spec = spec;
    this.role = role;
    this.model = spec.model;
    this.servedModelName = spec.servedModelName;
    this.tokenizer = spec.tokenizer;
    this.image = spec.image;
    this.kvConnector = spec.kvConnector;
    this.kvRole = spec.kvRole;
    this.replicas = spec.replicas;
    this.accelerator = spec.accelerator;
    this.tensorParallelSize = spec.tensorParallelSize;
    this.pipelineParallelSize = spec.pipelineParallelSize;
    this.dataParallelSize = spec.dataParallelSize;
    this.gpusPerPod = spec.gpusPerPod;
    this.blockSize = spec.blockSize;
    this.kvCacheDtype = spec.kvCacheDtype;
    this.enableChunkedPrefill = spec.enableChunkedPrefill;
    this.port = spec.port;
    this.startupTimeout = props.startupTimeout ?? Duration.minutes(60);
    this.selectorLabels = spec.selectorLabels;

    // ---- 2. contribute: the connector's config files become ConfigMaps of this tier (content read at synth,
    // when the router's address is known); then everything is merged once now, so collisions fail here.
    this.connectorFiles = this.connectorRendering().configFiles.map((file, i) => {
      let fileScope: Construct = this;
      for (const part of file.path.slice(0, -1)) fileScope = (fileScope.node.tryFindChild(part) as Construct) ?? new Construct(fileScope, part);
      const cm = new ApiObject(fileScope, file.path[file.path.length - 1], {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { labels: { ...spec.instanceLabels, [COMPONENT_LABEL]: spec.tier, [MANAGED_BY_LABEL]: MANAGED_BY } },
        data: Lazy.any({ produce: () => ({ [file.fileName]: Yaml.stringify(this.connectorRendering().configFiles[i].content) }) }),
      });
      return {
        volume: { name: file.volumeName, configMap: { name: cm.name } },
        mount: { name: file.volumeName, mountPath: file.mountPath, readOnly: true },
      };
    });
    const pod = this.mergedPod();

    // ---- 3. render
    this.workload = renderDeployment(this, 'Resource', {
      labels: spec.labels,
      selector: spec.selectorLabels,
      replicas: () => (this.autoscaled ? undefined : spec.replicas),
      strategy: NO_SURGE_ROLLOUT,
      // Rendered at synth time: some connectors' JSON needs the router's address, bound by PdRouter later.
      template: () => {
        const rendering = this.connectorRendering();
        return renderTierPodTemplate(spec, this.mergedPod(), [
          ...renderServeArgs({
            model: spec.model.name,
            servedModelName: spec.servedModelName,
            tokenizer: spec.tokenizer,
            port: spec.port,
            tensorParallelSize: spec.tensorParallelSize,
            pipelineParallelSize: spec.pipelineParallelSize,
            dataParallelSize: spec.dataParallelSize,
            gpuMemoryUtilization: spec.gpuMemoryUtilization,
            maxModelLen: spec.maxModelLen,
            maxNumSeqs: spec.maxNumSeqs,
            maxNumBatchedTokens: spec.maxNumBatchedTokens,
            blockSize: spec.blockSize,
            kvCacheDtype: spec.kvCacheDtype,
            enablePrefixCaching: spec.enablePrefixCaching,
            enableChunkedPrefill: spec.enableChunkedPrefill,
            kvTransferConfig: rendering.transferConfig,
            shutdownTimeoutSeconds: spec.renderShutdownTimeout ? spec.drainSeconds : undefined,
          }),
          ...spec.extraArgs,
        ]);
      },
    });
    this.deployment = this.workload;
    // Checked eagerly too (the extraEnv rules), so a bad prop fails in the constructor, not at synth.
    renderTierPodTemplate(spec, pod, []);
    this.service = renderTierService(this, 'Service', spec, pod);
    this.serviceName = this.service.name;

    this.node.addValidation({
      validate: () => this.kvConnector._needsRouterAddress() && this.router === undefined
        ? [`${where}: 'kvConnector' ('${this.kvConnector.displayName}') needs a PdRouter for this tier: its config carries the router's address`]
        : [],
    });
  }

  /**
   * Whether an autoscaler owns this tier's replica count (then `replicas` is left out of the workload).
   */
  public get hasAutoscaler(): boolean {
    return this.autoscaled;
  }

  /**
   * Called by an autoscaler bound to this tier (cdk8s-plus's `IScalable` pattern): the workload then
   * leaves `replicas` to it.
   */
  public markHasAutoscaler(): void {
    this.autoscaled = true;
  }

  /**
   * Same as `_spec`, under the name connectors' tests used before the spec existed.
   * @internal
   */
  public get _context(): TierSpec {
    return this._spec;
  }

  /**
   * The connector's endpoints on this tier, for routers.
   * @internal
   */
  public _connectorRendering(): TierConnectorRendering {
    return this.connectorRendering();
  }

  /**
   * Called by PdRouter: the router's address and what it adds to this tier's pods. Merged right away, so a
   * router contribution that collides with the connector's fails at the PdRouter.
   * @internal
   */
  public _bindRouter(routerPath: string, endpoint: RouterEndpoint, from: string, pod: PodContribution | undefined): void {
    if (this.router !== undefined && this.router.path !== routerPath) {
      throw invalid(`PdRouter '${routerPath}'`, this.role, this.node.path,
        `is already routed by PdRouter '${this.router.path}'; a tier belongs to one router`);
    }
    const binding = { path: routerPath, endpoint, contribution: { from, pod } };
    // Merged before it is kept, so a router that fails to bind leaves the tier as it was.
    this.mergedPod(binding);
    this.router = binding;
  }

  // The spec, the connector and a binding never change, so each (binding or none) is rendered and merged once:
  // the constructor, the router's bind, the ConfigMaps and the pod template at synth share the results.
  private connectorRendering(router = this.router): TierConnectorRendering {
    return memo(this.renderings, router, () => this.kvConnector._render(this._spec, router?.endpoint));
  }

  private mergedPod(router = this.router): MergedPod {
    return memo(this.merges, router, () => mergeTierPod(this._spec, {
      connector: { from: this.kvConnector.displayName, pod: this.connectorRendering(router).pod },
      router: router?.contribution,
      configVolumes: this.connectorFiles,
    }));
  }
}

function memo<K, V>(cache: Map<K, V>, key: K, make: () => V): V {
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key)!;
}
