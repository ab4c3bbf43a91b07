import { Construct } from 'constructs';
import { TierRole } from './roles';
import { VllmTierProps } from './tier-options';
import { VllmTier } from './vllm-tier';

/**
 * Props of a `PrefillTier`.
 */
export interface PrefillTierProps extends VllmTierProps {}

/**
 * The prefill tier: `vllm serve` pods that process prompts and produce KV caches (`kv_producer`),
 * as a Deployment (`Resource`) with a ClusterIP Service (`Service`) and the pod label
 * `llm-d.ai/role: prefill`.
 *
 * Usually created by `PdService`; create it yourself to compose tiers with your own `PdRouter`.
 *
 * @example
 * new PrefillTier(chart, 'Prefill', {
 *   model: Model.LLAMA_3_1_70B_INSTRUCT,
 *   tensorParallelSize: 4,
 *   kvConnector: KvConnector.nixl(),
 * });
 */
export class PrefillTier extends VllmTier {
  public constructor(scope: Construct, id: string, props: PrefillTierProps) {
    super(scope, id, TierRole.PREFILL, props);
  }
}
