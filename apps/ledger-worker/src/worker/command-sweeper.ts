import { EntityManager } from '@mikro-orm/postgresql';
import { commandSpec } from '@points/contracts';
import { Logger } from '@points/config';
import { findUnfinishedCommands } from '@points/db';
import { CommandQueues, enqueueCommand } from '@points/queue';

/**
 * PostgreSQL is the record of what was accepted; Redis only delivers. If a
 * gateway died between storing a command and enqueuing it, or Redis lost its
 * data, the command would sit unfinished. The sweeper re-enqueues such commands
 * on their catalog queue; the job id is the command id, so a command still
 * queued is not added twice.
 */
export async function sweepStuckCommands(em: EntityManager, queues: CommandQueues, stuckAfterMs: number, maxAttempts: number): Promise<number> {
  const stuck = await findUnfinishedCommands(em, stuckAfterMs);
  for (const command of stuck) {
    const job = await queues[commandSpec(command.type).queue].getJob(command.id);
    const state = job ? await job.getState() : 'missing';
    // A job that BullMQ already gave up on must be replaced to be tried again.
    if (state === 'failed' || state === 'completed') await job?.remove();
    if (state !== 'missing' && state !== 'failed' && state !== 'completed') continue;
    await enqueueCommand(queues, command, maxAttempts);
  }
  return stuck.length;
}

/** Sweeps every `intervalMs`, one sweep at a time; returns a function that stops it. */
export function startCommandSweeper(
  em: EntityManager,
  queues: CommandQueues,
  logger: Logger,
  settings: { intervalMs: number; stuckAfterMs: number; maxAttempts: number },
): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepStuckCommands(em, queues, settings.stuckAfterMs, settings.maxAttempts)
      .then((count) => count > 0 && logger.warn({ count }, 're-enqueued unfinished commands'))
      .catch((err: unknown) => logger.error({ err }, 'command sweep failed'))
      .finally(() => (running = false));
  }, settings.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
