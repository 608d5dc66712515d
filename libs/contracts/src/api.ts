import { z } from 'zod';
import { CommandStatus, CommandTypeSchema, SourceType } from './commands';
import { ERROR_CODES } from './errors';
import { Decimal } from './money';
import { Role } from './roles';
import { LimitPeriod, TenantSettings, TimeZone } from './settings';

/**
 * HTTP request and response shapes that are not commands. The gateway
 * validates with them, the OpenAPI document is generated from them, and the
 * tests parse responses with them.
 */
const Id = z.uuid();
const Timestamp = z.string().describe('ISO 8601 timestamp, UTC, microsecond precision');

export const ErrorResponse = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.array(z.object({ field: z.string().optional(), message: z.string() }).passthrough()).optional(),
  }),
}).meta({ id: 'ErrorResponse' });

export const ListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(500).optional(),
  })
  .strict();
export type ListQuery = z.infer<typeof ListQuery>;

/** A balance read as of a past moment (absent: now), answered from the account's journal. */
export const AsOfQuery = z
  .object({
    asOf: z.iso
      .datetime({ offset: true })
      // What PostgreSQL's timestamptz takes: no year 0, an offset within ±15:59.
      .refine((at) => !at.startsWith('0000') && !/[+-](1[6-9]|2\d):\d\d$/.test(at), 'must have a year from 0001 and an offset within ±15:59')
      .optional()
      .describe('an ISO 8601 time with its offset: the balances as they stood then, from the journals (a time in the future, or before the account existed, is a 400)'),
  })
  .strict();

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const IdempotencyKey = z.string().min(1).max(255);

export const CommandAccepted = z.object({
  commandId: Id,
  status: CommandStatus,
  statusUrl: z.string(),
}).meta({ id: 'CommandAccepted' });

export const CommandResource = z.object({
  commandId: Id,
  type: CommandTypeSchema,
  status: CommandStatus,
  result: z.record(z.string(), z.unknown()).optional(),
  error: ErrorResponse.shape.error.optional(),
  createdAt: Timestamp,
  completedAt: Timestamp.nullable(),
}).meta({ id: 'CommandResource' });
export type CommandResource = z.infer<typeof CommandResource>;

export const CreateTenantBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, at most 63'),
  })
  .strict();

export const TenantView = z.object({ id: Id, name: z.string(), slug: z.string(), poolBalance: Decimal, createdAt: Timestamp }).meta({ id: 'TenantView' });

export const AllocationLogView = z.object({
  id: Id,
  tenantId: Id,
  adminId: Id,
  transactionType: z.enum(['allocation', 'clawback']),
  amount: Decimal,
  currency: z.string().nullable(),
  referenceNote: z.string().nullable(),
  invoiceNumber: z.string().nullable(),
  previousBalance: Decimal,
  newBalance: Decimal,
  version: z.string(),
  commandId: Id,
  createdAt: Timestamp,
}).meta({ id: 'AllocationLogView' });

export const AllocationStats = z.object({
  tenantId: Id,
  totalAllocated: Decimal,
  totalClawedBack: Decimal,
  netAllocated: Decimal,
  poolBalance: Decimal,
  departmentPoolsTotal: Decimal,
  leadBudgetsTotal: Decimal,
  walletsTotal: Decimal,
  expiredTotal: Decimal.describe("points expired out of the tenant's wallets (its expired account)"),
  totalDistributed: Decimal,
  accountingCheck: z.object({
    balanced: z.boolean().describe('net allocated equals what the journals say the pool, department pools, lead budgets, wallets and expired account hold, and balances match their journals'),
    netAllocated: Decimal,
    heldPerJournals: Decimal,
    heldPerBalances: Decimal,
    journals: z.object({ pool: Decimal, departmentPools: Decimal, leadBudgets: Decimal, wallets: Decimal, expired: Decimal }),
  }),
}).meta({ id: 'AllocationStats' });

export const TenantAllocationSummary = z.object({
  tenantId: Id,
  name: z.string(),
  slug: z.string(),
  poolBalance: Decimal,
  totalAllocated: Decimal,
  totalClawedBack: Decimal,
  netAllocated: Decimal,
  allocationCount: z.number().int(),
}).meta({ id: 'TenantAllocationSummary' });

export const UserView = z.object({
  id: Id,
  tenantId: Id.nullable(),
  email: z.string(),
  displayName: z.string(),
  role: Role,
  active: z.boolean(),
  createdAt: Timestamp,
}).meta({ id: 'UserView' });

/** A period limit as it stands for one person this period. */
export const PeriodLimitUsage = z.object({
  amount: Decimal,
  period: LimitPeriod,
  periodStart: Timestamp,
  periodEnd: Timestamp,
  used: Decimal,
  pending: Decimal.describe('held by awards pending approval: spoken for, not yet moved'),
  remaining: Decimal,
}).meta({ id: 'PeriodLimitUsage' });

/** The tenant's limits as they apply to the caller: what each allows, what is used this period, what remains. */
export const LimitsView = z.object({
  timeZone: TimeZone,
  perAward: Decimal.nullable(),
  asGiver: PeriodLimitUsage.nullable().describe('points the caller may still give this period'),
  asRecipient: PeriodLimitUsage.nullable().describe('points the caller may still receive this period'),
  reciprocal: z.object({ maxAwards: z.number().int(), period: LimitPeriod }).nullable(),
}).meta({ id: 'LimitsView' });

export const MeView = z.object({
  user: UserView,
  wallet: z.object({ balance: Decimal, lifetimeEarned: Decimal }).nullable(),
  leadBudget: z.object({ balance: Decimal, held: Decimal, available: Decimal }).nullable(),
  limits: LimitsView.nullable().describe('null for a platform admin'),
  expiries: z
    .array(z.object({ amount: Decimal, expiresAt: Timestamp.describe('the moment they expire'), lastDay: z.string().describe("the last day they can be used, in the tenant's time zone (YYYY-MM-DD)") }))
    .describe("the wallet's points that will expire, soonest first (up to 3 dates); empty without an expiry policy"),
}).meta({ id: 'MeView' });

export const SettingsView = z.object({
  tenantId: Id,
  version: z.number().int().min(0).describe('0: never set, the defaults apply'),
  settings: TenantSettings,
  updatedAt: Timestamp.nullable(),
  updatedBy: Id.nullable(),
}).meta({ id: 'SettingsView' });

export const PoolView = z.object({
  tenantId: Id,
  balance: Decimal,
  held: Decimal.describe('held for awards pending approval: part of the balance, not available'),
  available: Decimal.describe('what may be delegated or awarded: balance less held'),
  message: z.string(),
}).meta({ id: 'PoolView' });

/** An award above the tenant's approval threshold, and what became of it. */
export const ApprovalView = z.object({
  id: Id.describe('the award (or bulk award) command id'),
  kind: z.enum(['award', 'bulk_award']).describe('a bulk award is held whole: its rows are its recipients (GET /api/allocations/bulk-awards/{id})'),
  giverId: Id,
  recipientId: Id.nullable().describe('null for a bulk award'),
  amount: Decimal,
  description: z.string().nullable(),
  sourceType: SourceType,
  status: z.enum(['pending', 'approved', 'declined', 'expired']),
  createdAt: Timestamp,
  expiresAt: Timestamp,
  decidedAt: Timestamp.nullable(),
  decidedBy: Id.nullable(),
  reason: z.string().nullable(),
}).meta({ id: 'ApprovalView' });

export const ApprovalsQuery = ListQuery.extend({
  status: z.enum(['pending', 'all']).default('pending').describe('pending (the default): awaiting a decision; all: decided ones too'),
}).strict();

export const DistributionView = z.object({
  id: Id,
  fromUserId: Id,
  toUserId: Id,
  transactionType: z.enum(['delegation', 'award', 'recognition', 'bulk_award']),
  sourceType: SourceType,
  amount: Decimal,
  description: z.string().nullable(),
  previousPoolBalance: Decimal,
  newPoolBalance: Decimal,
  commandId: Id,
  createdAt: Timestamp,
}).meta({ id: 'DistributionView' });

const Person = z.object({ id: Id, displayName: z.string() });
export const FeedEntryView = z.object({
  id: Id,
  type: z.string(),
  actor: Person,
  target: Person.nullable(),
  points: Decimal,
  message: z.string().nullable(),
  referenceId: Id.nullable(),
  reversed: z.boolean().describe('the award or recognition was reversed since (POST /api/reversals/{commandId})'),
  createdAt: Timestamp,
}).meta({ id: 'FeedEntryView' });
export type FeedEntryView = z.infer<typeof FeedEntryView>;

export const WalletLedgerView = z.object({
  id: Id,
  amount: Decimal,
  transactionType: z.string(),
  referenceType: z.string(),
  referenceId: Id,
  previousBalance: Decimal,
  newBalance: Decimal,
  version: z.string(),
  createdAt: Timestamp,
}).meta({ id: 'WalletLedgerView' });

/** A department, its pool (balance, held for awards pending approval, available) and how many belong to it. */
export const DepartmentView = z.object({
  id: Id,
  name: z.string(),
  parentId: Id.nullable(),
  headId: Id.nullable(),
  balance: Decimal,
  held: Decimal,
  available: Decimal,
  members: z.number().int().describe('active managers, HR admins and leads who belong to it'),
  version: z.string().describe('how many rows its journal has'),
  createdAt: Timestamp,
}).meta({ id: 'DepartmentView' });

/** One row of a department pool's journal. */
export const DepartmentLedgerView = WalletLedgerView.meta({ id: 'DepartmentLedgerView' });

export const HealthView = z.object({ status: z.literal('ok') });
/** `/readyz` is anonymous: it names the failing check, never its error text (that is in the server's log). */
export const ReadinessView = z.object({ ready: z.boolean(), checks: z.record(z.string(), z.object({ ok: z.boolean() })) });

export const AuditEntryView = z.object({
  id: Id,
  eventId: Id,
  tenantId: Id.nullable(),
  actorId: Id.nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: Id.nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  requestId: z.string().nullable(),
  createdAt: Timestamp,
}).meta({ id: 'AuditEntryView' });

export const PlatformAuditQuery = ListQuery.extend({ tenantId: z.uuid().optional() }).strict();

/** Recurring allocations: optionally one tenant's; deleted ones only when asked. */
export const SchedulesQuery = ListQuery.extend({
  tenantId: z.uuid().optional(),
  includeDeleted: z.enum(['true', 'false']).optional().describe('true: deleted schedules too (their runs stay in the books)'),
}).strict();

/** A row's problem, by row number (row 0: the award as a whole, e.g. a total above the source). */
export const BulkAwardRowError = z
  .object({ row: z.number().int(), field: z.string(), message: z.string(), code: z.enum(ERROR_CODES) })
  .meta({ id: 'BulkAwardRowError' });
/** pending_approval: held whole until an approver decides (a row above the approval threshold); declined or expired: released, nothing awarded. */
export const BULK_STATUSES = ['queued', 'validating', 'applying', 'pending_approval', 'succeeded', 'rejected', 'failed', 'declined', 'expired'] as const;
/** A bulk award in one of these is done: nothing will move for it any more. */
export const BULK_FINAL_STATUSES = ['succeeded', 'rejected', 'failed', 'declined', 'expired'] as const;
/** A bulk award in one of these needs no more processing: it is done, or held whole for an approver (who may take days). */
export const BULK_SETTLED_STATUSES = [...BULK_FINAL_STATUSES, 'pending_approval'] as const;
export const BulkAwardView = z.object({
  bulkId: Id,
  status: z.enum(BULK_STATUSES),
  total: z.number().int(),
  processed: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  totalAmount: Decimal.nullable(),
  /** Why it was rejected or failed (the command's error code); null until then. */
  code: z.enum(ERROR_CODES).nullable(),
  errors: z.array(BulkAwardRowError),
  statusUrl: z.string(),
  createdAt: Timestamp,
  completedAt: Timestamp.nullable(),
}).meta({ id: 'BulkAwardView' });
export type BulkAwardView = z.infer<typeof BulkAwardView>;
