import { EntityManager } from '@mikro-orm/postgresql';
import { Queue } from 'bullmq';
import { BulkAwardJob, CommandJob, StoredCommandType } from '@points/contracts';
import { enqueueBulkAward, enqueueCommand } from '@points/queue';
import { Logger } from '@points/config';

/**
 * PostgreSQL is the record of what was accepted; Redis only delivers. If a
 * gateway died between storing a command and enqueuing it, or Redis lost its
 * data, the command would sit unfinished. The sweeper re-enqueues such commands;
 * the job id is the command id, so a command still queued is not added twice.
 */
export interface SweptQueues {
  commands: Queue<CommandJob>;
  bulkAwards: Queue<BulkAwardJob>;
}

export async function sweepStuckCommands(em: EntityManager, queues: SweptQueues, stuckAfterMs: number, maxAttempts: number): Promise<number> {
  const stuck = await em.fork().execute<{ id: string; type: StoredCommandType; tenant_id: string | null; payload: unknown }[]>(
    `SELECT id, type, tenant_id, payload FROM commands
      WHERE status IN ('queued', 'processing') AND updated_at < now() - make_interval(secs => ?)
      ORDER BY updated_at LIMIT 1000`,
    [stuckAfterMs / 1000],
  );
  for (const command of stuck) {
    const queue: Queue = command.type === 'bulk_award' ? queues.bulkAwards : queues.commands;
    const job = await queue.getJob(command.id);
    const state = job ? await job.getState() : 'missing';
    // A job that BullMQ already gave up on must be replaced to be tried again.
    if (state === 'failed' || state === 'completed') await job?.remove();
    if (state !== 'missing' && state !== 'failed' && state !== 'completed') continue;
    if (command.type === 'bulk_award') await enqueueBulkAward(queues.bulkAwards, command.id);
    else await enqueueCommand(queues.commands, { id: command.id, type: command.type, tenantId: command.tenant_id, payload: command.payload }, maxAttempts);
  }
  return stuck.length;
}

export function startCommandSweeper(
  em: EntityManager,
  queue: SweptQueues,
  logger: Logger,
  settings: { intervalMs: number; stuckAfterMs: number; maxAttempts: number },
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepStuckCommands(em, queue, settings.stuckAfterMs, settings.maxAttempts)
      .then((count) => count > 0 && logger.warn({ count }, 're-enqueued unfinished commands'))
      .catch((err: unknown) => logger.error({ err }, 'command sweep failed'))
      .finally(() => (running = false));
  }, settings.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
