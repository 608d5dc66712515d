import { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics, one registry per process. Every app exposes the queue
 * gauges (read from Redis at scrape time); each app adds the series it owns.
 * Names are documented in the README with example PromQL.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** How long a gauge may wait on PostgreSQL or Redis before the scrape answers without it. */
export const SCRAPE_READ_TIMEOUT_MS = 2_000;

/**
 * A read for a gauge, given up after SCRAPE_READ_TIMEOUT_MS or on error
 * (undefined): while a dependency is down, a scrape still answers promptly with
 * the last values (readiness says what is down), and never crashes the process.
 */
export function readForScrape<T>(read: () => Promise<T>, timeoutMs = SCRAPE_READ_TIMEOUT_MS): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    timer.unref();
    read().then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

const JOB_STATES = ['waiting', 'active', 'failed', 'delayed', 'completed'] as const;

/** `points_queue_jobs{queue,state}`: the depth of every queue, read when scraped. */
export function registerQueueGauges(registry: Registry, queues: Queue[]): void {
  new Gauge({
    name: 'points_queue_jobs',
    help: 'Jobs per queue and state (waiting = commands waiting to be applied)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      const counts = await Promise.all(queues.map((queue) => readForScrape(() => queue.getJobCounts(...JOB_STATES))));
      queues.forEach((queue, i) => {
        // Undefined while Redis is down: the gauge keeps its last values.
        for (const state of JOB_STATES) if (counts[i]) this.set({ queue: queue.name, state }, counts[i]?.[state] ?? 0);
      });
    },
  });
}

export function httpMetrics(registry: Registry) {
  return {
    requests: new Counter({ name: 'points_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    duration: new Histogram({
      name: 'points_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

export function ledgerMetrics(registry: Registry) {
  return {
    commandLatency: new Histogram({
      name: 'points_command_latency_seconds',
      help: 'From a command being accepted (enqueued) to being applied or rejected',
      labelNames: ['type', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    commands: new Counter({ name: 'points_commands_total', help: 'Commands finished, by type and final status', labelNames: ['type', 'status'], registers: [registry] }),
    awards: new Counter({ name: 'points_awards_total', help: 'Awards and recognitions applied (bulk rows included)', labelNames: ['source'], registers: [registry] }),
    pointsAwarded: new Counter({ name: 'points_points_awarded_total', help: 'Points moved into wallets (a reporting figure; the ledger is the record)', labelNames: ['source'], registers: [registry] }),
    batchSize: new Histogram({
      name: 'points_ledger_batch_size',
      help: 'Commands applied per ledger transaction (jobs processed together share one)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128],
      registers: [registry],
    }),
  };
}
export type LedgerMetrics = ReturnType<typeof ledgerMetrics>;
