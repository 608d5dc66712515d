import { EntityManager } from '@mikro-orm/postgresql';
import { dueScheduleRuns, storeCommands } from '@points/db';
import { CommandQueues, enqueueCommands } from '@points/queue';

/**
 * Submits a `run_schedule` command for every run due (a calendar period that
 * has come, a top-up whose pool is low), in the name of the schedule's owner,
 * and queues them. The idempotency key names the period (a top-up: the pool's
 * version), so a tick fired twice, or on two workers, stores one command per
 * period; the ledger then allocates each period once whatever is submitted.
 * Returns how many new runs it submitted.
 */
export async function submitDueScheduleRuns(em: EntityManager, queues: CommandQueues, at?: Date): Promise<number> {
  const due = await dueScheduleRuns(em.fork(), at);
  if (due.length === 0) return 0;
  const stored = await storeCommands(
    em,
    due.map((run) => ({
      type: 'run_schedule' as const,
      tenantId: null,
      issuerId: run.ownerId,
      payload: { scheduleId: run.scheduleId, ...(run.periodKey ? { periodKey: run.periodKey } : {}) },
      idempotencyKey: run.idempotencyKey,
    })),
    (created) => enqueueCommands(queues, created),
  );
  return stored.filter((result) => result.created).length;
}
