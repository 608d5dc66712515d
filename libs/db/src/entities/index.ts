import { DepartmentLedgerEntrySchema, LeadBudgetLedgerEntrySchema, PoolLedgerEntrySchema, WalletLedgerEntrySchema } from './account-journals';
import { DepartmentSchema } from './department';
import { ReversalSchema } from './reversal';
import { AllocationScheduleRunSchema, AllocationScheduleSchema } from './allocation-schedule';
import { BudgetReturnSchema, ExpiredAccountSchema, ExpiredLedgerEntrySchema, ExpiryRunSchema } from './expiry';
import { LeadBudgetSchema, WalletSchema } from './accounts';
import { AllocationLogSchema, PlatformBillingLogSchema } from './allocation-logs';
import { AuditLogEntrySchema } from './audit-log-entry';
import { BulkAwardItemSchema, BulkAwardSchema } from './bulk-awards';
import { AcceptedCommandSchema, CommandOutcomeSchema, CommandSweepSchema } from './accepted-command';
import { DistributionLogSchema } from './distribution-log';
import { FeedEntrySchema } from './feed-entry';
import { OutboxEventSchema, OutboxOutcomeSchema, OutboxRelaySchema } from './outbox-event';
import { RecognitionSchema } from './recognition';
import { TenantSchema } from './tenant';
import { UserSchema } from './user';
import { AwardHoldDecisionSchema, AwardHoldSchema, SpendTallySchema, TenantSettingsVersionSchema } from './tenant-settings';

/**
 * Typed descriptions of every table, for reads through MikroORM (`em.find`, the
 * QueryBuilder). The migrations define the tables; the entities describe them
 * exactly — a test (apps/ledger-worker/test/schema.int.spec.ts) requires MikroORM's
 * schema diff against a migrated database to be empty.
 */
export * from './iso-timestamp.type';
export * from './tenant';
export * from './user';
export * from './accounts';
export * from './department';
export * from './reversal';
export * from './allocation-schedule';
export * from './expiry';
export * from './accepted-command';
export * from './recognition';
export * from './allocation-logs';
export * from './distribution-log';
export * from './account-journals';
export * from './outbox-event';
export * from './feed-entry';
export * from './audit-log-entry';
export * from './bulk-awards';
export * from './tenant-settings';

export const ENTITIES = [
  TenantSchema,
  UserSchema,
  DepartmentSchema,
  AllocationScheduleSchema,
  AllocationScheduleRunSchema,
  ExpiryRunSchema,
  ExpiredAccountSchema,
  ExpiredLedgerEntrySchema,
  BudgetReturnSchema,
  WalletSchema,
  LeadBudgetSchema,
  AcceptedCommandSchema,
  CommandOutcomeSchema,
  CommandSweepSchema,
  RecognitionSchema,
  AllocationLogSchema,
  PlatformBillingLogSchema,
  DistributionLogSchema,
  PoolLedgerEntrySchema,
  LeadBudgetLedgerEntrySchema,
  WalletLedgerEntrySchema,
  DepartmentLedgerEntrySchema,
  OutboxEventSchema,
  OutboxOutcomeSchema,
  OutboxRelaySchema,
  FeedEntrySchema,
  AuditLogEntrySchema,
  BulkAwardSchema,
  BulkAwardItemSchema,
  TenantSettingsVersionSchema,
  SpendTallySchema,
  AwardHoldSchema,
  AwardHoldDecisionSchema,
  ReversalSchema,
];
