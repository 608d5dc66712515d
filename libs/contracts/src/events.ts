import { z } from 'zod';
import { Decimal } from './money';
import { AllocationReversalResult, BalanceChange, ScheduleResult, BulkAwardResult, CommandTypeSchema, PendingBulkAwardResult, ReversalResult, DelegationResult, DepartmentResult, DepartmentTransferResult, AwardResult, HeldBalance, SourceChange } from './commands';
import { ERROR_CODES } from './errors';
import { Role } from './roles';
import { TenantSettings } from './settings';

// Events the ledger writes to its outbox in the same transaction as the balance
// change. The notification worker validates each one with this schema before it
// writes feed entries and audit rows. An event that reports a command's result
// carries that result's fields, declared once (commands/results.ts).

const Id = z.uuid();

/** Every event: which command caused it, who acted, when, and in which tenant (`shape` says; none for a platform admin's rejected command). */
const event = <T extends string, S extends z.ZodRawShape & { tenantId: z.ZodType<string | null> }>(type: T, shape: S) =>
  z.object({
    eventId: Id,
    commandId: Id,
    actorId: Id,
    occurredAt: z.iso.datetime({ offset: true }),
    requestId: z.string().nullable(),
    type: z.literal(type),
    ...shape,
  });

/** An event about one tenant's points or people. */
const tenantEvent = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => event(type, { tenantId: Id, ...shape });

export const PointsAllocated = tenantEvent('points.allocated', {
  amount: Decimal,
  currency: z.string(),
  referenceNote: z.string(),
  invoiceNumber: z.string().nullable(),
  pool: BalanceChange,
  /** A run of a recurring allocation: which schedule, and the period it allocated. */
  schedule: z.object({ scheduleId: Id, periodKey: z.string() }).optional(),
});

export const PointsClawedBack = tenantEvent('points.clawed_back', { amount: Decimal, referenceNote: z.string(), pool: BalanceChange });

export const PointsDelegated = tenantEvent('points.delegated', { ...DelegationResult.shape, description: z.string().nullable() });

export const PointsAwarded = tenantEvent('points.awarded', { ...AwardResult.shape, description: z.string().nullable() });

export const RecognitionCreated = tenantEvent('recognition.created', {
  recognitionId: Id,
  recipientId: Id,
  points: Decimal,
  message: z.string(),
  source: SourceChange.nullable(),
  wallet: BalanceChange.nullable(),
});

export const UserCreated = tenantEvent('user.created', { userId: Id, email: z.string(), displayName: z.string(), role: Role });

export const CommandRejected = event('command.rejected', {
  tenantId: Id.nullable(),
  commandType: CommandTypeSchema,
  error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }),
});

export const BulkAwardCompleted = tenantEvent('bulk_award.completed', { ...BulkAwardResult.shape, description: z.string().nullable() });

/** A change of the tenant's settings: the version it made, and the settings before and after. */
export const SettingsUpdated = tenantEvent('settings.updated', { version: z.number().int().positive(), before: TenantSettings, after: TenantSettings });

/** An award above the approval threshold: its points are held on the source (no feed entry until approved). */
export const AwardPendingApproval = tenantEvent('award.pending_approval', {
  approvalId: Id,
  giverId: Id,
  recipientId: Id,
  amount: Decimal,
  description: z.string().nullable(),
  source: HeldBalance,
  expiresAt: z.string(),
});

/** A pending award approved: the award is posted (a feed entry in the giver's name). */
export const AwardApproved = tenantEvent('award.approved', { ...AwardResult.shape, approvalId: Id, giverId: Id, description: z.string().nullable(), reason: z.string().nullable() });

/** A bulk award with a row above the threshold, held whole (no feed entry until approved). */
export const BulkAwardPendingApproval = tenantEvent('bulk_award.pending_approval', { ...PendingBulkAwardResult.omit({ status: true }).shape, giverId: Id, description: z.string().nullable() });

/** A held bulk award approved: every row posted (a feed entry in the giver's name). */
export const BulkAwardApproved = tenantEvent('bulk_award.approved', { ...BulkAwardResult.shape, approvalId: Id, giverId: Id, description: z.string().nullable(), reason: z.string().nullable() });

/** A pending award (or bulk award: no recipient) that will not be posted: declined by an approver, or its hold expired; the held points are released. */
export const AwardHoldReleased = tenantEvent('award.hold_released', {
  approvalId: Id,
  giverId: Id,
  recipientId: Id.nullable(),
  amount: Decimal,
  decision: z.enum(['declined', 'expired']),
  reason: z.string().nullable(),
  source: HeldBalance,
});

/** A department created, or its name, parent or head changed: the department before (null: new) and after. */
export const DepartmentCreated = tenantEvent('department.created', { department: DepartmentResult });
export const DepartmentUpdated = tenantEvent('department.updated', { before: DepartmentResult, after: DepartmentResult });

/** Points moved between the tenant pool and a department pool (fund: to the department; return: back to the pool). */
export const DepartmentTransferred = tenantEvent('department.transferred', { ...DepartmentTransferResult.shape, description: z.string().nullable() });

/** A user put in a department, moved, or taken out. */
export const UserDepartmentChanged = tenantEvent('user.department_changed', { userId: Id, departmentId: Id.nullable(), previousDepartmentId: Id.nullable() });

/** An award or recognition reversed (or a reversal repeated: nothing moved): who gave it, and why it was reversed. */
export const AwardReversed = tenantEvent('award.reversed', { ...ReversalResult.shape, giverId: Id, reason: z.string() });

/** An allocation reversed by a platform admin (or a reversal repeated: nothing moved). */
export const AllocationReversed = tenantEvent('allocation.reversed', { ...AllocationReversalResult.shape, reason: z.string() });

/** A recurring allocation scheduled, changed (terms, pause, resumption) or deleted: the schedule before (for a change) and after. */
export const ScheduleCreated = tenantEvent('schedule.created', { schedule: ScheduleResult });
export const ScheduleUpdated = tenantEvent('schedule.updated', { before: ScheduleResult, after: ScheduleResult });
export const ScheduleDeleted = tenantEvent('schedule.deleted', { schedule: ScheduleResult });

/** A run of a schedule that allocated nothing (the period passed, not due, paused, the pool not low): audited, so every run has its trace. */
export const ScheduleRunSkipped = tenantEvent('schedule.skipped', { scheduleId: Id, reason: z.string(), periodKey: z.string().nullable() });

export const LedgerEvent = z.discriminatedUnion('type', [
  ScheduleCreated,
  ScheduleUpdated,
  ScheduleDeleted,
  ScheduleRunSkipped,
  AllocationReversed,
  AwardReversed,
  BulkAwardPendingApproval,
  BulkAwardApproved,
  DepartmentCreated,
  DepartmentUpdated,
  DepartmentTransferred,
  UserDepartmentChanged,
  AwardPendingApproval,
  AwardApproved,
  AwardHoldReleased,
  SettingsUpdated,
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
