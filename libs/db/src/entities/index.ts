import { EntitySchema } from '@mikro-orm/core';

/**
 * Typed descriptions of the main tables, registered with MikroORM, for code that
 * wants `em.find`/`em.findOne` on a simple read. Today every query is explicit
 * SQL — row locks, keyset pages and set-based journal writes must be exact —
 * and the migrations, not these schemas, define the tables; a test
 * (apps/ledger-worker/test/schema.int.spec.ts) keeps the two in step.
 */
export interface Tenant {
  id: string;
  name: string;
  slug: string;
  pointsAllocationBalance: string;
  poolVersion: string;
  lowBalanceThreshold: string | null;
  createdAt: Date;
}
export const TenantSchema = new EntitySchema<Tenant>({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    id: { type: 'uuid', primary: true },
    name: { type: 'text' },
    slug: { type: 'text' },
    pointsAllocationBalance: { type: 'decimal', precision: 15, scale: 2, default: '0' },
    poolVersion: { type: 'bigint', default: 0 },
    lowBalanceThreshold: { type: 'decimal', precision: 15, scale: 2, nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});

export interface User {
  id: string;
  tenantId: string | null;
  email: string;
  displayName: string;
  role: string;
  active: boolean;
  createdAt: Date;
}
export const UserSchema = new EntitySchema<User>({
  name: 'User',
  tableName: 'users',
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid', nullable: true },
    email: { type: 'text' },
    displayName: { type: 'text' },
    role: { type: 'text' },
    active: { type: 'boolean', default: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});

export interface Wallet {
  id: string;
  userId: string;
  tenantId: string;
  balance: string;
  lifetimeEarned: string;
  version: string;
}
export const WalletSchema = new EntitySchema<Wallet>({
  name: 'Wallet',
  tableName: 'wallets',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    tenantId: { type: 'uuid' },
    balance: { type: 'decimal', precision: 15, scale: 2, default: '0' },
    lifetimeEarned: { type: 'decimal', precision: 15, scale: 2, default: '0' },
    version: { type: 'bigint', default: 0 },
  },
});

export interface LeadBudget {
  id: string;
  userId: string;
  tenantId: string;
  balance: string;
  version: string;
}
export const LeadBudgetSchema = new EntitySchema<LeadBudget>({
  name: 'LeadBudget',
  tableName: 'lead_budgets',
  properties: {
    id: { type: 'uuid', primary: true },
    userId: { type: 'uuid' },
    tenantId: { type: 'uuid' },
    balance: { type: 'decimal', precision: 15, scale: 2, default: '0' },
    version: { type: 'bigint', default: 0 },
  },
});

export interface CommandRecord {
  id: string;
  type: string;
  tenantId: string | null;
  issuerId: string;
  payload: Record<string, unknown>;
  status: string;
  result: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  idempotencyKey: string | null;
  requestHash: string | null;
  requestId: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}
export const CommandRecordSchema = new EntitySchema<CommandRecord>({
  name: 'CommandRecord',
  tableName: 'commands',
  properties: {
    id: { type: 'uuid', primary: true },
    type: { type: 'text' },
    tenantId: { type: 'uuid', nullable: true },
    issuerId: { type: 'uuid' },
    payload: { type: 'json' },
    status: { type: 'text', default: 'queued' },
    result: { type: 'json', nullable: true },
    error: { type: 'json', nullable: true },
    idempotencyKey: { type: 'text', nullable: true },
    requestHash: { type: 'text', nullable: true },
    requestId: { type: 'text', nullable: true },
    attempts: { type: 'integer', default: 0 },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    updatedAt: { type: 'datetime', defaultRaw: 'now()' },
    completedAt: { type: 'datetime', nullable: true },
  },
});

export const ENTITIES = [TenantSchema, UserSchema, WalletSchema, LeadBudgetSchema, CommandRecordSchema];
