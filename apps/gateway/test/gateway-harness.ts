import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { issueToken } from '@points/auth';
import { CommandJob } from '@points/contracts';
import { CommandQueues, createCommandQueues, createDeadLetterQueue, createNotificationQueue, createRedis, createScheduledJobsQueue, redisReady } from '@points/queue';
import { createMetricsRegistry } from '@points/ops';
import { AppProcess, TestDatabase, TestUser, createTestDatabase, freePort, startAppProcess, testQueuePrefix, testRedisUrl } from '@points/testing';
import { Gateway, createGateway } from '../src/app';

export const JWT_SECRET = 'test-secret-0123456789abcdef';

export interface Stack {
  db: TestDatabase;
  gateway: Gateway;
  base: string;
  prefix: string;
  redis: Redis;
  queue: Queue<CommandJob>;
  /** Both command queues (commands, bulk awards), as the gateway holds them. */
  queues: CommandQueues;
  worker: AppProcess | null;
  /** The ledger worker's /healthz, /readyz and /metrics. */
  workerOpsUrl: string;
  /** A second gateway instance on the same database, Redis and queues (as behind a load balancer). */
  startAnotherGateway(): Promise<{ base: string; close(): Promise<void> }>;
  stop(): Promise<void>;
}

/**
 * The real stack for one test file: its own database and queue prefix, the
 * gateway in-process on a free port, and (unless told otherwise) the real
 * ledger worker as a child process.
 */
export async function startStack(
  options: { worker?: boolean; rateLimitPerMinute?: number; redisUrl?: string; trustProxy?: boolean | number | string; jwtMaxTtlSeconds?: number; bulkMaxPendingPerTenant?: number; workerEnv?: Record<string, string> } = {},
): Promise<Stack> {
  const db = await createTestDatabase(10);
  const prefix = testQueuePrefix();
  const redis = createRedis(options.redisUrl ?? testRedisUrl(), 'producer');
  redis.on('error', () => undefined);
  await redisReady(redis);
  const queues = createCommandQueues(redis, prefix);
  const queue = queues.commands;
  const otherQueues = [createNotificationQueue(redis, prefix), createDeadLetterQueue(redis, prefix)];
  const listen = async () => {
    const instance = createGateway({
      orm: db.orm,
      redis,
      queues,
      otherQueues,
      metrics: createMetricsRegistry('gateway'),
      logger: pino({ level: 'silent' }),
      jwtSecret: JWT_SECRET,
      jwtMaxTtlSeconds: options.jwtMaxTtlSeconds,
      trustProxy: options.trustProxy,
      rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
      bodyLimit: '100kb',
      bulkMaxPendingPerTenant: options.bulkMaxPendingPerTenant,
    });
    const server: Server = instance.app.listen(0);
    await new Promise((r) => server.once('listening', r));
    return { instance, server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  const { instance: gateway, server, base } = await listen();
  const workerPort = await freePort();
  const worker =
    options.worker === false
      ? null
      : await startAppProcess(
          'ledger-worker',
          { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, LEDGER_WORKER_PORT: String(workerPort), JWT_SECRET, LEDGER_CONCURRENCY: '8', ...options.workerEnv },
          'ledger worker started',
        );
  return {
    db,
    gateway,
    base,
    prefix,
    redis,
    queue,
    queues,
    worker,
    workerOpsUrl: `http://127.0.0.1:${workerPort}`,
    async startAnotherGateway() {
      const another = await listen();
      return { base: another.base, close: () => new Promise<void>((r) => another.server.close(() => r())) };
    },
    async stop() {
      await worker?.stop();
      await new Promise((r) => server.close(r));
      for (const q of Object.values(queues)) {
        await q.obliterate({ force: true }).catch(() => undefined);
        await q.close();
      }
      // The worker's job schedulers (recurring allocations) live in a queue of their own.
      const scheduled = createScheduledJobsQueue(redis, prefix);
      await scheduled.obliterate({ force: true }).catch(() => undefined);
      await scheduled.close();
      await Promise.all(otherQueues.map((q) => q.close()));
      redis.disconnect();
      await db.drop();
    },
  };
}

export const tokenFor = (user: TestUser, ttlSeconds = 3600) =>
  issueToken(JWT_SECRET, { sub: user.id, role: user.role, tenantId: user.tenantId }, ttlSeconds);

export interface CallOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** One HTTP call; returns status, headers and the parsed JSON body. */
export async function call(base: string, method: string, path: string, options: CallOptions = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, body }).catch((error: Error & { cause?: { code?: string } }) => {
    // A kept-alive socket the server closed as the client reused it (a loaded machine delays the client's idle timer):
    // a GET changes nothing, so it is sent again (the reset socket is gone: a fresh one); anything else fails the test.
    if (method !== 'GET' || error.cause?.code !== 'ECONNRESET') throw error;
    return fetch(`${base}${path}`, { method, headers });
  });
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  // Tests assert on the shape they expect; a loose type keeps those assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, headers: response.headers, body: json as Record<string, any> };
}

/** A platform admin allocates `amount` to the tenant's pool and waits for it to be applied; returns the response. */
export async function fundTenant(stack: Stack, admin: TestUser, tenantId: string, amount: string) {
  return call(stack.base, 'POST', '/api/platform/allocations/allocate', {
    token: await tokenFor(admin),
    headers: { prefer: 'wait=10' },
    body: { tenantId, amount, currency: 'USD', referenceNote: 'start' },
  });
}
