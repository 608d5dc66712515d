import { targetTenantOf } from './command';

const tenant = '7f1c8a52-0c0e-4f4e-9a53-4d1f0a3c2b11';
const named = '0b6f2f1e-5d7a-4c83-8e1b-93a2d7c4f5e6';

describe('targetTenantOf', () => {
  it("is the issuer's tenant for a tenant user's command", () => {
    expect(targetTenantOf({ tenantId: tenant, payload: { userId: named, amount: '1.00' } })).toBe(tenant);
    expect(targetTenantOf({ tenantId: tenant, payload: { tenantId: named } })).toBe(tenant);
  });

  it("is the tenant a platform admin's command names (allocate, clawback, create_user)", () => {
    expect(targetTenantOf({ tenantId: null, payload: { tenantId: named, amount: '1.00' } })).toBe(named);
  });

  it('is unknown (null) when a platform command names none, which the ledger rejects anyway', () => {
    expect(targetTenantOf({ tenantId: null, payload: null })).toBeNull();
    expect(targetTenantOf({ tenantId: null, payload: { tenantId: 42 } })).toBeNull();
  });
});
