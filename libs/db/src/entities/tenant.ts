import { InferEntity } from '@mikro-orm/core';
import { bigint, money, nullable, text } from './columns';
import { table } from './table';

export const TenantSchema = table(
  'Tenant',
  'tenants',
  {
    name: text(),
    slug: text().unique('tenants_slug_key'),
    pointsAllocationBalance: money().defaultRaw('0'),
    poolVersion: bigint().defaultRaw('0'),
    lowBalanceThreshold: nullable(money()),
    /** Points held for awards pending approval: part of the balance, not available to spend. */
    pointsHeld: money().defaultRaw('0'),
  },
  {
    checks: [
      { name: 'tenants_name_check', expression: 'length(name) >= 1 AND length(name) <= 200' },
      { name: 'tenants_slug_check', expression: `slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'` },
      { name: 'positive_allocation_balance', expression: 'points_allocation_balance >= 0' },
      { name: 'tenants_pool_version_check', expression: 'pool_version >= 0' },
      { name: 'tenants_low_balance_threshold_check', expression: 'low_balance_threshold >= 0' },
      { name: 'tenants_points_held_check', expression: 'points_held >= 0 AND points_held <= GREATEST(points_allocation_balance, 0)' },
    ],
  },
);
export type Tenant = InferEntity<typeof TenantSchema>;
