import { z } from 'zod';
import { Decimal } from './money';
import { BalanceChange, CommandTypeSchema, SourceChange } from './commands';
import { ERROR_CODES } from './errors';
import { Role } from './roles';

/**
 * Events the ledger writes to its outbox in the same transaction as the balance
 * change. The notification worker validates each one with this schema before it
 * writes feed entries and audit rows.
 */
const Id = z.uuid();
const base = {
  eventId: Id,
  commandId: Id,
  tenantId: Id.nullable(),
  actorId: Id,
  occurredAt: z.iso.datetime({ offset: true }),
  requestId: z.string().nullable(),
};

export const PointsAllocated = z.object({
  ...base,
  type: z.literal('points.allocated'),
  tenantId: Id,
  amount: Decimal,
  currency: z.string(),
  referenceNote: z.string(),
  invoiceNumber: z.string().nullable(),
  pool: BalanceChange,
});

export const PointsClawedBack = z.object({
  ...base,
  type: z.literal('points.clawed_back'),
  tenantId: Id,
  amount: Decimal,
  referenceNote: z.string(),
  pool: BalanceChange,
});

export const PointsDelegated = z.object({
  ...base,
  type: z.literal('points.delegated'),
  tenantId: Id,
  leadId: Id,
  amount: Decimal,
  description: z.string().nullable(),
  source: SourceChange,
  leadBudget: BalanceChange,
});

export const PointsAwarded = z.object({
  ...base,
  type: z.literal('points.awarded'),
  tenantId: Id,
  recipientId: Id,
  amount: Decimal,
  description: z.string().nullable(),
  source: SourceChange,
  wallet: BalanceChange,
});

export const RecognitionCreated = z.object({
  ...base,
  type: z.literal('recognition.created'),
  tenantId: Id,
  recognitionId: Id,
  recipientId: Id,
  points: Decimal,
  message: z.string(),
  source: SourceChange.nullable(),
  wallet: BalanceChange.nullable(),
});

export const UserCreated = z.object({
  ...base,
  type: z.literal('user.created'),
  tenantId: Id,
  userId: Id,
  email: z.string(),
  displayName: z.string(),
  role: Role,
});

export const CommandRejected = z.object({
  ...base,
  type: z.literal('command.rejected'),
  commandType: CommandTypeSchema,
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }),
});

export const BulkAwardCompleted = z.object({
  ...base,
  type: z.literal('bulk_award.completed'),
  tenantId: Id,
  bulkId: Id,
  recipients: z.number().int().positive(),
  totalAmount: Decimal,
  description: z.string().nullable(),
  source: SourceChange,
});

export const LedgerEvent = z.discriminatedUnion('type', [
  BulkAwardCompleted,
  PointsAllocated,
  PointsClawedBack,
  PointsDelegated,
  PointsAwarded,
  RecognitionCreated,
  UserCreated,
  CommandRejected,
]);
export type LedgerEvent = z.infer<typeof LedgerEvent>;
export type LedgerEventType = LedgerEvent['type'];
