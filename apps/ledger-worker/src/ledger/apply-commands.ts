import { EntityManager } from '@mikro-orm/postgresql';
import { COMMAND_CATALOG, Command, CommandOutcome, CommandType, ErrorBody } from '@points/contracts';
import { planCommands, PlannerOptions } from './planner';
import { AccountKeys, StoredCommandRow, lockCommands, lockLedgerState, recordOutcomes, writeLedgerBatch } from './ledger-sql';

export interface ApplyOptions extends PlannerOptions {
  /** Test seam: runs inside the transaction after every write, just before COMMIT. */
  beforeCommit?: () => Promise<void>;
}

/**
 * Applies a list of commands in ONE PostgreSQL transaction, all or nothing.
 * A command already in a final status is not applied again: its stored outcome
 * is returned, which is what makes redelivered and duplicated jobs harmless.
 * Business rejections are outcomes, not exceptions; anything thrown (lost
 * connection, deadlock, serialization failure) rolls the whole batch back and is
 * for the caller to retry.
 */
export async function applyCommands(em: EntityManager, commandIds: string[], options: ApplyOptions = {}): Promise<Map<string, CommandOutcome>> {
  return em.fork().transactional(async (tx) => {
    const rows = await lockCommands(tx, commandIds);
    const outcomes = new Map<string, CommandOutcome>();
    const pending: Command[] = [];
    const malformed = new Map<string, CommandOutcome>();
    for (const row of rows) {
      const stored = storedOutcome(row);
      if (stored) {
        outcomes.set(row.id, stored);
        continue;
      }
      const command = parseCommand(row);
      if ('error' in command) malformed.set(row.id, { status: 'rejected', error: command.error });
      else pending.push(command);
    }
    // Apply in the order they were given (arrival order), not lock order.
    const position = new Map(commandIds.map((id, index) => [id, index]));
    pending.sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));

    if (pending.length > 0) {
      const state = await lockLedgerState(tx, accountKeys(pending));
      const writes = planCommands(pending, state, options);
      await writeLedgerBatch(tx, writes);
      for (const [id, outcome] of writes.outcomes) outcomes.set(id, outcome);
    }
    if (malformed.size > 0) {
      await recordOutcomes(tx, malformed);
      for (const [id, outcome] of malformed) outcomes.set(id, outcome);
    }
    await options.beforeCommit?.();
    return outcomes;
  });
}

function storedOutcome(row: StoredCommandRow): CommandOutcome | null {
  switch (row.status) {
    case 'succeeded':
      return { status: 'succeeded', result: row.result as never };
    case 'rejected':
    case 'failed':
      return { status: row.status, error: row.error as ErrorBody };
    default:
      return null;
  }
}

/** The stored payload is re-validated with the same contract the gateway used. */
function parseCommand(row: StoredCommandRow): Command | { error: ErrorBody } {
  const entry = COMMAND_CATALOG[row.type as CommandType];
  const parsed = entry?.payload.safeParse(row.payload);
  if (!parsed?.success) {
    return { error: { code: 'VALIDATION_FAILED', message: `stored ${row.type} command does not match its contract` } };
  }
  return {
    id: row.id,
    type: row.type,
    tenantId: row.tenant_id,
    issuerId: row.issuer_id,
    payload: parsed.data,
    requestId: row.request_id,
  } as Command;
}

/** Every user and account a batch might read or change; locking a superset is harmless. */
function accountKeys(commands: Command[]): AccountKeys {
  const keys: AccountKeys = { userIds: [], tenantIds: [], accountUserIds: [], emails: [] };
  for (const command of commands) {
    keys.userIds.push(command.issuerId);
    if (command.tenantId) keys.tenantIds.push(command.tenantId);
    switch (command.type) {
      case 'allocate':
      case 'clawback':
        keys.tenantIds.push(command.payload.tenantId);
        break;
      case 'delegate':
        keys.userIds.push(command.payload.leadId);
        keys.accountUserIds.push(command.payload.leadId);
        break;
      case 'award':
        keys.userIds.push(command.payload.userId);
        keys.accountUserIds.push(command.issuerId, command.payload.userId);
        break;
      case 'recognition':
        keys.userIds.push(command.payload.recipientId);
        keys.accountUserIds.push(command.issuerId, command.payload.recipientId);
        break;
      case 'create_user':
        if (command.payload.tenantId) keys.tenantIds.push(command.payload.tenantId);
        keys.emails.push(command.payload.email);
        break;
    }
  }
  return keys;
}
