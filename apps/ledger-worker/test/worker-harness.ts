import { EntityManager } from '@mikro-orm/postgresql';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { CommandJob, CommandOutcome, CommandType } from '@points/contracts';
import { CommandQueues, createCommandQueues, createRedis, enqueueCommand } from '@points/queue';
import { insertCommand, testQueuePrefix, testRedisUrl } from '@points/testing';
import { CommandWorkerOptions, startCommandWorker } from '../src/worker/command-worker';

/** Retries as in production, only shorter. */
export const TEST_RETRY = { baseDelayMs: 200, maxDelayMs: 2_000, maxAttempts: 5 };

/** A private queue prefix, a producer queue and a way to start workers on it. */
export function workerHarness(em: () => EntityManager) {
  const prefix = testQueuePrefix();
  const connections: Redis[] = [];
  const workers: Worker<CommandJob, CommandOutcome>[] = [];
  const connect = () => {
    const redis = createRedis(testRedisUrl(), 'worker');
    connections.push(redis);
    return redis;
  };
  let queues: CommandQueues | undefined;

  return {
    prefix,
    get queues(): CommandQueues {
      queues ??= createCommandQueues(connect(), prefix);
      return queues;
    },
    get queue(): Queue<CommandJob> {
      return this.queues.commands;
    },
    startWorker(options: Partial<CommandWorkerOptions> = {}) {
      const worker = startCommandWorker({ connection: connect(), prefix, em: em(), logger: pino({ level: 'silent' }), concurrency: 8, retry: TEST_RETRY, ...options });
      workers.push(worker);
      return worker;
    },
    /** Stores and enqueues a command, as the gateway does. */
    async submit(type: CommandType, issuer: { id: string; tenantId: string | null }, payload: unknown) {
      const id = await insertCommand(em(), { type, tenantId: issuer.tenantId, issuerId: issuer.id, payload });
      await enqueueCommand(this.queues, { id, type, tenantId: issuer.tenantId, payload });
      return id;
    },
    async closeWorkers() {
      await Promise.all(workers.splice(0).map((w) => w.close()));
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      for (const queue of Object.values(queues ?? {})) {
        await queue.obliterate({ force: true }).catch(() => undefined);
        await queue.close();
      }
      for (const redis of connections) redis.disconnect();
    },
  };
}

/** Waits until none of the given commands is queued or processing. */
export async function waitUntilFinal(em: EntityManager, ids: string[], timeoutMs = 60_000): Promise<Map<string, { status: string; error: { code: string } | null }>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await em.fork().execute<{ id: string; status: string; error: { code: string } | null }[]>(
      'SELECT id, status, error FROM commands WHERE id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)',
      [JSON.stringify(ids)],
    );
    if (rows.every((r) => !['queued', 'processing'].includes(r.status))) return new Map(rows.map((r) => [r.id, r]));
    if (Date.now() > deadline) throw new Error(`commands still unfinished: ${rows.filter((r) => ['queued', 'processing'].includes(r.status)).length}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
