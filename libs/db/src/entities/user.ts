import { InferEntity } from '@mikro-orm/core';
import { boolean, compositeKey, nullable, oneOf, references, text, uuid } from './columns';
import { btreeIndex, table } from './table';
import { TenantSchema } from './tenant';

export const UserSchema = table(
  'User',
  'users',
  {
    /** Null exactly for a platform admin. */
    tenantId: nullable(references(TenantSchema, 'tenant_id', 'users_tenant_id_fkey')),
    email: text(),
    displayName: text(),
    role: oneOf(['platform_admin', 'tenant_manager', 'hr_admin', 'lead', 'employee']),
    active: boolean().defaultRaw('true'),
    /** The department a manager or lead belongs to, if any. */
    departmentId: nullable(uuid()),
    /** Holds the key (departmentId, tenantId) → departments: the department is of the user's tenant. */
    departmentOfTenant: compositeKey('Department' as never, 'users_department_of_tenant', ['departmentId', 'tenantId'], ['id', 'tenant_id'], { nullable: true }),
  },
  {
    checks: [{ name: 'users_tenant_matches_role', expression: `(role = 'platform_admin') = (tenant_id IS NULL)` }],
    indexes: [{ name: 'users_tenant', properties: ['tenantId', 'id'] }, btreeIndex('users', 'users_department', 'department_id', { where: 'department_id IS NOT NULL' })],
    uniques: [
      // An e-mail address is one user whatever its case.
      btreeIndex('users', 'users_email_unique', 'lower(email)', { unique: true }),
      // Target of the composite keys that tie a row's user to the row's tenant.
      { name: 'users_id_tenant_unique', properties: ['id', 'tenantId'] },
    ],
  },
);
export type User = InferEntity<typeof UserSchema>;
