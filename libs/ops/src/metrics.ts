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

const JOB_STATES = ['waiting', 'active', 'failed', 'delayed', 'completed'] as const;

/** `points_queue_jobs{queue,state}`: the depth of every queue, read when scraped. */
export function registerQueueGauges(registry: Registry, queues: Queue[]): void {
  new Gauge({
    name: 'points_queue_jobs',
    help: 'Jobs per queue and state (waiting = commands waiting to be applied)',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const queue of queues) {
        try {
          const counts = await queue.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch {
          // Redis is down: readiness reports it; the gauge keeps its last values.
        }
      }
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
