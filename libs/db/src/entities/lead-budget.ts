import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { bigint, createdAt, money, references, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

export interface LeadBudget {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'balance' | 'version' | 'createdAt';
  id: string;
  userId: string;
  tenantId: string;
  balance: string;
  version: string;
  createdAt: IsoTimestamp;
}

export const LeadBudgetSchema = new EntitySchema<LeadBudget>({
  name: 'LeadBudget',
  tableName: 'lead_budgets',
  properties: {
    id: uuid({ primary: true }),
    userId: references('User', 'user_id', 'lead_budgets_user_id_fkey', { unique: 'lead_budgets_user_id_key' }),
    tenantId: references('Tenant', 'tenant_id', 'lead_budgets_tenant_id_fkey'),
    balance: money({ defaultRaw: '0' }),
    version: bigint({ defaultRaw: '0' }),
    createdAt: createdAt(),
  },
  checks: [
    { name: 'positive_lead_budget', expression: 'balance >= 0' },
    { name: 'lead_budgets_version_check', expression: 'version >= 0' },
  ],
  indexes: [{ name: 'lead_budgets_tenant', properties: ['tenantId'] }],
  // Target of lead_budget_ledger's key: a journal row's budget belongs to the row's tenant.
  uniques: [{ name: 'lead_budgets_id_tenant_unique', properties: ['id', 'tenantId'] }],
});
