import { EntityManager } from '@mikro-orm/postgresql';
import { Gauge, Registry } from 'prom-client';
import { OutboxBacklog, outboxBacklog } from '@points/db';
import { readForScrape } from '@points/ops';

/**
 * The outbox's backlog as gauges, read with one query per scrape. While
 * PostgreSQL is unreachable the gauges keep their last values (the scrape still
 * answers within SCRAPE_READ_TIMEOUT_MS; readiness says the database is down).
 */
export function registerOutboxGauges(registry: Registry, em: EntityManager): void {
  let pending: Promise<OutboxBacklog | null> | null = null;
  const backlog = () => {
    pending ??= readForScrape(() => outboxBacklog(em))
      .then((b) => b ?? null)
      .finally(() => setTimeout(() => (pending = null), 500).unref());
    return pending;
  };
  const gauge = (name: string, help: string, read: (b: OutboxBacklog) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const current = await backlog();
        if (current) this.set(read(current));
      },
    });
  gauge('points_outbox_lag_seconds', 'Age of the oldest outbox event whose feed and audit rows are not written yet (0 when none wait)', (b) => b.lagSeconds);
  gauge('points_outbox_undelivered', 'Outbox events whose feed and audit rows are not written yet', (b) => b.undelivered);
  gauge('points_outbox_dead_lettered', 'Outbox events that can never be delivered (alert on any): see docs/OPERATIONS.md', (b) => b.deadLettered);
}
