import { EntityManager } from '@mikro-orm/postgresql';
import { Command, CommandOutcome, CommandTypeSchema, ErrorBody, commandSpec } from '@points/contracts';
import { LockedCommand, dateOf, lockCommands, readHolds, reversesBulkAward } from '@points/db';
import { PlannerOptions, accountKeysOf, planCommands } from './plan/plan-commands';
import { loadLedgerState } from './state/load-ledger-state';
import { BulkWriteOptions } from './write/bulk-credits';
import { writeLedger } from './write/write-ledger';

export interface ApplyOptions extends PlannerOptions {
  /** Test seam: runs inside the transaction after every write, just before COMMIT. */
  beforeCommit?: () => Promise<void>;
  /** Give up on a lock after this long (SQLSTATE 55P03): a transaction for several tenants must not wait on one of them. */
  lockTimeoutMs?: number;
  /** How a bulk award's credits are chunked and its progress reported. */
  bulk?: Omit<BulkWriteOptions, 'progressDb'>;
}

/**
 * The ledger: applies a list of commands in ONE PostgreSQL transaction, all or
 * nothing — lock the commands, lock every account they may touch, decide each
 * command in memory (the planner), write what it decided (the writer).
 *
 * A command already decided is not applied again: its recorded outcome
 * is returned, which is what makes redelivered and duplicated jobs harmless.
 * Business rejections are outcomes, not exceptions; anything thrown (lost
 * connection, deadlock, serialization failure) rolls the whole batch back and is
 * for the caller to retry. A bulk award is applied in a transaction of its own.
 */
export async function applyCommands(em: EntityManager, commandIds: string[], options: ApplyOptions = {}): Promise<Map<string, CommandOutcome>> {
  return em.fork().transactional(async (tx) => {
    if (options.lockTimeoutMs) await tx.execute(`SET LOCAL lock_timeout = '${Math.ceil(options.lockTimeoutMs)}ms'`);
    const outcomes = new Map<string, CommandOutcome>();
    const pending: Command[] = [];
    const malformed = new Map<string, CommandOutcome>();
    const malformedBulks: LockedCommand[] = [];
    const locked = await lockCommands(tx, commandIds);
    for (const row of locked) {
      if (row.outcome) outcomes.set(row.id, row.outcome);
      else {
        const command = parseCommand(row);
        if ('error' in command) {
          malformed.set(row.id, { status: 'rejected', error: command.error });
          if (row.type === 'bulk_award') malformedBulks.push(row);
        } else pending.push(command);
      }
    }
    // Apply in the order they were given (arrival order), not lock order.
    const position = new Map(commandIds.map((id, index) => [id, index]));
    pending.sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
    // Its recipients' wallets are locked by a statement of their own, so nothing else may lock wallets beside it; and it
    // holds its locks for seconds. So does approving a bulk award held for approval, and reversing one. Thrown before any
    // account is locked: the batcher then applies the batch's commands one at a time.
    if (pending.length > 1 && (pending.some((command) => command.type === 'bulk_award') || (await approvesBulkAward(tx, pending)) || (await reversesBulk(tx, pending)))) {
      throw new Error('a bulk award is applied in a transaction of its own');
    }

    if (pending.length > 0 || malformed.size > 0) {
      // One clock for the batch, the database's: the transaction's start, the time its journal rows are stamped with,
      // so a limit's period counts a move in the period the journal shows it in.
      const now = options.now?.() ?? dateOf(locked[0].transactionStart);
      const state = await loadLedgerState(tx, accountKeysOf(pending), now);
      const writes = planCommands(pending, state, { ...options, now: () => now, stampJournals: options.now !== undefined });
      for (const [id, outcome] of malformed) writes.outcomes.set(id, outcome);
      // A bulk award's progress row ends with its command, whatever ended it.
      for (const row of malformedBulks) writes.bulkAwardEnds.push({ bulkId: row.id, status: 'rejected', failedRows: 0, errors: [] });
      await writeLedger(tx, writes, { ...options.bulk, progressDb: em });
      for (const [id, outcome] of writes.outcomes) outcomes.set(id, outcome);
    }
    await options.beforeCommit?.();
    return outcomes;
  });
}

/** Whether one of the commands approves a bulk award held for approval (one indexed lookup, only when the batch approves anything). */
async function approvesBulkAward(tx: EntityManager, commands: Command[]): Promise<boolean> {
  const approvalIds = commands.flatMap((command) => (command.type === 'approve_award' ? [command.payload.approvalId] : []));
  return approvalIds.length > 0 && (await readHolds(tx, approvalIds)).some((hold) => hold.kind === 'bulk_award');
}

/** Whether one of the commands reverses a bulk award (one indexed lookup, only when the batch reverses anything). */
const reversesBulk = (tx: EntityManager, commands: Command[]) => reversesBulkAward(tx, commands.flatMap((command) => (command.type === 'reverse_award' ? [command.payload.commandId] : [])));

/** The stored payload is re-validated with the same contract the gateway used. */
function parseCommand(row: LockedCommand): Command | { error: ErrorBody } {
  const type = CommandTypeSchema.safeParse(row.type);
  const parsed = type.success ? commandSpec(type.data).payload.safeParse(row.payload) : undefined;
  if (!parsed?.success) return { error: { code: 'VALIDATION_FAILED', message: `stored ${row.type} command does not match its contract` } };
  return { id: row.id, type: row.type, tenantId: row.tenantId, issuerId: row.issuerId, payload: parsed.data, requestId: row.requestId, settingsVersion: row.settingsVersion } as Command;
}
