import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { KvConnector } from './kv-connector';
import { TierRole } from './roles';

/**
 * A prefill or decode tier, as routers and other constructs reference it (`PrefillTier` and `DecodeTier`
 * implement it).
 */
export interface IPdTier extends IConstruct {
  /** Prefill or decode. */
  readonly role: TierRole;
  /** The KV connector. */
  readonly kvConnector: KvConnector;
  /** Name of the tier's ClusterIP Service. */
  readonly serviceName: string;
  /** vLLM HTTP port. */
  readonly port: number;
  /** Labels that select exactly this tier's pods. */
  readonly selectorLabels: { [key: string]: string };
  /** The workload object (a Deployment today), for escape hatches. */
  readonly workload: ApiObject;
  /** Whether an autoscaler owns the replica count. */
  readonly hasAutoscaler: boolean;

  /** Leave `replicas` to an autoscaler bound to this tier (cdk8s-plus's `IScalable` pattern). */
  markHasAutoscaler(): void;
}
