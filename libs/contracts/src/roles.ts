import { z } from 'zod';

export const ROLES = ['platform_admin', 'tenant_manager', 'hr_admin', 'lead', 'employee'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Roles a tenant user may have (platform admins have no tenant). */
export const TENANT_ROLES = ['tenant_manager', 'hr_admin', 'lead', 'employee'] as const;
export const TenantRole = z.enum(TENANT_ROLES);

/**
 * Tenant managers and HR admins: they run the tenant's pool and its people, and
 * what they award comes from the pool (a lead's comes from their own budget).
 * Which commands each role may issue is the command catalog's to say.
 */
export const MANAGER_ROLES = ['tenant_manager', 'hr_admin'] as const;

export function isManager(role: Role): boolean {
  return (MANAGER_ROLES as readonly Role[]).includes(role);
}

/** Who is acting, as far as a rule about roles and tenants needs to know. */
export interface Actor {
  role: Role;
  tenantId: string | null;
}
