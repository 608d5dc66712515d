import { createHash } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';

export const DEMO_ADMIN_EMAIL = 'admin@platform.local';
export const DEMO_TENANT_SLUG = 'triton';

/** Stable ids, so seeding twice finds the same rows and scripts can rely on them. */
function demoId(key: string): string {
  const hex = createHash('sha256').update(`points-demo:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

interface DemoUser {
  email: string;
  displayName: string;
  role: 'tenant_manager' | 'hr_admin' | 'lead' | 'employee';
}

export function demoUsers(): DemoUser[] {
  const users: DemoUser[] = [
    { email: 'manager@triton.local', displayName: 'Maya Manager', role: 'tenant_manager' },
    { email: 'hr@triton.local', displayName: 'Harper HR', role: 'hr_admin' },
    { email: 'lead1@triton.local', displayName: 'Leo Lead', role: 'lead' },
    { email: 'lead2@triton.local', displayName: 'Lina Lead', role: 'lead' },
  ];
  for (let i = 1; i <= 20; i++) {
    users.push({ email: `employee${i}@triton.local`, displayName: `Employee ${i}`, role: 'employee' });
  }
  return users;
}

export async function seedDemo(em: EntityManager): Promise<{ tenantId: string; userCount: number }> {
  const tenantId = demoId('tenant:triton');
  await em.transactional(async (tx) => {
    await tx.execute(
      `INSERT INTO users (id, tenant_id, email, display_name, role) VALUES (?, NULL, ?, 'Platform Admin', 'platform_admin')
       ON CONFLICT DO NOTHING`,
      [demoId('user:admin'), DEMO_ADMIN_EMAIL],
    );
    await tx.execute(`INSERT INTO tenants (id, name, slug) VALUES (?, 'Triton', ?) ON CONFLICT DO NOTHING`, [tenantId, DEMO_TENANT_SLUG]);
    for (const user of demoUsers()) {
      const userId = demoId(`user:${user.email}`);
      await tx.execute(
        `INSERT INTO users (id, tenant_id, email, display_name, role) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [userId, tenantId, user.email, user.displayName, user.role],
      );
      await tx.execute(`INSERT INTO wallets (id, user_id, tenant_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, [demoId(`wallet:${user.email}`), userId, tenantId]);
      if (user.role === 'lead') {
        await tx.execute(`INSERT INTO lead_budgets (id, user_id, tenant_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, [demoId(`budget:${user.email}`), userId, tenantId]);
      }
    }
  });
  return { tenantId, userCount: demoUsers().length + 1 };
}
