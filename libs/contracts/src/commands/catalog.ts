import { z } from 'zod';
import { AppError, ErrorCode } from '../errors';
import { toCents } from '../money';
import { CommandQueueKey } from '../queue-names';
import { Actor, MANAGER_ROLES, Role, TENANT_ROLES } from '../roles';
import { nextFireTime, scheduleShapeProblems } from '../schedules';
import {
  AllocationReversalResult,
  ApprovalDecisionResult,
  AwardResult,
  BulkAwardResult,
  CreateUserResult,
  DelegationResult,
  DepartmentResult,
  DepartmentTransferResult,
  PendingAwardResult,
  PendingBulkAwardResult,
  PoolChangeResult,
  RecognitionResult,
  ReversalResult,
  ScheduleResult,
  ScheduleRunResult,
  SettingsResult,
  UserDepartmentResult,
} from './results';
import {
  AllocatePayload,
  ApproveAwardPayload,
  AwardPayload,
  BulkAwardPayload,
  ClawbackPayload,
  CreateDepartmentPayload,
  CreateSchedulePayload,
  CreateUserPayload,
  DeleteSchedulePayload,
  DeclineAwardPayload,
  DepartmentTransferPayload,
  DelegatePayload,
  RecognitionPayload,
  ReverseAllocationPayload,
  ReverseAwardPayload,
  RunSchedulePayload,
  SetUserDepartmentPayload,
  UpdateDepartmentPayload,
  UpdateSchedulePayload,
  UpdateSettingsPayload,
} from './payloads';

/**
 * One entry per command type: everything the system knows about a command
 * that is not the ledger's rule itself. The gateway mounts and documents its
 * route from it, the CLI builds its sub-command from it, the ledger worker
 * re-validates the stored payload and checks the issuer's role with it, and the
 * queue library picks the queue from it. A command missing any of these cannot
 * compile; nothing else lists roles per command.
 */
export interface CommandSpec<P extends z.ZodType> {
  /** The payload as stored and re-validated by the ledger (for most commands, also the HTTP body). */
  payload: P;
  /** Roles that may issue it; the ledger re-checks against the issuer as stored in `users`. */
  roles: readonly Role[];
  /**
   * A rule about who may send which value, run by the gateway before storing
   * (so a 400/403 changes nothing) and by the ledger again when it applies.
   */
  check?: (issuer: Actor, payload: z.output<P>) => void;
  /** What a succeeded command reports (the command resource's `result`). */
  result: z.ZodType;
  /** Codes the ledger may reject it with (the outcome's `error.code`). */
  rejects: readonly ErrorCode[];
  route: {
    /** POST unless said (PUT replaces a resource, such as the tenant's settings; PATCH changes some of its fields). */
    method?: 'post' | 'put' | 'patch' | 'delete';
    /** Express path; a `:field` segment carries that payload field (the body carries the rest). */
    path: string;
    operationId: string;
    summary: string;
    tag: string;
    /** Rules that depend on the caller's role, for the API reference. */
    notes?: string;
  };
  /** `npm run cli -- <name>`; flags map payload fields to option names (`--user` for `userId`). */
  cli: { name: string; flags: { [K in keyof z.output<P> & string]?: string | { flag: string; default: string } } };
  /** The queue that carries it to the ledger worker. */
  queue: CommandQueueKey;
}

/** A catalog entry; most commands travel on the `commands` queue. */
const command = <P extends z.ZodType>(spec: Omit<CommandSpec<P>, 'queue'> & { queue?: CommandQueueKey }): CommandSpec<P> => ({ queue: 'commands', ...spec });

const AWARD_ROLES = [...MANAGER_ROLES, 'lead'] as const;
/** What the tenant's spend limits may refuse an award or recognition with. */
const LIMIT_REJECTS = ['LIMIT_EXCEEDED', 'RECIPROCAL_LIMIT_EXCEEDED'] as const;

export const COMMAND_CATALOG = {
  allocate: command({
    payload: AllocatePayload,
    roles: ['platform_admin'],
    result: PoolChangeResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
    route: { path: '/api/platform/allocations/allocate', operationId: 'allocatePoints', summary: "Allocate points to a tenant's pool (writes a billing record)", tag: 'platform' },
    cli: { name: 'allocate', flags: { tenantId: 'tenant', amount: 'amount', currency: { flag: 'currency', default: 'USD' }, referenceNote: 'note', invoiceNumber: 'invoice' } },
  }),
  clawback: command({
    payload: ClawbackPayload,
    roles: ['platform_admin'],
    result: PoolChangeResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'INSUFFICIENT_BALANCE'],
    route: { path: '/api/platform/allocations/clawback', operationId: 'clawBackPoints', summary: "Take unspent points back out of a tenant's pool", tag: 'platform' },
    cli: { name: 'clawback', flags: { tenantId: 'tenant', amount: 'amount', referenceNote: 'note' } },
  }),
  reverse_allocation: command({
    payload: ReverseAllocationPayload,
    roles: ['platform_admin'],
    result: AllocationReversalResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'INSUFFICIENT_BALANCE'],
    route: {
      path: '/api/platform/allocations/:commandId/reverse',
      operationId: 'reverseAllocation',
      summary: "Reverse an allocation, with a reason: a clawback tied to it takes its points back out of the tenant's pool",
      tag: 'platform',
      notes:
        'Only what the pool has available: when the tenant has spent or delegated part of the allocation, the reversal is refused (INSUFFICIENT_BALANCE) and nothing moves; ' +
        'a clawback of the amount that remains is the way to take that back. Reversing again is a no-op answering with the first reversal.',
    },
    cli: { name: 'reverse-allocation', flags: { commandId: 'command', reason: 'reason' } },
  }),
  create_schedule: command({
    payload: CreateSchedulePayload,
    roles: ['platform_admin'],
    check: (_issuer, terms) => {
      const problems = scheduleShapeProblems(terms);
      if (terms.cron && nextFireTime(terms.cron, terms.timeZone ?? 'UTC', new Date()) === null) problems.push({ field: 'cron', message: `never fires in ${terms.timeZone ?? 'UTC'}` });
      if (problems.length > 0) throw new AppError('VALIDATION_FAILED', 'the request body is invalid', problems);
    },
    result: ScheduleResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
    route: {
      path: '/api/platform/schedules',
      operationId: 'createSchedule',
      summary: 'Schedule a recurring allocation to a tenant: monthly, on a cron expression, or a top-up when its pool falls below a floor',
      tag: 'platform',
      notes:
        'monthly and cron take amount (and cron its expression); top_up takes topUpTo and whenBelow. Each period allocates exactly once, in the name of the admin who last set the terms, ' +
        "with an allocation log row and a billing record (invoicePattern fills in its invoice number). A top-up allocates what brings the pool's available balance up to topUpTo, " +
        'checked every minute while it is below whenBelow.',
    },
    cli: {
      name: 'create-schedule',
      flags: { tenantId: 'tenant', cadence: 'cadence', cron: 'cron', timeZone: 'time-zone', amount: 'amount', topUpTo: 'top-up-to', whenBelow: 'when-below', currency: { flag: 'currency', default: 'USD' }, referenceNote: 'note', invoicePattern: 'invoice-pattern' },
    },
  }),
  update_schedule: command({
    payload: UpdateSchedulePayload,
    roles: ['platform_admin'],
    check: (_issuer, { scheduleId: _id, ...change }) => {
      if (Object.values(change).every((value) => value === undefined)) {
        throw new AppError('VALIDATION_FAILED', 'the request body is invalid', [{ field: 'paused', message: 'give at least one term to change, or paused' }]);
      }
    },
    result: ScheduleResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
    route: {
      method: 'patch',
      path: '/api/platform/schedules/:scheduleId',
      operationId: 'updateSchedule',
      summary: "Change a schedule's terms, or pause or resume it",
      tag: 'platform',
      notes: 'A changed calendar or a resumption runs from the next period after the change: periods passed while paused are not allocated. The cadence cannot change.',
    },
    cli: {
      name: 'update-schedule',
      flags: { scheduleId: 'schedule', cron: 'cron', timeZone: 'time-zone', amount: 'amount', topUpTo: 'top-up-to', whenBelow: 'when-below', currency: 'currency', referenceNote: 'note', invoicePattern: 'invoice-pattern', paused: 'paused' },
    },
  }),
  delete_schedule: command({
    payload: DeleteSchedulePayload,
    roles: ['platform_admin'],
    result: ScheduleResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND'],
    route: { method: 'delete', path: '/api/platform/schedules/:scheduleId', operationId: 'deleteSchedule', summary: 'End a schedule: it never runs again (its runs stay in the books)', tag: 'platform' },
    cli: { name: 'delete-schedule', flags: { scheduleId: 'schedule' } },
  }),
  run_schedule: command({
    payload: RunSchedulePayload,
    roles: ['platform_admin'],
    result: ScheduleRunResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
    route: {
      path: '/api/platform/schedules/:scheduleId/run',
      operationId: 'runSchedule',
      summary: 'Run a schedule now: allocate its period due (or its top-up, if the pool is low); a period that already ran is a no-op',
      tag: 'platform',
      notes:
        "The scheduler submits these itself every minute; an admin may too, to catch up a schedule at once. A calendar schedule's periods run in order, each exactly once " +
        '(a unique key per period in the ledger); a period before the next due one answers already_ran, a later one VALIDATION_FAILED.',
    },
    cli: { name: 'run-schedule', flags: { scheduleId: 'schedule', periodKey: 'period' } },
  }),
  delegate: command({
    payload: DelegatePayload,
    roles: AWARD_ROLES,
    check: (issuer, payload) => {
      if (issuer.role === 'lead' && payload.departmentId === undefined) {
        throw new AppError('FORBIDDEN', 'a lead may delegate only from a department pool they head', [{ field: 'departmentId', message: 'required for a lead' }]);
      }
    },
    result: DelegationResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED', 'INSUFFICIENT_BALANCE'],
    route: {
      path: '/api/allocations/distribute-to-lead',
      operationId: 'delegateToLead',
      summary: "Move points from the tenant pool (or a department pool) to a lead's budget",
      tag: 'allocations',
      notes:
        'Managers and HR admins delegate from the tenant pool. With departmentId, from that department pool to a lead who belongs to the department: ' +
        'a manager, HR admin or the department’s head may.',
    },
    cli: { name: 'delegate', flags: { leadId: 'lead', amount: 'amount', description: 'description', departmentId: 'department' } },
  }),
  award: command({
    payload: AwardPayload,
    roles: AWARD_ROLES,
    result: z.union([AwardResult, PendingAwardResult]),
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED', 'INSUFFICIENT_BALANCE', ...LIMIT_REJECTS],
    route: {
      path: '/api/allocations/award-points',
      operationId: 'awardPoints',
      summary: "Award points to a colleague's wallet: managers from the pool, leads from their own budget",
      tag: 'allocations',
      notes:
        'Managers and HR admins award from the tenant pool; a lead awards from their own budget. Nobody may award themselves. ' +
        "Above the tenant's approval threshold the award succeeds as pending_approval: its points are held on the source until an approver decides. " +
        "With departmentId, a department's head awards from the department pool instead.",
    },
    cli: { name: 'award', flags: { userId: 'user', amount: 'amount', description: 'description', departmentId: 'department' } },
  }),
  recognition: command({
    payload: RecognitionPayload,
    roles: TENANT_ROLES,
    result: RecognitionResult,
    check: (issuer, payload) => {
      if (issuer.role === 'employee' && toCents(payload.points) > 0n) {
        throw new AppError('FORBIDDEN', 'employees may only give 0-point kudos', [{ field: 'points', message: 'must be 0 for an employee' }]);
      }
    },
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED', 'INSUFFICIENT_BALANCE', ...LIMIT_REJECTS],
    route: {
      path: '/api/recognitions',
      operationId: 'recogniseColleague',
      summary: 'Recognise a colleague publicly; points come from the giver’s source (employees give 0-point kudos)',
      tag: 'recognitions',
      notes: 'Points come from the pool for managers and HR admins, from their own budget for a lead; an employee may only give 0 points (403 otherwise).',
    },
    cli: { name: 'recognise', flags: { recipientId: 'user', points: 'points', message: 'message' } },
  }),
  create_user: command({
    payload: CreateUserPayload,
    roles: ['platform_admin', ...MANAGER_ROLES],
    result: CreateUserResult,
    check: (issuer, payload) => {
      if (issuer.role === 'platform_admin' && !payload.tenantId) {
        throw new AppError('VALIDATION_FAILED', 'the request body is invalid', [{ field: 'tenantId', message: 'required for a platform admin' }]);
      }
      if (issuer.role !== 'platform_admin' && payload.tenantId !== undefined) {
        throw new AppError('VALIDATION_FAILED', 'the request body is invalid', [{ field: 'tenantId', message: 'is not an accepted field: users are created in your own tenant' }]);
      }
    },
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
    route: {
      path: '/api/users',
      operationId: 'createUser',
      summary: 'Create a user (with a wallet, and a budget for a lead); a platform admin names the tenant',
      tag: 'users',
      notes: 'A platform admin must give tenantId; a tenant manager or HR admin must not (the user joins their own tenant).',
    },
    cli: { name: 'create-user', flags: { email: 'email-address', displayName: 'name', role: 'role', tenantId: 'tenant' } },
  }),
  bulk_award: command({
    payload: BulkAwardPayload,
    roles: AWARD_ROLES,
    result: z.union([BulkAwardResult, PendingBulkAwardResult]),
    rejects: ['FORBIDDEN', 'VALIDATION_FAILED', 'INSUFFICIENT_BALANCE', 'LIMIT_EXCEEDED'],
    route: {
      path: '/api/allocations/bulk-awards',
      operationId: 'createBulkAward',
      summary: 'Award many colleagues at once (up to 100,000 rows), as JSON or text/csv (userId|email,amount,description); all or nothing',
      tag: 'allocations',
      notes:
        'Managers and HR admins award from the tenant pool; a lead from their own budget. Every row is checked before anything moves. ' +
        'The body is JSON (BulkAwardBody) or text/csv; the stored command carries only the description and the row count. ' +
        "With a row above the tenant's approval threshold the whole bulk award succeeds as pending_approval: its total is held on the source until an approver decides.",
    },
    cli: { name: 'bulk-award', flags: { description: 'description' } },
    queue: 'bulkAwards',
  }),
  approve_award: command({
    payload: ApproveAwardPayload,
    roles: MANAGER_ROLES,
    result: ApprovalDecisionResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'ALREADY_DECIDED', 'VALIDATION_FAILED', 'INSUFFICIENT_BALANCE', ...LIMIT_REJECTS],
    route: {
      path: '/api/approvals/:approvalId/approve',
      operationId: 'approveAward',
      summary: 'Approve a pending award (or bulk award): its held points move to the recipients’ wallets',
      tag: 'approvals',
      notes:
        'Tenant managers and HR admins, never the award’s giver or recipient. Exactly one decision stands: a second one, or one after the hold was released, is ALREADY_DECIDED. ' +
        'The award is checked against the spend limits in force when the approval was accepted.',
    },
    cli: { name: 'approve', flags: { approvalId: 'approval', reason: 'reason' } },
  }),
  decline_award: command({
    payload: DeclineAwardPayload,
    roles: AWARD_ROLES,
    result: ApprovalDecisionResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'ALREADY_DECIDED'],
    route: {
      path: '/api/approvals/:approvalId/decline',
      operationId: 'declineAward',
      summary: 'Decline a pending award (or, as its giver, withdraw it), with a reason: its held points are released to the source',
      tag: 'approvals',
      notes: 'Tenant managers and HR admins, never the award’s recipient; and the award’s giver, to withdraw it.',
    },
    cli: { name: 'decline', flags: { approvalId: 'approval', reason: 'reason' } },
  }),
  reverse_award: command({
    payload: ReverseAwardPayload,
    roles: AWARD_ROLES,
    result: ReversalResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED', 'INSUFFICIENT_BALANCE'],
    route: {
      path: '/api/reversals/:commandId',
      operationId: 'reverseAward',
      summary: 'Reverse an award, recognition or whole bulk award, with a reason: correcting journal entries move its points back from the recipients’ wallets to its source',
      tag: 'allocations',
      notes:
        "A tenant manager may reverse any of the tenant's awards, recognitions and bulk awards; the giver their own, within the tenant's reversals.giverWindowHours. " +
        "When part of the points has expired, the tenant's expiry policy says: refused (INSUFFICIENT_BALANCE, the default) or what remains goes back; a bulk award goes back whole or not at all. " +
        'Reversing again is a no-op answering with the first reversal.',
    },
    cli: { name: 'reverse', flags: { commandId: 'command', reason: 'reason' } },
  }),
  update_settings: command({
    payload: UpdateSettingsPayload,
    roles: ['tenant_manager'],
    result: SettingsResult,
    rejects: ['FORBIDDEN'],
    route: {
      method: 'put',
      path: '/api/settings',
      operationId: 'updateSettings',
      summary: "Replace the tenant's settings: its time zone and spend limits (each change is a new version, audited with before and after)",
      tag: 'settings',
      notes:
        'A field left out takes its default (no limit; UTC). Each award, recognition and bulk award is checked against the settings in force when it was accepted: ' +
        'one accepted before a change keeps the earlier version.',
    },
    cli: { name: 'set-settings', flags: {} },
  }),
  create_department: command({
    payload: CreateDepartmentPayload,
    roles: ['tenant_manager'],
    result: DepartmentResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
    route: {
      path: '/api/departments',
      operationId: 'createDepartment',
      summary: 'Create a department (a name unique in the tenant, an optional parent and head) with an empty pool of its own',
      tag: 'departments',
      notes: 'The head — a tenant manager, HR admin or lead of the tenant — awards from the department pool and may delegate from it to the department’s leads.',
    },
    cli: { name: 'create-department', flags: { name: 'name', parentId: 'parent', headId: 'head' } },
  }),
  update_department: command({
    payload: UpdateDepartmentPayload,
    roles: ['tenant_manager'],
    check: (_issuer, change) => {
      if (change.name === undefined && change.parentId === undefined && change.headId === undefined) {
        throw new AppError('VALIDATION_FAILED', 'the request body is invalid', [{ field: 'name', message: 'give at least one of name, parentId, headId' }]);
      }
    },
    result: DepartmentResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
    route: {
      method: 'patch',
      path: '/api/departments/:departmentId',
      operationId: 'updateDepartment',
      summary: 'Rename a department, or change its parent or head (null removes them)',
      tag: 'departments',
      notes: 'A department cannot become its own ancestor.',
    },
    cli: { name: 'update-department', flags: { departmentId: 'department', name: 'name', parentId: 'parent', headId: 'head' } },
  }),
  fund_department: command({
    payload: DepartmentTransferPayload,
    roles: MANAGER_ROLES,
    result: DepartmentTransferResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED', 'INSUFFICIENT_BALANCE'],
    route: { path: '/api/departments/:departmentId/fund', operationId: 'fundDepartment', summary: 'Move points from the tenant pool to a department pool', tag: 'departments' },
    cli: { name: 'fund-department', flags: { departmentId: 'department', amount: 'amount', description: 'description' } },
  }),
  return_department_funds: command({
    payload: DepartmentTransferPayload,
    roles: MANAGER_ROLES,
    result: DepartmentTransferResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED', 'INSUFFICIENT_BALANCE'],
    route: {
      path: '/api/departments/:departmentId/return',
      operationId: 'returnDepartmentFunds',
      summary: 'Return points from a department pool to the tenant pool',
      tag: 'departments',
      notes: 'Only what the department has available: points held for its awards pending approval stay.',
    },
    cli: { name: 'return-department-funds', flags: { departmentId: 'department', amount: 'amount', description: 'description' } },
  }),
  set_user_department: command({
    payload: SetUserDepartmentPayload,
    roles: ['tenant_manager'],
    result: UserDepartmentResult,
    rejects: ['FORBIDDEN', 'NOT_FOUND', 'VALIDATION_FAILED'],
    route: {
      method: 'put',
      path: '/api/users/:userId/department',
      operationId: 'setUserDepartment',
      summary: 'Put a manager, HR admin or lead in a department, or take them out of theirs (departmentId null)',
      tag: 'departments',
      notes: 'A lead’s budget can be delegated from the pool of the department they belong to.',
    },
    cli: { name: 'set-department', flags: { userId: 'user', departmentId: 'department' } },
  }),
};

export type CommandCatalog = typeof COMMAND_CATALOG;
export type CommandType = keyof CommandCatalog;
export const COMMAND_TYPES = Object.keys(COMMAND_CATALOG) as CommandType[];
export const CommandTypeSchema = z.enum(COMMAND_TYPES as [CommandType, ...CommandType[]]);
export type CommandPayload<T extends CommandType> = z.output<CommandCatalog[T]['payload']>;

/** The catalog entry of a command type, typed for callers that handle any command. */
export function commandSpec<T extends CommandType>(type: T): CommandSpec<CommandCatalog[T]['payload']> {
  return COMMAND_CATALOG[type] as CommandSpec<CommandCatalog[T]['payload']>;
}

/** The payload fields a route's path carries (`/api/approvals/:approvalId/approve` → approvalId); the body carries the rest. */
export const pathFields = (path: string): string[] => [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]);
