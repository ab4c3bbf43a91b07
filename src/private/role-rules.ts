/**
 * The two kv_role patterns connectors follow, so each connector states its pattern instead of re-deriving it.
 */
import { KvRole, TierRole } from '../roles';

/** The seed's roles: prefill `kv_producer`, decode `kv_consumer`. */
export function seedRole(tier: TierRole): KvRole {
  return tier === TierRole.PREFILL ? KvRole.KV_PRODUCER : KvRole.KV_CONSUMER;
}

/** Connectors with a real sender/receiver split (LMCache, P2pNccl, Mooncake) allow only the seed's role. */
export function strictRoles(tier: TierRole): KvRole[] {
  return [seedRole(tier)];
}

/**
 * Connectors that do not distinguish roles (NIXL, shared storage) also accept `kv_both`; a consumer-only
 * prefill or producer-only decode contradicts the tier and is refused.
 */
export function lenientRoles(tier: TierRole): KvRole[] {
  return [seedRole(tier), KvRole.KV_BOTH];
}
