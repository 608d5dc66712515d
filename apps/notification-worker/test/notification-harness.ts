import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EntityManager } from '@mikro-orm/postgresql';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { CommandType, DeadLetterJob } from '@points/contracts';
import { createCommandQueues, createDeadLetterQueue, createNotificationQueue, createRedis, enqueueCommand } from '@points/queue';
import { AppProcess, createTestDatabase, insertBulkAward, insertCommand, startAppProcess, testQueuePrefix, testRedisUrl } from '@points/testing';
import { RelayHooks, startOutboxRelay } from '../src/outbox/outbox-relay';
import { NotificationWorkerOptions, startNotificationWorker } from '../src/notifications/notification-worker';

const ROOT = resolve(__dirname, '../../..');
export const notificationProblems = (em: EntityManager) =>
  em.fork().execute<{ problem: string; ref: string; kind: string }[]>(readFileSync(`${ROOT}/tools/sql/notification-check.sql`, 'utf8'));

/**
 * One test file's world: its own database and queue prefix, the real ledger
 * worker as a child process producing genuine outbox events, and relays and
 * notification workers started in-process on demand.
 */
export async function notificationWorld(servers: { redisUrl?: string; postgresUrl?: string } = {}) {
  const redisUrl = servers.redisUrl ?? testRedisUrl();
  const db = await createTestDatabase(20, servers.postgresUrl);
  const em = db.orm.em as EntityManager;
  const prefix = testQueuePrefix();
  const connections: Redis[] = [];
  const connect = () => {
    const r = createRedis(redisUrl, 'worker');
    connections.push(r);
    return r;
  };
  const commandQueues = createCommandQueues(connect(), prefix);
  const notifications = createNotificationQueue(connect(), prefix);
  const deadLetters: Queue<DeadLetterJob> = createDeadLetterQueue(connect(), prefix);
  const ledger: AppProcess = await startAppProcess('ledger-worker', { DATABASE_URL: db.url, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, LEDGER_WORKER_PORT: '0', COMMAND_SWEEP_INTERVAL_MS: '1000', COMMAND_STUCK_AFTER_MS: '3000' }, 'ledger worker started');
  const stoppers: (() => Promise<unknown>)[] = [];
  const silent = pino({ level: 'silent' });

  return {
    db,
    em,
    prefix,
    notifications,
    deadLetters,
    env: { DATABASE_URL: db.url, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix },
    async submit(type: CommandType, issuer: { id: string; tenantId: string | null }, payload: unknown) {
      const id = await insertCommand(em, { type, tenantId: issuer.tenantId, issuerId: issuer.id, payload });
      await enqueueCommand(commandQueues, { id, type, tenantId: issuer.tenantId, payload });
      return id;
    },
    /** A bulk award stored as the gateway stores it (rows and command), then enqueued on its queue. */
    async submitBulkAward(issuer: { id: string; tenantId: string | null }, description: string | null, rows: { userRef: string; amountText: string }[]) {
      const { id } = await insertBulkAward(em, { tenantId: issuer.tenantId as string, issuerId: issuer.id, description, rows: rows.map((row) => ({ ...row, description: null })) });
      await enqueueCommand(commandQueues, { id, type: 'bulk_award', tenantId: issuer.tenantId, payload: { description, rows: rows.length } });
      return id;
    },
    /** A finished command's result, as stored. */
    async resultOf<T = Record<string, unknown>>(id: string): Promise<T> {
      const [row] = await em.fork().execute<{ result: T }[]>('SELECT result FROM commands WHERE id = ?', [id]);
      return row.result;
    },
    startRelay(hooks?: RelayHooks, resendAfterMs = 2_000) {
      const relay = startOutboxRelay(em, notifications, silent, { pollMs: 50, batchSize: 100, resendAfterMs, fullScanEveryMs: 500, hooks });
      stoppers.push(() => relay.stop());
      return relay;
    },
    startWorker(options: Partial<NotificationWorkerOptions> = {}): Worker {
      const worker = startNotificationWorker({ connection: connect(), prefix, em, deadLetters, logger: silent, concurrency: 8, defaultLowPoolThreshold: '100.00', stalledIntervalMs: 500, lockDurationMs: 1000, ...options });
      stoppers.push(() => worker.close());
      return worker;
    },
    /** Waits until every command is final, every outbox event is delivered (or dead-lettered) and the queue is drained. */
    async settle(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await em.fork().execute<{ open: string; undelivered: string }[]>(
          `SELECT (SELECT count(*) FROM commands WHERE status IN ('queued', 'processing'))::text AS open,
                  (SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND dead_lettered_at IS NULL)::text AS undelivered`,
        );
        const counts = await notifications.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        const pending = Object.values(counts).reduce((a, b) => a + b, 0);
        if (row.open === '0' && row.undelivered === '0' && pending === 0) return;
        if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify({ ...row, ...counts })}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stopInProcess() {
      for (const stop of stoppers.splice(0)) await stop();
    },
    async close() {
      await this.stopInProcess();
      await ledger.stop();
      for (const q of [...Object.values(commandQueues), notifications, deadLetters]) {
        await q.obliterate({ force: true }).catch(() => undefined);
        await q.close();
      }
      for (const c of connections) c.disconnect();
      await db.drop();
    },
  };
}

export type NotificationWorld = Awaited<ReturnType<typeof notificationWorld>>;

export async function count(em: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await em.fork().execute<{ n: string }[]>(`SELECT (${sql})::text AS n`, params);
  return Number(row.n);
}

/** Removes an event a test planted, with its outcome, past the append-only triggers (as only a restore from outside the system could). */
export async function removePlantedEvent(em: EntityManager, eventId: string): Promise<void> {
  await em.fork().transactional(async (tx) => {
    await tx.execute('SET LOCAL session_replication_role = replica');
    await tx.execute('DELETE FROM outbox_outcomes WHERE event_id = ?', [eventId]);
    await tx.execute('DELETE FROM outbox_events WHERE id = ?', [eventId]);
  });
}
