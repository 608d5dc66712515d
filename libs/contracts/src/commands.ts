import { z } from 'zod';
import { Amount, AmountOrZero, Decimal } from './money';
import { Role, TenantRole } from './roles';
import { ErrorBody } from './errors';

/**
 * Command contracts. Each schema is both the HTTP request body the gateway
 * validates and the payload the ledger worker re-validates when it applies the
 * command. `.strict()` refuses unknown fields, so a client cannot smuggle in a
 * `tenantId`, `role` or balance the route does not take.
 */
const Id = z.uuid();
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

export const DelegatePayload = z.object({ leadId: Id, amount: Amount, description: Note(500).optional() }).strict();

export const AwardPayload = z.object({ userId: Id, amount: Amount, description: Note(500).optional() }).strict();

export const RecognitionPayload = z
  .object({ recipientId: Id, points: AmountOrZero, message: Note(1000) })
  .strict();

export const CreateUserPayload = z
  .object({
    email: z.email().max(254).transform((email) => email.toLowerCase()),
    displayName: Note(200),
    role: TenantRole,
    tenantId: Id.optional(),
  })
  .strict();

/**
 * The command catalog: one entry per command type, naming its payload schema and
 * the roles that may issue it. The gateway, the worker and the tests all read
 * this one table, so a command without a schema or a role rule cannot exist.
 */
export const COMMAND_CATALOG = {
  allocate: { payload: AllocatePayload, roles: ['platform_admin'] },
  clawback: { payload: ClawbackPayload, roles: ['platform_admin'] },
  delegate: { payload: DelegatePayload, roles: ['tenant_manager', 'hr_admin'] },
  award: { payload: AwardPayload, roles: ['tenant_manager', 'hr_admin', 'lead'] },
  recognition: { payload: RecognitionPayload, roles: ['tenant_manager', 'hr_admin', 'lead', 'employee'] },
  create_user: { payload: CreateUserPayload, roles: ['platform_admin', 'tenant_manager', 'hr_admin'] },
} as const satisfies Record<string, { payload: z.ZodType; roles: readonly Role[] }>;

export type CommandType = keyof typeof COMMAND_CATALOG;
export const COMMAND_TYPES = Object.keys(COMMAND_CATALOG) as CommandType[];
/** Every type a stored command can have: the catalog's, plus bulk awards (applied by their own job). */
export const CommandTypeSchema = z.union([z.enum(COMMAND_TYPES as [CommandType, ...CommandType[]]), z.literal('bulk_award')]);
export type StoredCommandType = z.infer<typeof CommandTypeSchema>;

export type CommandPayload<T extends CommandType> = z.output<(typeof COMMAND_CATALOG)[T]['payload']>;
export type AllocatePayload = z.output<typeof AllocatePayload>;
export type ClawbackPayload = z.output<typeof ClawbackPayload>;
export type DelegatePayload = z.output<typeof DelegatePayload>;
export type AwardPayload = z.output<typeof AwardPayload>;
export type RecognitionPayload = z.output<typeof RecognitionPayload>;
export type CreateUserPayload = z.output<typeof CreateUserPayload>;

/** A command as stored in the `commands` table and applied by the ledger. */
export type Command = {
  [T in CommandType]: {
    id: string;
    type: T;
    tenantId: string | null;
    issuerId: string;
    payload: CommandPayload<T>;
    requestId: string | null;
  };
}[CommandType];

/**
 * The tenant a command acts on: the issuer's, or for a platform admin's command
 * (allocate, clawback, create_user) the tenant it names. The ledger worker
 * batches one tenant's commands together, so one tenant's busy pool never holds
 * back another tenant's commands.
 */
export function targetTenantOf(command: { tenantId: string | null; payload: unknown }): string | null {
  if (command.tenantId) return command.tenantId;
  const named = (command.payload as { tenantId?: unknown } | null)?.tenantId;
  return typeof named === 'string' ? named : null;
}

export const COMMAND_STATUSES = ['queued', 'processing', 'succeeded', 'rejected', 'failed'] as const;
export const CommandStatus = z.enum(COMMAND_STATUSES);
export type CommandStatus = z.infer<typeof CommandStatus>;
export const FINAL_STATUSES: readonly CommandStatus[] = ['succeeded', 'rejected', 'failed'];

/** A balance before and after one change. */
export const BalanceChange = z.object({ previousBalance: Decimal, newBalance: Decimal });
export type BalanceChange = z.infer<typeof BalanceChange>;

export const SOURCE_TYPES = ['tenant_pool', 'lead_budget'] as const;
export const SourceType = z.enum(SOURCE_TYPES);
export type SourceType = z.infer<typeof SourceType>;

export const PoolChangeResult = z.object({
  tenantId: Id,
  amount: Decimal,
  previousBalance: Decimal,
  newBalance: Decimal,
});
export const DelegationResult = z.object({
  amount: Decimal,
  leadId: Id,
  source: BalanceChange.extend({ type: SourceType }),
  leadBudget: BalanceChange,
});
export const AwardResult = z.object({
  amount: Decimal,
  recipientId: Id,
  source: BalanceChange.extend({ type: SourceType }),
  wallet: BalanceChange,
});
/** A 0-point kudos moves nothing, so its source and wallet are null. */
export const RecognitionResult = AwardResult.extend({
  recognitionId: Id,
  source: AwardResult.shape.source.nullable(),
  wallet: BalanceChange.nullable(),
});
export const CreateUserResult = z.object({ userId: Id });
export const CommandResult = z.union([PoolChangeResult, DelegationResult, RecognitionResult, AwardResult, CreateUserResult]);

export type PoolChangeResult = z.infer<typeof PoolChangeResult>;
export type DelegationResult = z.infer<typeof DelegationResult>;
export type AwardResult = z.infer<typeof AwardResult>;
export type RecognitionResult = z.infer<typeof RecognitionResult>;
export type CreateUserResult = z.infer<typeof CreateUserResult>;
export type CommandResult = z.infer<typeof CommandResult>;

/** What a command ends as; `rejected` carries a SPEC error and changed nothing. */
export type CommandOutcome =
  | { status: 'succeeded'; result: CommandResult }
  | { status: 'rejected'; error: ErrorBody }
  | { status: 'failed'; error: ErrorBody };
