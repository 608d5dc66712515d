import { Job, Worker } from 'bullmq';
import { EntityManager } from '@mikro-orm/postgresql';
import { expirePoints, returnUnspentBudgets } from '@points/db';
import { QUEUES } from '@points/contracts';
import { Logger } from '@points/config';
import { CommandQueues, ScheduledJobName, WorkerSettings, workerOptions } from '@points/queue';
import { submitDueScheduleRuns } from './submit-due-runs';

/**
 * Runs the ledger worker's periodic jobs as BullMQ's job schedulers fire them:
 * `allocation-schedules` submits the recurring allocations due; `point-expiry`
 * expires matured wallet points, writes expiry notices, and returns unspent
 * budgets at the end of their tenants' periods. Each job is safe to
 * run twice, late or on two workers at once (see submitDueScheduleRuns, expirePoints).
 */
export function startScheduledJobsWorker(options: WorkerSettings & { em: EntityManager; queues: CommandQueues; logger: Logger }): Worker {
  const worker = new Worker(
    QUEUES.scheduledJobs,
    async (job: Job) => {
      switch (job.name as ScheduledJobName) {
        case 'allocation-schedules': {
          const submitted = await submitDueScheduleRuns(options.em, options.queues);
          if (submitted > 0) options.logger.info({ submitted }, 'submitted scheduled allocation runs');
          return submitted;
        }
        case 'point-expiry': {
          // Each runs whatever the other does; a failure of either fails the job (and the next tick tries again).
          const [expired, returned] = await Promise.allSettled([expirePoints(options.em), returnUnspentBudgets(options.em)]);
          if (expired.status === 'fulfilled' && (expired.value.runs > 0 || expired.value.notices > 0)) options.logger.info(expired.value, 'expired wallet points');
          if (returned.status === 'fulfilled' && returned.value.returns > 0) options.logger.info(returned.value, 'returned unspent budgets to their pools');
          for (const outcome of [expired, returned]) if (outcome.status === 'rejected') throw outcome.reason;
          return { expired: expired.status === 'fulfilled' ? expired.value : null, returned: returned.status === 'fulfilled' ? returned.value : null };
        }
        default:
          options.logger.warn({ name: job.name }, 'unknown scheduled job');
          return null;
      }
    },
    workerOptions(options),
  );
  worker.on('error', (error) => options.logger.error({ err: error }, 'scheduled jobs worker error'));
  return worker;
}
