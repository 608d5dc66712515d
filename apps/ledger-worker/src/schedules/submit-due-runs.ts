import { EntityManager } from '@mikro-orm/postgresql';
import { NewCommand, dueScheduleRuns, storeCommands } from '@points/db';
import { CommandQueues, enqueueCommands } from '@points/queue';

/** A run submitted under a key whose command was refused gets a new key this many times per tick, at most. */
const RESUBMISSIONS = 10;

/**
 * Submits a `run_schedule` command for every run due (a calendar period that
 * has come, a top-up whose pool is low), in the name of the schedule's owner,
 * and queues them. The idempotency key names the period (a top-up: the pool's
 * version), so a tick fired twice, or on two workers, stores one command per
 * period; the ledger then allocates each period once whatever is submitted.
 * A period whose command was rejected or failed (its owner deactivated, the
 * pool at its maximum) is submitted again under a key naming that command, once
 * per tick, so the schedule does not stop there. Returns how many new runs it submitted.
 */
export async function submitDueScheduleRuns(em: EntityManager, queues: CommandQueues, at?: Date): Promise<number> {
  let pending: NewCommand[] = (await dueScheduleRuns(em.fork(), at)).map((run) => ({
    type: 'run_schedule' as const,
    tenantId: null,
    issuerId: run.ownerId,
    payload: { scheduleId: run.scheduleId, ...(run.periodKey ? { periodKey: run.periodKey } : {}) },
    idempotencyKey: run.idempotencyKey,
  }));
  let submitted = 0;
  for (let pass = 0; pending.length > 0 && pass <= RESUBMISSIONS; pass++) {
    const stored = await storeCommands(em, pending, (created) => enqueueCommands(queues, created));
    submitted += stored.filter((result) => result.created).length;
    pending = stored.flatMap(({ command, created }, i) =>
      !created && (command.status === 'rejected' || command.status === 'failed') ? [{ ...pending[i], idempotencyKey: `${pending[i].idempotencyKey}:after:${command.id}` }] : [],
    );
  }
  return submitted;
}
