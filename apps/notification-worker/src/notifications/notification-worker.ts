import { EntityManager } from '@mikro-orm/postgresql';
import { Job, Queue, Worker } from 'bullmq';
import { Cents, DeadLetterJob, LedgerEvent, QUEUES, toCents } from '@points/contracts';
import { Logger } from '@points/config';
import { TenantSchema } from '@points/db';
import { WorkerSettings, workerOptions } from '@points/queue';
import { notificationRows } from './notification-rows';
import { writeNotifications } from './write-notifications';

export interface NotificationWorkerOptions extends WorkerSettings {
  em: EntityManager;
  deadLetters: Queue<DeadLetterJob>;
  logger: Logger;
  defaultLowPoolThreshold: string;
  /** Test seam for crash injection: runs after the rows are committed, before the job is acknowledged. */
  afterWrite?: () => void | Promise<void>;
}

/**
 * Consumes ledger events. Each is validated with the shared contract; one that
 * fails goes to the dead-letter queue with the reason and does not block the
 * ones behind it. A valid one becomes feed and audit rows, exactly once.
 */
export function startNotificationWorker(options: NotificationWorkerOptions): Worker {
  const { em, logger } = options;
  const fallbackThreshold = toCents(options.defaultLowPoolThreshold);

  const worker = new Worker(
    QUEUES.notifications,
    async (job: Job<unknown>) => {
      const parsed = LedgerEvent.safeParse(job.data);
      if (!parsed.success) {
        const reason = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        await options.deadLetters.add('invalid-event', { source: QUEUES.notifications, jobId: job.id, reason, payload: job.data, failedAt: new Date().toISOString() }, { jobId: `invalid-${job.id}` });
        logger.warn({ jobId: job.id, reason }, 'invalid event sent to the dead-letter queue');
        return { deadLettered: true };
      }
      const event = parsed.data;
      const thresholds = await lowPoolThresholds(em, event, fallbackThreshold);
      const rows = notificationRows(event, (tenantId) => thresholds.get(tenantId) ?? fallbackThreshold);
      const written = await writeNotifications(em, rows);
      await options.afterWrite?.();
      if (rows.lowPool && written.audit > 0) {
        logger.warn({ alert: 'pool.low_balance', ...rows.lowPool, eventId: event.eventId }, 'tenant pool fell below its threshold');
      }
      return written;
    },
    workerOptions(options),
  );
  worker.on('failed', (job, err) => logger.error({ jobId: job?.id, err }, 'notification failed'));
  worker.on('error', (err) => logger.error({ err }, 'notification worker error'));
  return worker;
}

async function lowPoolThresholds(em: EntityManager, event: LedgerEvent, fallback: Cents): Promise<Map<string, Cents>> {
  if (!event.tenantId) return new Map();
  const tenant = await em.fork().findOne(TenantSchema, event.tenantId, { fields: ['lowBalanceThreshold'] });
  return new Map([[event.tenantId, tenant?.lowBalanceThreshold ? toCents(tenant.lowBalanceThreshold) : fallback]]);
}
