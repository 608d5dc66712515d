import { balanceTenantOf } from './commands';

const tenant = '7f1c8a52-0c0e-4f4e-9a53-4d1f0a3c2b11';
const target = '0b6f2f1e-5d7a-4c83-8e1b-93a2d7c4f5e6';

describe('balanceTenantOf', () => {
  it("is the target tenant of a platform admin's allocate or clawback", () => {
    expect(balanceTenantOf({ type: 'allocate', tenantId: null, payload: { tenantId: target, amount: '1.00' } })).toBe(target);
    expect(balanceTenantOf({ type: 'clawback', tenantId: null, payload: { tenantId: target, amount: '1.00' } })).toBe(target);
  });

  it("is the issuer's tenant for everything else", () => {
    for (const type of ['delegate', 'award', 'recognition', 'create_user', 'bulk_award'] as const) {
      expect(balanceTenantOf({ type, tenantId: tenant, payload: { tenantId: target } })).toBe(tenant);
    }
  });

  it('is unknown (null) for a malformed platform command, which the ledger rejects anyway', () => {
    expect(balanceTenantOf({ type: 'allocate', tenantId: null, payload: null })).toBeNull();
  });
});
