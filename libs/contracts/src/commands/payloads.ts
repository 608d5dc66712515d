import { z } from 'zod';
import { Amount, AmountOrZero } from '../money';
import { TenantRole } from '../roles';
import { CronExpression, ScheduleCadence } from '../schedules';
import { SettingsUpdate, TimeZone } from '../settings';

// Command payloads. Each schema is both the HTTP request body the gateway
// validates and the payload the ledger worker re-validates when it applies the
// command (their types: `CommandPayload<T>`). `.strict()` refuses unknown fields, so a client cannot smuggle in a
// `tenantId`, `role` or balance the route does not take.

const Id = z.uuid();
/** An id the ledger looks up in memory: lower-case, as PostgreSQL prints it. */
const LowerId = Id.transform((id) => id.toLowerCase());
const Note = (max: number) => z.string().trim().min(1).max(max);

const Currency = z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code such as USD');

export const AllocatePayload = z
  .object({
    tenantId: Id,
    amount: Amount,
    currency: Currency,
    referenceNote: Note(500),
    invoiceNumber: Note(100).optional(),
  })
  .strict();

export const ClawbackPayload = z.object({ tenantId: Id, amount: Amount, referenceNote: Note(500) }).strict();

/** A department pool to spend instead of the giver's usual source. */
const FromDepartment = LowerId.optional().describe('spend this department pool instead: its head awards from it; a manager or its head delegates from it to a lead of the department');

export const DelegatePayload = z.object({ leadId: Id, amount: Amount, description: Note(500).optional(), departmentId: FromDepartment }).strict();

export const AwardPayload = z.object({ userId: Id, amount: Amount, description: Note(500).optional(), departmentId: FromDepartment }).strict();

export const RecognitionPayload = z.object({ recipientId: Id, points: AmountOrZero, message: Note(1000) }).strict();

export const CreateUserPayload = z
  .object({
    email: z.email().max(254).transform((email) => email.toLowerCase()),
    displayName: Note(200),
    role: TenantRole,
    tenantId: Id.optional().describe('required for a platform admin; tenant users create users in their own tenant'),
  })
  .strict();

/**
 * A bulk award as stored: its rows live in `bulk_award_items`, so the command
 * carries only the description and how many rows there are.
 */
export const BulkAwardPayload = z.object({ description: z.string().nullable(), rows: z.number().int().positive() }).strict();

/** The tenant's settings, whole: PUT replaces them (see SettingsUpdate). */
export const UpdateSettingsPayload = SettingsUpdate;

/** An approver's decision on a pending award (its id is the award command's, in the route's path). */
const ApprovalId = LowerId;
export const ApproveAwardPayload = z.object({ approvalId: ApprovalId, reason: Note(500).optional() }).strict();
export const DeclineAwardPayload = z.object({ approvalId: ApprovalId, reason: Note(500) }).strict();

/** A new department of the tenant; its pool starts empty. */
export const CreateDepartmentPayload = z
  .object({ name: Note(200), parentId: LowerId.optional(), headId: LowerId.optional().describe('a tenant manager, HR admin or lead of the tenant: awards from the department pool') })
  .strict();

/** A change of a department's name, parent or head: a field left out is unchanged, null removes the parent or head. */
export const UpdateDepartmentPayload = z
  .object({ departmentId: LowerId, name: Note(200).optional(), parentId: LowerId.nullable().optional(), headId: LowerId.nullable().optional() })
  .strict();

/** Points moved from the tenant pool to a department pool, or back. */
export const DepartmentTransferPayload = z.object({ departmentId: LowerId, amount: Amount, description: Note(500).optional() }).strict();

/** Which department a manager or lead belongs to (null: none). */
export const SetUserDepartmentPayload = z.object({ userId: LowerId, departmentId: LowerId.nullable() }).strict();

/** Reverse an award or recognition: correcting entries move its points back to their source (its id is the award's or recognition's command id, in the path). */
export const ReverseAwardPayload = z.object({ commandId: LowerId, reason: Note(500) }).strict();

/** Reverse an allocation: a clawback tied to it takes its points back out of the tenant's pool (its id is the allocation's command id, in the path). */
export const ReverseAllocationPayload = z.object({ commandId: LowerId, reason: Note(500) }).strict();

/** What a recurring allocation allocates, and when; which fields a cadence takes is checked with the rest (scheduleShapeProblems). */
const ScheduleTerms = {
  cron: CronExpression.describe('cadence cron: when each run allocates (five fields, at most hourly), in timeZone'),
  timeZone: TimeZone.describe('the zone the calendar is read in (default UTC)'),
  amount: Amount.describe('monthly and cron: what each run allocates'),
  topUpTo: Amount.describe("top_up: a run allocates what brings the pool's available balance up to this"),
  whenBelow: Amount.describe("top_up: a run is due when the pool's available balance is below this (at most topUpTo)"),
  currency: Currency,
  referenceNote: Note(500),
  invoicePattern: Note(100).describe('the invoice number of each run: {yyyy}, {mm}, {dd} (the period, in timeZone) and {n} (the run number) are filled in'),
};

/** A recurring allocation to a tenant: monthly (midnight on the 1st), on a cron expression, or a top-up when the pool falls below a floor. */
export const CreateSchedulePayload = z
  .object({
    tenantId: Id,
    cadence: ScheduleCadence,
    cron: ScheduleTerms.cron.optional(),
    timeZone: ScheduleTerms.timeZone.optional(),
    amount: ScheduleTerms.amount.optional(),
    topUpTo: ScheduleTerms.topUpTo.optional(),
    whenBelow: ScheduleTerms.whenBelow.optional(),
    currency: ScheduleTerms.currency,
    referenceNote: ScheduleTerms.referenceNote,
    invoicePattern: ScheduleTerms.invoicePattern.optional(),
  })
  .strict();

/** A change of a schedule's terms, or a pause (paused: true) or resumption: a field left out is unchanged; invoicePattern null removes it. Its cadence is fixed. */
export const UpdateSchedulePayload = z
  .object({
    scheduleId: LowerId,
    cron: ScheduleTerms.cron.optional(),
    timeZone: ScheduleTerms.timeZone.optional(),
    amount: ScheduleTerms.amount.optional(),
    topUpTo: ScheduleTerms.topUpTo.optional(),
    whenBelow: ScheduleTerms.whenBelow.optional(),
    currency: ScheduleTerms.currency.optional(),
    referenceNote: ScheduleTerms.referenceNote.optional(),
    invoicePattern: ScheduleTerms.invoicePattern.nullable().optional(),
    paused: z.boolean().optional().describe('true pauses the schedule (its periods meanwhile are skipped); false resumes it from the next period'),
  })
  .strict();

/** A schedule ended: it never runs again; its runs stay in the books. */
export const DeleteSchedulePayload = z.object({ scheduleId: LowerId }).strict();

/**
 * One run of a schedule: the period due (a calendar schedule's next fire time,
 * as the scheduler submits it), or — left out — whatever is due now. A top-up
 * takes no period: its key is the pool's version when it runs.
 */
export const RunSchedulePayload = z
  .object({
    scheduleId: LowerId,
    periodKey: z.iso.datetime({ offset: true }).optional().describe("the period to allocate: a calendar schedule's fire time; left out, the period due now"),
  })
  .strict();
