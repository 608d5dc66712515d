import { z } from 'zod';
import { ErrorBody } from '../errors';
import { CommandPayload, CommandType } from './catalog';
import { CommandResult } from './results';

/** A command as stored in the `commands` table and applied by the ledger, one type per variant. */
export type CommandOf<T extends CommandType> = {
  id: string;
  type: T;
  /** The issuer's tenant; null for a platform admin. */
  tenantId: string | null;
  issuerId: string;
  payload: CommandPayload<T>;
  requestId: string | null;
  /** The tenant settings' version in force when the command was accepted (absent or null: the defaults). */
  settingsVersion?: number | null;
};
export type Command = { [T in CommandType]: CommandOf<T> }[CommandType];

export const COMMAND_STATUSES = ['queued', 'processing', 'succeeded', 'rejected', 'failed'] as const;
export const CommandStatus = z.enum(COMMAND_STATUSES);
export type CommandStatus = z.infer<typeof CommandStatus>;
export const FINAL_STATUSES = ['succeeded', 'rejected', 'failed'] as const satisfies readonly CommandStatus[];
export const UNFINISHED_STATUSES = ['queued', 'processing'] as const satisfies readonly CommandStatus[];

export const isFinal = (status: CommandStatus | string): boolean => (FINAL_STATUSES as readonly string[]).includes(status);

/** What a command ends as; `rejected` carries a SPEC error and changed nothing. */
export type CommandOutcome =
  | { status: 'succeeded'; result: CommandResult }
  | { status: 'rejected'; error: ErrorBody }
  | { status: 'failed'; error: ErrorBody };

/** The outcome of a command the ledger could never apply (a defect, or attempts used up). */
export const COMMAND_FAILED: ErrorBody = { code: 'INTERNAL', message: 'the command could not be applied; nothing was changed' };

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
