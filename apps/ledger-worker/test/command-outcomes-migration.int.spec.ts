import { randomUUID } from 'node:crypto';
import { insertTenant, insertUser } from '@points/testing';
import { databaseMigratedTo } from './migration-harness';

// Migration 20261124070000 splits a command into what was accepted and what was
// decided. On a database that already holds commands in every status, the
// `commands` view must show each exactly as the table did, and going down must
// give the table back as it was.

const BEFORE = 'Migration20261124060000_events_count_once_delivered';
const COLUMNS = `id, type, tenant_id, issuer_id, payload, status, result, error, idempotency_key, request_hash, request_id, attempts, created_at::text, completed_at::text`;

const { em, sql, up, down } = databaseMigratedTo(BEFORE);

it('every command reads the same through the view after the migration, and the same from the table after going down', async () => {
  const tenantId = await insertTenant(em());
  const manager = await insertUser(em(), 'tenant_manager', tenantId);
  const row = (status: string, minutesAgo: number, outcome: { result?: object; error?: object; attempts: number }) => [
    randomUUID(),
    tenantId,
    manager.id,
    JSON.stringify({ userId: manager.id, amount: '1.00' }),
    status,
    outcome.result ? JSON.stringify(outcome.result) : null,
    outcome.error ? JSON.stringify(outcome.error) : null,
    `key-${status}-${minutesAgo}`,
    outcome.attempts,
    minutesAgo,
    ['succeeded', 'rejected', 'failed'].includes(status),
  ];
  const rows = [
    row('queued', 50, { attempts: 0 }),
    row('processing', 40, { attempts: 2 }),
    row('succeeded', 30, { result: { recipientId: manager.id }, attempts: 1 }),
    row('rejected', 20, { error: { code: 'INSUFFICIENT_BALANCE', message: 'no' }, attempts: 1 }),
    row('failed', 10, { error: { code: 'INTERNAL', message: 'gave up' }, attempts: 0 }),
  ];
  for (const values of rows) {
    await sql(
      `INSERT INTO commands (id, type, tenant_id, issuer_id, payload, status, result, error, idempotency_key, attempts, created_at, updated_at, completed_at)
       VALUES (?, 'award', ?, ?, ?, ?, ?, ?, ?, ?, now() - make_interval(mins => ?), now(), CASE WHEN ? THEN now() END)`,
      values.slice(0, 9).concat([values[9], values[10]]),
    );
  }
  const before = await sql(`SELECT ${COLUMNS} FROM commands ORDER BY created_at`);

  await up();
  const viewed = await sql(`SELECT ${COLUMNS} FROM commands ORDER BY created_at`);
  // A final command decided on no try shows one: an outcome counts the try that made it.
  expect(viewed).toEqual(before.map((command) => (command.status === 'failed' ? { ...command, attempts: 1 } : command)));
  expect(await sql(`SELECT status, count(*)::int AS n FROM command_outcomes GROUP BY status ORDER BY status`)).toEqual([
    { status: 'failed', n: 1 },
    { status: 'rejected', n: 1 },
    { status: 'succeeded', n: 1 },
  ]);
  expect(await sql(`SELECT id FROM undecided_commands ORDER BY created_at`)).toEqual([{ id: rows[0][0] }, { id: rows[1][0] }]);
  // The sweep's horizon starts at the oldest undecided command.
  expect(await sql(`SELECT (SELECT decided_before FROM command_sweep) = (SELECT created_at FROM commands WHERE id = ?) AS at_oldest`, [rows[0][0]])).toEqual([{ at_oldest: true }]);

  await down();
  expect(await sql(`SELECT ${COLUMNS} FROM commands ORDER BY created_at`)).toEqual(before.map((command) => (command.status === 'failed' ? { ...command, attempts: 1 } : command)));
});
