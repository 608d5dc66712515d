import { commandSpec } from '@points/contracts';
import { findUndecidedCommands } from '@points/db';
import { CommandQueues, enqueueCommand } from '@points/queue';
import { FailureDeps, failCommand } from './fail-command';

export interface SweeperDeps extends FailureDeps {
  queues: CommandQueues;
}

/**
 * PostgreSQL is the record of what was accepted; Redis only delivers. If a
 * gateway died between storing a command and enqueuing it, or Redis lost its
 * data, the command would sit unfinished. The sweeper re-enqueues such commands
 * on their catalog queue; the job id is the command id, so a command still
 * queued is not added twice. A command whose job BullMQ gave up on (a defect,
 * or a job that kept killing its workers) is finished `failed` instead: sending
 * it again would loop forever.
 */
export async function sweepStuckCommands(deps: SweeperDeps, stuckAfterMs: number, options: { fromStart?: boolean } = {}): Promise<{ reEnqueued: number; failed: number }> {
  const swept = { reEnqueued: 0, failed: 0 };
  for (const command of await findUndecidedCommands(deps.em, stuckAfterMs, options)) {
    const job = await deps.queues[commandSpec(command.type).queue].getJob(command.id);
    const state = job ? await job.getState() : 'missing';
    if (state === 'failed') {
      await failCommand(deps, command);
      swept.failed++;
      continue;
    }
    // A completed job whose command is unfinished ran before the command was committed; an 'unknown'
    // one is a record in no list (an evicting Redis): either way, send it again under the same id.
    if (state === 'completed' || state === 'unknown') await job?.remove();
    if (state !== 'missing' && state !== 'completed' && state !== 'unknown') continue;
    await enqueueCommand(deps.queues, command);
    swept.reEnqueued++;
  }
  return swept;
}

/**
 * Sweeps every `intervalMs`, one sweep at a time, from the horizon; every
 * `fullSweepEveryMs` (and first) over every accepted command. Returns a function that stops it.
 */
export function startCommandSweeper(deps: SweeperDeps, settings: { intervalMs: number; stuckAfterMs: number; fullSweepEveryMs?: number }): () => void {
  let running = false;
  let lastFullSweep = Number.NEGATIVE_INFINITY;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    // A monotonic clock: a wall clock set back must not put off the full sweep.
    const fromStart = performance.now() - lastFullSweep >= (settings.fullSweepEveryMs ?? 3_600_000);
    sweepStuckCommands(deps, settings.stuckAfterMs, { fromStart })
      .then((swept) => {
        if (fromStart) lastFullSweep = performance.now();
        if (swept.reEnqueued > 0 || swept.failed > 0) deps.logger.warn({ ...swept, fromStart }, 'swept unfinished commands');
      })
      .catch((err: unknown) => deps.logger.error({ err }, 'command sweep failed'))
      .finally(() => (running = false));
  }, settings.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
