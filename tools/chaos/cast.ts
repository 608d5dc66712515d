// The people the chaos workload acts as: a platform admin and three tenants,
// each with a manager, an HR admin, two leads and six employees, inserted with
// the test fixtures (accounts start at zero; the workload funds them through
// the API like a user would), and a bearer token for each.
import { EntityManager } from '@mikro-orm/postgresql';
import { issueToken } from '@points/auth';
import { Role } from '@points/contracts';
import { TestUser, insertEmployees, insertTenantWithStaff, insertUser } from '@points/testing';

export const TENANTS = 3;

export interface Actor {
  id: string;
  role: Role;
  email: string;
  tenantId: string | null;
  token: string;
}

export interface TenantCast {
  tenantId: string;
  /** Tenant manager and HR admin: they spend the pool. */
  managers: Actor[];
  leads: Actor[];
  employees: Actor[];
}

export interface Cast {
  admin: Actor;
  tenants: TenantCast[];
}

export async function createCast(em: EntityManager, jwtSecret: string, tokenTtlSeconds: number): Promise<Cast> {
  const actor = async (user: TestUser): Promise<Actor> => ({
    id: user.id,
    role: user.role,
    email: user.email,
    tenantId: user.tenantId,
    token: await issueToken(jwtSecret, { sub: user.id, role: user.role, tenantId: user.tenantId }, tokenTtlSeconds),
  });
  const admin = await actor(await insertUser(em, 'platform_admin', null));
  const tenants: TenantCast[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const staff = await insertTenantWithStaff(em);
    const secondLead = await insertUser(em, 'lead', staff.tenantId);
    const more = await insertEmployees(em, staff.tenantId, 4, `chaos-${staff.tenantId.slice(0, 8)}-`);
    tenants.push({
      tenantId: staff.tenantId,
      managers: [await actor(staff.manager), await actor(staff.hr)],
      leads: [await actor(staff.lead), await actor(secondLead)],
      employees: await Promise.all([staff.employee, staff.employee2, ...more].map(actor)),
    });
  }
  return { admin, tenants };
}
