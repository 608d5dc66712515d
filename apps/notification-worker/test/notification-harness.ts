import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EntityManager } from '@mikro-orm/postgresql';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { CommandType, DeadLetterJob } from '@points/contracts';
import { createCommandQueues, createDeadLetterQueue, createNotificationQueue, createRedis, enqueueCommand } from '@points/queue';
import { AppProcess, createTestDatabase, insertCommand, startAppProcess, testQueuePrefix, testRedisUrl } from '@points/testing';
import { RelayHooks, startOutboxRelay } from '../src/outbox/outbox-relay';
import { startNotificationWorker } from '../src/notifications/notification-worker';

const ROOT = resolve(__dirname, '../../..');
export const notificationProblems = (em: EntityManager) =>
  em.fork().execute<{ problem: string; ref: string; kind: string }[]>(readFileSync(`${ROOT}/tools/sql/notification-check.sql`, 'utf8'));

/**
 * One test file's world: its own database and queue prefix, the real ledger
 * worker as a child process producing genuine outbox events, and relays and
 * notification workers started in-process on demand.
 */
export async function notificationWorld() {
  const db = await createTestDatabase(20);
  const em = db.orm.em as EntityManager;
  const prefix = testQueuePrefix();
  const connections: Redis[] = [];
  const connect = () => {
    const r = createRedis(testRedisUrl(), 'worker');
    connections.push(r);
    return r;
  };
  const commandQueues = createCommandQueues(connect(), prefix);
  const notifications = createNotificationQueue(connect(), prefix);
  const deadLetters: Queue<DeadLetterJob> = createDeadLetterQueue(connect(), prefix);
  const ledger: AppProcess = await startAppProcess('ledger-worker', { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, LEDGER_WORKER_PORT: '0' }, 'ledger worker started');
  const stoppers: (() => Promise<unknown>)[] = [];
  const silent = pino({ level: 'silent' });

  return {
    db,
    em,
    prefix,
    notifications,
    deadLetters,
    env: { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix },
    async submit(type: CommandType, issuer: { id: string; tenantId: string | null }, payload: unknown) {
      const id = await insertCommand(em, { type, tenantId: issuer.tenantId, issuerId: issuer.id, payload });
      await enqueueCommand(commandQueues, { id, type, tenantId: issuer.tenantId, payload });
      return id;
    },
    startRelay(hooks?: RelayHooks) {
      const relay = startOutboxRelay(em, notifications, silent, { pollMs: 50, batchSize: 100, hooks });
      stoppers.push(() => relay.stop());
      return relay;
    },
    startWorker(): Worker {
      const worker = startNotificationWorker({ connection: connect(), prefix, em, deadLetters, logger: silent, concurrency: 8, defaultLowPoolThreshold: '100.00', stalledIntervalMs: 500, lockDurationMs: 1000 });
      stoppers.push(() => worker.close());
      return worker;
    },
    /** Waits until every command is final, every outbox row is relayed and the queue is drained. */
    async settle(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await em.fork().execute<{ open: string; unpublished: string }[]>(
          `SELECT (SELECT count(*) FROM commands WHERE status IN ('queued', 'processing'))::text AS open,
                  (SELECT count(*) FROM outbox WHERE published_at IS NULL)::text AS unpublished`,
        );
        const counts = await notifications.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        const pending = Object.values(counts).reduce((a, b) => a + b, 0);
        if (row.open === '0' && row.unpublished === '0' && pending === 0) return;
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
