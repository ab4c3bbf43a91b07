import { lenientRoles, seedRole, strictRoles } from '../../src/private/role-rules';
import { KvRole, TierRole } from '../../src/roles';

describe('role-rules', () => {
  test("seedRole is the seed's kv_producer on prefill and kv_consumer on decode", () => {
    expect(seedRole(TierRole.PREFILL)).toBe(KvRole.KV_PRODUCER);
    expect(seedRole(TierRole.DECODE)).toBe(KvRole.KV_CONSUMER);
  });

  test('strict connectors allow only that role', () => {
    expect(strictRoles(TierRole.PREFILL)).toEqual([KvRole.KV_PRODUCER]);
    expect(strictRoles(TierRole.DECODE)).toEqual([KvRole.KV_CONSUMER]);
  });

  test('lenient connectors also allow kv_both, never the opposite role', () => {
    expect(lenientRoles(TierRole.PREFILL)).toEqual([KvRole.KV_PRODUCER, KvRole.KV_BOTH]);
    expect(lenientRoles(TierRole.DECODE)).toEqual([KvRole.KV_CONSUMER, KvRole.KV_BOTH]);
  });
});
