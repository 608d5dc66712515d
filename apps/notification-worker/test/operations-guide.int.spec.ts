import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { insertTenantWithStaff, insertUser } from '@points/testing';
import { NotificationWorld, count, notificationProblems, notificationWorld } from './notification-harness';

/**
 * docs/OPERATIONS.md's SQL, run as an operator would (psql variables bound), so
 * the guide cannot drift from the schema: every query runs, the dead-letter
 * replay delivers a repaired event, and re-delivery writes back lost feed and
 * audit rows, identical, without doubling those that exist. Losing rows (feed
 * and audit are append-only) is simulated with triggers off, as a partial restore.
 */
const GUIDE = readFileSync(resolve(__dirname, '../../../docs/OPERATIONS.md'), 'utf8');
const BLOCKS = [...GUIDE.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1].trim());
const block = (starts: string) => {
  const found = BLOCKS.find((sql) => sql.startsWith(starts));
  if (!found) throw new Error(`docs/OPERATIONS.md has no SQL block starting with ${starts}`);
  return found;
};
/** psql's :'name' variables as bound parameters. */
const bind = (sql: string, vars: Record<string, string>) => {
  const params: string[] = [];
  const text = sql.replace(/:'(\w+)'/g, (_m, name: string) => {
    params.push(vars[name]);
    return '?';
  });
  return { text, params };
};

let world: NotificationWorld;
beforeAll(async () => {
  world = await notificationWorld();
  world.startRelay();
  world.startWorker();
});
afterAll(() => world.close());

/** The operator replays a dead-lettered event with the guide's statement, and the system settles. */
async function replayWithTheGuide(eventId: string): Promise<void> {
  const replay = bind(block('DELETE FROM outbox_outcomes WHERE event_id'), { event_id: eventId });
  await world.em.fork().execute(replay.text, replay.params);
  await world.settle();
}

it('every SQL block in the guide runs against the schema', async () => {
  expect(BLOCKS.length).toBeGreaterThanOrEqual(5);
  for (const sql of BLOCKS) {
    const { text, params } = bind(sql, { event_id: '00000000-0000-0000-0000-000000000000', tenant_id: '00000000-0000-0000-0000-000000000000' });
    // Statements one by one (the rebuild is a transaction of several), rolled back so nothing changes.
    await world.em.fork().transactional(async (tx) => {
      for (const statement of text.split(';').map((s) => s.trim()).filter((s) => s && !/^(BEGIN|COMMIT)$/i.test(s))) {
        await tx.execute(statement, params.slice(0, (statement.match(/\?/g) ?? []).length));
      }
      throw Object.assign(new Error('rollback'), { rollback: true });
    }).catch((e: { rollback?: boolean }) => {
      if (!e.rollback) throw e;
    });
  }
});

it('replaying a dead-lettered event, once repaired, delivers it exactly once', async () => {
  const t = await insertTenantWithStaff(world.em);
  const admin = await insertUser(world.em, 'platform_admin', null);
  const command = await world.submit('allocate', admin, { tenantId: t.tenantId, amount: '50.00', currency: 'USD', referenceNote: 'replay' });
  await world.settle();
  const [event] = await world.em.fork().execute<{ id: string; payload: Record<string, unknown> }[]>('SELECT id, payload FROM outbox WHERE command_id = ?', [command]);
  // As if a defect had broken it before delivery: it is dead-lettered with the reason.
  await lose('DELETE FROM audit_log WHERE event_id = ?', [event.id]);
  await lose(`UPDATE outbox_events SET payload = payload - 'amount' WHERE id = ?`, [event.id]);
  await lose('DELETE FROM outbox_outcomes WHERE event_id = ?', [event.id]); // behind the horizon: the relay's full scan finds it
  await world.settle();
  expect(await notificationProblems(world.em)).toEqual([expect.objectContaining({ ref: event.id, problem: expect.stringMatching(/^dead-lettered: invalid event: amount/) })]);

  // The operator repairs the payload, then replays with the guide's statement.
  await lose('UPDATE outbox_events SET payload = ?::jsonb WHERE id = ?', [JSON.stringify(event.payload), event.id]);
  await replayWithTheGuide(event.id);
  expect(await count(world.em, 'SELECT count(*) FROM audit_log WHERE event_id = ?', [event.id])).toBe(1);
  expect(await notificationProblems(world.em)).toEqual([]);
});

it('replaying an event whose job failed for good (a defect, since fixed) delivers it exactly once', async () => {
  await world.stopInProcess();
  world.startRelay();
  world.startWorker({ retry: { baseDelayMs: 20, maxDelayMs: 50, maxAttempts: 2 } });
  const t = await insertTenantWithStaff(world.em);
  const admin = await insertUser(world.em, 'platform_admin', null);
  // A defect: every audit row of this tenant is refused (not an outage, so its attempts run out).
  await world.em.fork().execute(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'a defect'; END $$`);
  await world.em.fork().execute(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW WHEN (NEW.tenant_id = '${t.tenantId}') EXECUTE FUNCTION refuse_audit()`);
  const command = await world.submit('allocate', admin, { tenantId: t.tenantId, amount: '5.00', currency: 'USD', referenceNote: 'defect' });
  await world.settle();
  const [event] = await world.em.fork().execute<{ id: string; reason: string }[]>('SELECT id, dead_letter_reason AS reason FROM outbox WHERE command_id = ?', [command]);
  expect(event.reason).toMatch(/^notification job failed for good after 2 attempts: [\s\S]*a defect$/);

  // Fixed; the operator replays it with the guide's statement.
  await world.em.fork().execute('DROP TRIGGER refuse_audit ON audit_log; DROP FUNCTION refuse_audit()');
  await replayWithTheGuide(event.id);
  expect(await count(world.em, 'SELECT count(*) FROM audit_log WHERE event_id = ?', [event.id])).toBe(1);
  expect(await notificationProblems(world.em)).toEqual([]);
});

it("re-delivering a tenant's events writes back its lost feed and audit rows, identical, and doubles nothing", async () => {
  const t = await insertTenantWithStaff(world.em);
  const admin = await insertUser(world.em, 'platform_admin', null);
  await world.submit('allocate', admin, { tenantId: t.tenantId, amount: '500.00', currency: 'USD', referenceNote: 'rebuild' });
  await world.settle();
  await world.submit('award', t.manager, { userId: t.employee.id, amount: '20', description: 'before the loss' });
  await world.submit('recognition', t.manager, { recipientId: t.employee2.id, points: '5', message: 'thanks' });
  await world.submit('clawback', admin, { tenantId: t.tenantId, amount: '430', referenceNote: 'low' });
  await world.settle();
  const rows = async () => ({
    feed: await world.em.fork().execute('SELECT id, event_id, type, actor_id, target_user_id, points, message, created_at FROM feed WHERE tenant_id = ? ORDER BY id', [t.tenantId]),
    audit: await world.em.fork().execute('SELECT id, event_id, action, entity_type, actor_id, before, after FROM audit_log WHERE tenant_id = ? ORDER BY id', [t.tenantId]),
  });
  const before = await rows();
  expect(before.feed).toHaveLength(2);
  expect(before.audit.map((a) => a.action)).toContain('pool.low_balance');

  // A partial restore lost the award's feed entry and half the audit rows.
  await lose(`DELETE FROM feed WHERE tenant_id = ? AND type = 'award'`, [t.tenantId]);
  await lose(`DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE tenant_id = ? ORDER BY id LIMIT 3)`, [t.tenantId]);
  expect((await rows()).feed).toHaveLength(1);

  const redeliver = bind(block('BEGIN;\nSET LOCAL points.redeliver'), { tenant_id: t.tenantId });
  await world.em.fork().execute(redeliver.text, redeliver.params);
  await world.settle();
  expect(await rows()).toEqual(before);
  expect(await notificationProblems(world.em)).toEqual([]);
});

/** Changes rows the append-only triggers protect, as only a restore (or a defect) from outside the system could. */
async function lose(sql: string, params: unknown[]) {
  await world.em.fork().transactional(async (tx) => {
    await tx.execute('SET LOCAL session_replication_role = replica');
    await tx.execute(sql, params);
  });
}
