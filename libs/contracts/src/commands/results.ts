import { z } from 'zod';
import { Decimal } from '../money';
import { ScheduleCadence } from '../schedules';
import { TenantSettings } from '../settings';

// What a succeeded command reports: the balances it moved, before and after.

const Id = z.uuid();

export const BalanceChange = z.object({ previousBalance: Decimal, newBalance: Decimal }).meta({ id: 'BalanceChange' });
export type BalanceChange = z.infer<typeof BalanceChange>;

export const SOURCE_TYPES = ['tenant_pool', 'lead_budget', 'department_pool'] as const;
export const SourceType = z.enum(SOURCE_TYPES);
export type SourceType = z.infer<typeof SourceType>;

/** The account points were taken from: the tenant pool (managers), a department pool (its head, or a delegation from it) or the giver's lead budget (leads). */
export const SourceChange = BalanceChange.extend({ type: SourceType }).meta({ id: 'SourceChange' });
export type SourceChange = z.infer<typeof SourceChange>;

export const PoolChangeResult = z.object({ tenantId: Id, amount: Decimal, ...BalanceChange.shape }).meta({ id: 'PoolChangeResult' });
/** Points moved from a source to another account: how much, to whom, and both balances before and after. */
export const DelegationResult = z.object({ amount: Decimal, leadId: Id, source: SourceChange, leadBudget: BalanceChange }).meta({ id: 'DelegationResult' });
export const AwardResult = z.object({ amount: Decimal, recipientId: Id, source: SourceChange, wallet: BalanceChange }).meta({ id: 'AwardResult' });

/** A source's points on hold: `balance` counts them, `available` does not. */
export const HeldBalance = z.object({ type: SourceType, balance: Decimal, held: Decimal, available: Decimal }).meta({ id: 'HeldBalance' });

/** An award above the tenant's approval threshold: nothing moved yet, its points are held on the source until an approver decides. */
export const PendingAwardResult = z
  .object({
    status: z.literal('pending_approval'),
    approvalId: Id.describe('the award command id; GET /api/approvals lists it, POST /api/approvals/{approvalId}/approve or /decline decides it'),
    amount: Decimal,
    recipientId: Id,
    source: HeldBalance,
    expiresAt: z.string().describe('when the hold is released if nobody has decided'),
  })
  .meta({ id: 'PendingAwardResult' });

/** A 0-point kudos moves nothing, so its source and wallet are null. */
export const RecognitionResult = AwardResult.extend({
  recognitionId: Id,
  source: SourceChange.nullable(),
  wallet: BalanceChange.nullable(),
}).meta({ id: 'RecognitionResult' });
export const CreateUserResult = z.object({ userId: Id }).meta({ id: 'CreateUserResult' });
export const BulkAwardResult = z.object({
  bulkId: Id,
  recipients: z.number().int().positive(),
  totalAmount: Decimal,
  source: SourceChange,
}).meta({ id: 'BulkAwardResult' });
/** What an approver decided; an approval also reports the award (or bulk award) it posted. */
export const ApprovalDecisionResult = z
  .object({
    approvalId: Id,
    decision: z.enum(['approved', 'declined']),
    award: AwardResult.nullable(),
    bulkAward: BulkAwardResult.nullable().optional().describe('an approved bulk award: what it posted'),
    source: HeldBalance,
  })
  .meta({ id: 'ApprovalDecisionResult' });
/** A bulk award with a row above the approval threshold: held whole, nothing moved yet, until an approver decides. */
export const PendingBulkAwardResult = z
  .object({
    status: z.literal('pending_approval'),
    approvalId: Id.describe('the bulk award command id: GET /api/approvals lists it, POST /api/approvals/{approvalId}/approve or /decline decides it'),
    bulkId: Id,
    recipients: z.number().int().positive(),
    totalAmount: Decimal,
    source: HeldBalance,
    expiresAt: z.string().describe('when the hold is released if nobody has decided'),
  })
  .meta({ id: 'PendingBulkAwardResult' });
/** The settings now in force and their version (each change is a new version). */
export const SettingsResult = z.object({ version: z.number().int().positive(), settings: TenantSettings }).meta({ id: 'SettingsResult' });
/** A department as a command left it (its pool is moved by transfers, not by these). */
export const DepartmentResult = z
  .object({ departmentId: Id, name: z.string(), parentId: Id.nullable(), headId: Id.nullable() })
  .meta({ id: 'DepartmentResult' });
/** Points moved between the tenant pool and a department pool: both balances before and after. */
export const DepartmentTransferResult = z
  .object({ departmentId: Id, amount: Decimal, direction: z.enum(['fund', 'return']), pool: BalanceChange, department: BalanceChange })
  .meta({ id: 'DepartmentTransferResult' });
/** The department a user now belongs to (null: none). */
export const UserDepartmentResult = z.object({ userId: Id, departmentId: Id.nullable(), previousDepartmentId: Id.nullable() }).meta({ id: 'UserDepartmentResult' });
/** A reversal: the points moved back from the recipient's wallet to the source; or, reversed already, the first reversal (nothing moves). */
export const ReversalResult = z
  .object({
    originalCommandId: Id,
    reversalId: Id.describe('the command that reversed it (this one, unless it was reversed already)'),
    alreadyReversed: z.boolean(),
    amount: Decimal,
    recipientId: Id.nullable().describe("null for a bulk award: its recipients' wallets each gave back their row"),
    recipients: z.number().int().min(0).optional().describe('wallets the points came back from (a bulk award: one per row; 0 when nothing moved); absent in events of earlier versions'),
    source: SourceChange.nullable().describe('null when nothing moved (a 0-point kudos, or reversed already)'),
    wallet: BalanceChange.nullable().describe('the one recipient’s wallet; null for a bulk award'),
  })
  .meta({ id: 'ReversalResult' });
export type ReversalResult = z.infer<typeof ReversalResult>;
/** An allocation reversed: its points taken back out of the pool; or, reversed already, the first reversal (nothing moves). */
export const AllocationReversalResult = z
  .object({
    originalCommandId: Id,
    reversalId: Id,
    alreadyReversed: z.boolean(),
    tenantId: Id,
    amount: Decimal,
    pool: BalanceChange.nullable().describe('null when reversed already'),
  })
  .meta({ id: 'AllocationReversalResult' });
export type AllocationReversalResult = z.infer<typeof AllocationReversalResult>;
/** A recurring allocation as it stands (`nextRunAt`: a calendar schedule's next period; a top-up has none, it runs when the pool is low). */
export const ScheduleResult = z
  .object({
    scheduleId: Id,
    tenantId: Id,
    cadence: ScheduleCadence,
    cron: z.string().nullable().describe('the cron it fires on (monthly: midnight on the 1st); null for a top-up'),
    timeZone: z.string(),
    amount: Decimal.nullable(),
    topUpTo: Decimal.nullable(),
    whenBelow: Decimal.nullable(),
    currency: z.string(),
    referenceNote: z.string(),
    invoicePattern: z.string().nullable(),
    status: z.enum(['active', 'paused', 'deleted']),
    nextRunAt: z.string().nullable(),
    lastRunAt: z.string().nullable(),
    runs: z.number().int().min(0),
    ownerId: Id.describe('the platform admin who last changed it: the scheduler issues its runs in their name'),
  })
  .meta({ id: 'ScheduleResult' });
export type ScheduleResult = z.infer<typeof ScheduleResult>;

/**
 * One run of a schedule: what it allocated, or why nothing was — the period
 * asked for is before the next due one (it ran, or passed while paused), the
 * next is not due yet, the schedule is paused, or a top-up's pool is not low.
 */
export const ScheduleRunResult = z
  .object({
    scheduleId: Id,
    tenantId: Id,
    periodKey: z.string().nullable().describe('the period allocated (a fire time, or top-up@<pool version>); null when nothing was due'),
    allocated: z.boolean(),
    reason: z.enum(['allocated', 'period_passed', 'not_due', 'paused', 'not_low']),
    amount: Decimal.nullable(),
    invoiceNumber: z.string().nullable(),
    pool: BalanceChange.nullable(),
    nextRunAt: z.string().nullable(),
  })
  .meta({ id: 'ScheduleRunResult' });
export type ScheduleRunResult = z.infer<typeof ScheduleRunResult>;

export const CommandResult = z.union([
  ScheduleResult,
  ScheduleRunResult,
  ReversalResult,
  AllocationReversalResult,
  PoolChangeResult,
  DelegationResult,
  RecognitionResult,
  AwardResult,
  PendingAwardResult,
  PendingBulkAwardResult,
  ApprovalDecisionResult,
  CreateUserResult,
  BulkAwardResult,
  SettingsResult,
  DepartmentResult,
  DepartmentTransferResult,
  UserDepartmentResult,
]);

export type AwardResult = z.infer<typeof AwardResult>;
export type PendingAwardResult = z.infer<typeof PendingAwardResult>;
export type PendingBulkAwardResult = z.infer<typeof PendingBulkAwardResult>;
export type HeldBalance = z.infer<typeof HeldBalance>;
export type RecognitionResult = z.infer<typeof RecognitionResult>;
export type BulkAwardResult = z.infer<typeof BulkAwardResult>;
export type CommandResult = z.infer<typeof CommandResult>;
export type DepartmentTransferResult = z.infer<typeof DepartmentTransferResult>;
