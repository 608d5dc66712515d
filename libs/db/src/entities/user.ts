import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { boolean, createdAt, oneOf, references, text, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

const USER_ROLES = ['platform_admin', 'tenant_manager', 'hr_admin', 'lead', 'employee'] as const;

export interface User {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'active' | 'createdAt';
  id: string;
  /** Null exactly for a platform admin. */
  tenantId: string | null;
  email: string;
  displayName: string;
  role: (typeof USER_ROLES)[number];
  active: boolean;
  createdAt: IsoTimestamp;
}

export const UserSchema = new EntitySchema<User>({
  name: 'User',
  tableName: 'users',
  properties: {
    id: uuid({ primary: true }),
    tenantId: references('Tenant', 'tenant_id', 'users_tenant_id_fkey', { nullable: true }),
    email: text(),
    displayName: text(),
    role: oneOf(USER_ROLES),
    active: boolean({ defaultRaw: 'true' }),
    createdAt: createdAt(),
  },
  checks: [{ name: 'users_tenant_matches_role', expression: `(role = 'platform_admin') = (tenant_id IS NULL)` }],
  indexes: [{ name: 'users_tenant', properties: ['tenantId', 'id'] }],
  uniques: [
    // An e-mail address is one user whatever its case.
    { name: 'users_email_unique', expression: 'CREATE UNIQUE INDEX users_email_unique ON public.users USING btree (lower(email))' },
    // Target of the composite keys that tie a row's user to the row's tenant.
    { name: 'users_id_tenant_unique', properties: ['id', 'tenantId'] },
  ],
});
