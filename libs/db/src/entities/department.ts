import { InferEntity } from '@mikro-orm/core';
import { bigint, compositeKey, money, nullable, references, text, uuid } from './columns';
import { btreeIndex, table } from './table';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';

/**
 * A department of a tenant, with a pool of its own: funded from the tenant pool
 * and returned to it, spent by its head (awards) and by delegations to its
 * leads. Its balance never goes below 0, it never holds more than it has, and
 * its version counts the rows of its journal. Parent and head are of the
 * department's own tenant (composite keys).
 */
export const DepartmentSchema = table(
  'Department',
  'departments',
  {
    tenantId: references(TenantSchema, 'tenant_id', 'departments_tenant_id_fkey'),
    name: text(),
    parentId: nullable(uuid()),
    headId: nullable(uuid()),
    balance: money().defaultRaw('0'),
    /** Points held for awards pending approval: part of the balance, not available to spend. */
    held: money().defaultRaw('0'),
    version: bigint().defaultRaw('0'),
    /** Holds the key (parentId, tenantId) → departments: the parent is of the same tenant. */
    parentOfTenant: compositeKey('Department' as never, 'departments_parent_of_tenant', ['parentId', 'tenantId'], ['id', 'tenant_id'], { nullable: true }),
    /** Holds the key (headId, tenantId) → users: the head is a user of the same tenant. */
    headOfTenant: compositeKey(UserSchema, 'departments_head_of_tenant', ['headId', 'tenantId'], ['id', 'tenant_id'], { nullable: true }),
  },
  {
    checks: [
      { name: 'departments_name_check', expression: 'length(name) >= 1 AND length(name) <= 200' },
      { name: 'departments_balance_check', expression: 'balance >= 0' },
      { name: 'departments_held_check', expression: 'held >= 0 AND held <= GREATEST(balance, 0)' },
      { name: 'departments_version_check', expression: 'version >= 0' },
      { name: 'departments_not_own_parent', expression: 'parent_id <> id' },
    ],
    uniques: [
      // A department's name is one department in its tenant whatever its case.
      btreeIndex('departments', 'departments_name_unique', 'tenant_id, lower(name)', { unique: true }),
      // Target of the composite keys that tie a row's department to the row's tenant.
      { name: 'departments_id_tenant_unique', properties: ['id', 'tenantId'] },
    ],
  },
);
export type Department = InferEntity<typeof DepartmentSchema>;
