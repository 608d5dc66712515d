// Ceiling A, raw BullMQ: `addBulk` of N command jobs (the commands queue's job
// options), then a no-op Worker with the project's worker options and the
// ledger's default concurrency consumes them. Jobs/s from the first `addBulk`
// to the last job completed.
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { CommandJob, QUEUES } from '@points/contracts';
import { commandJobOptions, createRedis, workerOptions } from '@points/queue';
import { testQueuePrefix } from '@points/testing';

/** LEDGER_CONCURRENCY's default (libs/config). */
const LEDGER_CONCURRENCY = 32;

export interface BullmqCeiling {
  jobs: number;
  enqueueSeconds: number;
  seconds: number;
  jobsPerSecond: number;
}

export async function bullmqCeiling(redisUrl: string, jobs: number): Promise<BullmqCeiling> {
  const prefix = `${testQueuePrefix()}-ceiling`;
  const producer = createRedis(redisUrl, 'producer');
  const consumer = createRedis(redisUrl, 'worker');
  const queue = new Queue<CommandJob>(QUEUES.commands, { connection: producer, prefix });
  let worker: Worker | undefined;
  try {
    const tenantId = randomUUID();
    const batch = Array.from({ length: jobs }, () => {
      const commandId = randomUUID();
      const data: CommandJob = { commandId, type: 'award', tenantId };
      return { name: 'award', data, opts: { ...commandJobOptions('commands'), jobId: commandId } };
    });
    let completed = 0;
    let allDone!: () => void;
    const done = new Promise<void>((resolve) => (allDone = resolve));

    const started = performance.now();
    await queue.addBulk(batch);
    const enqueued = performance.now();
    worker = new Worker(QUEUES.commands, async () => undefined, workerOptions({ connection: consumer, prefix, concurrency: LEDGER_CONCURRENCY }));
    worker.on('completed', () => ++completed === jobs && allDone());
    await done;
    const seconds = (performance.now() - started) / 1000;
    return { jobs, enqueueSeconds: (enqueued - started) / 1000, seconds, jobsPerSecond: jobs / seconds };
  } finally {
    await worker?.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    producer.disconnect();
    consumer.disconnect();
  }
}
