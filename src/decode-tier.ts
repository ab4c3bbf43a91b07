import { Construct } from 'constructs';
import { TierRole } from './roles';
import { VllmTierProps } from './tier-options';
import { VllmTier } from './vllm-tier';

/**
 * Props of a `DecodeTier`.
 */
export interface DecodeTierProps extends VllmTierProps {}

/**
 * The decode tier: `vllm serve` pods that receive KV caches and generate tokens (`kv_consumer` or
 * `kv_both`), as a Deployment (`Resource`) with a ClusterIP Service (`Service`) and the pod label
 * `llm-d.ai/role: decode`.
 *
 * Usually created by `PdService`; create it yourself to compose tiers with your own `PdRouter`.
 *
 * @example
 * new DecodeTier(chart, 'Decode', {
 *   model: Model.LLAMA_3_1_70B_INSTRUCT,
 *   tensorParallelSize: 4,
 *   kvConnector: KvConnector.nixl(),
 * });
 */
export class DecodeTier extends VllmTier {
  public constructor(scope: Construct, id: string, props: DecodeTierProps) {
    super(scope, id, TierRole.DECODE, props);
  }
}
