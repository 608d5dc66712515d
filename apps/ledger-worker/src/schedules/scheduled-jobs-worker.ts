import { Job, Worker } from 'bullmq';
import { EntityManager } from '@mikro-orm/postgresql';
import { QUEUES } from '@points/contracts';
import { Logger } from '@points/config';
import { CommandQueues, ScheduledJobName, WorkerSettings, workerOptions } from '@points/queue';
import { expirePoints } from '../expiry/expire-points';
import { returnUnspentBudgets } from '../expiry/return-budgets';
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
          const expired = await expirePoints(options.em);
          if (expired.runs > 0 || expired.notices > 0) options.logger.info(expired, 'expired wallet points');
          const returned = await returnUnspentBudgets(options.em);
          if (returned.returns > 0) options.logger.info(returned, 'returned unspent budgets to their pools');
          return { expired, returned };
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
