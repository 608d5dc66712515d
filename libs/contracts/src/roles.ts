import { z } from 'zod';

export const ROLES = ['platform_admin', 'tenant_manager', 'hr_admin', 'lead', 'employee'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Roles that spend from the tenant pool. */
export const POOL_SPENDERS: readonly Role[] = ['tenant_manager', 'hr_admin'];
/** Roles a tenant user may be created with (platform admins have no tenant). */
export const TENANT_ROLES = ['tenant_manager', 'hr_admin', 'lead', 'employee'] as const;
export const TenantRole = z.enum(TENANT_ROLES);

/** Roles that award points to colleagues: from the pool, or (leads) from their own budget. */
export const AWARDERS: readonly Role[] = ['tenant_manager', 'hr_admin', 'lead'];

export function isPoolSpender(role: Role): boolean {
  return POOL_SPENDERS.includes(role);
}
