import { z } from 'zod';
import { Amount, AmountOrZero } from '../money';
import { TenantRole } from '../roles';
import { SettingsUpdate } from '../settings';

// Command payloads. Each schema is both the HTTP request body the gateway
// validates and the payload the ledger worker re-validates when it applies the
// command (their types: `CommandPayload<T>`). `.strict()` refuses unknown fields, so a client cannot smuggle in a
// `tenantId`, `role` or balance the route does not take.

const Id = z.uuid();
/** An id the ledger looks up in memory: lower-case, as PostgreSQL prints it. */
const LowerId = Id.transform((id) => id.toLowerCase());
const Note = (max: number) => z.string().trim().min(1).max(max);

export const AllocatePayload = z
  .object({
    tenantId: Id,
    amount: Amount,
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code such as USD'),
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
