import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { bigint, createdAt, money, references, uuid } from './columns';
import { IsoTimestamp } from './iso-timestamp.type';

export interface Wallet {
  /** Columns with a DEFAULT: optional in em.create. */
  [OptionalProps]?: 'balance' | 'lifetimeEarned' | 'version' | 'createdAt';
  id: string;
  userId: string;
  tenantId: string;
  balance: string;
  lifetimeEarned: string;
  version: string;
  createdAt: IsoTimestamp;
}

export const WalletSchema = new EntitySchema<Wallet>({
  name: 'Wallet',
  tableName: 'wallets',
  properties: {
    id: uuid({ primary: true }),
    userId: references('User', 'user_id', 'wallets_user_id_fkey', { unique: 'wallets_user_id_key' }),
    tenantId: references('Tenant', 'tenant_id', 'wallets_tenant_id_fkey'),
    balance: money({ defaultRaw: '0' }),
    lifetimeEarned: money({ defaultRaw: '0' }),
    version: bigint({ defaultRaw: '0' }),
    createdAt: createdAt(),
  },
  checks: [
    { name: 'positive_balance', expression: 'balance >= 0' },
    { name: 'wallets_lifetime_earned_check', expression: 'lifetime_earned >= 0' },
    { name: 'wallets_version_check', expression: 'version >= 0' },
  ],
  indexes: [{ name: 'wallets_tenant', properties: ['tenantId'] }],
  // Target of wallet_ledger's key: a journal row's wallet belongs to the row's tenant.
  uniques: [{ name: 'wallets_id_tenant_unique', properties: ['id', 'tenantId'] }],
});
