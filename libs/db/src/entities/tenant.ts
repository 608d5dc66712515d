import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { bigint, createdAt, money, text, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

export interface Tenant {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'pointsAllocationBalance' | 'poolVersion' | 'createdAt';
  id: string;
  name: string;
  slug: string;
  pointsAllocationBalance: string;
  poolVersion: string;
  lowBalanceThreshold: string | null;
  createdAt: IsoTimestamp;
}

export const TenantSchema = new EntitySchema<Tenant>({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    id: uuid({ primary: true }),
    name: text(),
    slug: text({ unique: 'tenants_slug_key' }),
    pointsAllocationBalance: money({ defaultRaw: '0' }),
    poolVersion: bigint({ defaultRaw: '0' }),
    lowBalanceThreshold: money({ nullable: true }),
    createdAt: createdAt(),
  },
  checks: [
    { name: 'tenants_name_check', expression: 'length(name) >= 1 AND length(name) <= 200' },
    { name: 'tenants_slug_check', expression: `slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'` },
    { name: 'positive_allocation_balance', expression: 'points_allocation_balance >= 0' },
    { name: 'tenants_pool_version_check', expression: 'pool_version >= 0' },
    { name: 'tenants_low_balance_threshold_check', expression: 'low_balance_threshold >= 0' },
  ],
});
