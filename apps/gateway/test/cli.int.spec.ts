import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { COMMAND_CATALOG } from '@points/contracts';
import { AppProcess, freePort, insertTenantWithStaff, insertUser, startAppProcess, testRedisUrl } from '@points/testing';
import { JWT_SECRET, Stack, call, startStack, tokenFor } from './gateway-harness';

const ROOT = resolve(__dirname, '../../..');
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(() => stack.stop());

/** Runs a CLI script as a user would, against this test's gateway (`env`: more variables, e.g. for --email). */
function cli(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `tools/cli/${script}`, ...args, '--api', stack.base], { cwd: ROOT, env: { ...process.env, POINTS_TOKEN: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

it('bulk-award uploads a CSV, follows progress to the end and prints the outcome; a bad CSV prints a row-error table', async () => {
  const t = await insertTenantWithStaff(stack.db.orm.em);
  const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  await call(stack.base, 'POST', '/api/platform/allocations/allocate', { token: await tokenFor(admin), headers: { prefer: 'wait=10' }, body: { tenantId: t.tenantId, amount: '100', currency: 'USD', referenceNote: 'cli' } });
  const token = await tokenFor(t.manager);
  const good = join(tmpdir(), `awards-${process.pid}.csv`);
  writeFileSync(good, `email,amount,description\n${t.employee.email},3.00,thanks\n${t.employee2.email},4.50,great\n`);

  const ok = await cli('bulk-award.ts', ['--file', good, '--token', token]);
  expect(ok.stdout).toContain('✓ 2 colleagues awarded 7.50 points in total');
  expect(ok.stderr).toMatch(/\[#+\] 2\/2 succeeded/);
  expect(ok.code).toBe(0);

  const bad = join(tmpdir(), `bad-${process.pid}.csv`);
  writeFileSync(bad, `userId,amount\n${t.employee.id},1.001\n`);
  const rejected = await cli('bulk-award.ts', ['--file', bad, '--token', token]);
  expect(rejected.code).toBe(2);
  expect(rejected.stdout).toMatch(/row\s+field\s+message[\s\S]*1\s+amount\s+must be a decimal/);

  const pool = await cli('points-cli.ts', ['pool', '--token', token, '--json']);
  expect(JSON.parse(pool.stdout)).toMatchObject({ tenantId: t.tenantId, balance: '92.50' });
  const award = await cli('points-cli.ts', ['award', '--user', t.employee.email, '--amount', '500', '--token', token]);
  expect(award.code).toBe(2);
  expect(award.stdout).toContain('rejected: INSUFFICIENT_BALANCE');
}, 60_000);

/** A tenant with staff, its slug (what a person types), and a platform admin to fund it. */
async function fundedTenant(amount: string) {
  const t = await insertTenantWithStaff(stack.db.orm.em);
  const admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  const adminToken = await tokenFor(admin);
  const [{ slug }] = await stack.db.orm.em.fork().execute<{ slug: string }[]>('SELECT slug FROM tenants WHERE id = ?', [t.tenantId]);
  const funded = await cli('points-cli.ts', ['allocate', '--tenant', slug, '--amount', amount, '--note', 'annual plan', '--token', adminToken, '--json']);
  expect(funded.code).toBe(0);
  // --currency was left out: the catalog's default (USD) was sent.
  expect(JSON.parse(funded.stdout)).toMatchObject({ status: 'succeeded', result: { tenantId: t.tenantId, newBalance: amount } });
  return { ...t, slug, adminToken, managerToken: await tokenFor(t.manager) };
}

const poolBalance = async (token: string) => (await call(stack.base, 'GET', '/api/allocations/pool', { token })).body.balance;
const walletBalance = async (token: string) => (await call(stack.base, 'GET', '/api/me', { token })).body.wallet.balance;

it('--help lists every command of the catalog and every read; each command\'s --help shows its catalog flags', async () => {
  const help = await cli('points-cli.ts', ['--help']);
  expect(help.code).toBe(0);
  for (const spec of Object.values(COMMAND_CATALOG)) expect(help.stdout).toMatch(new RegExp(`^\\s+${spec.cli.name} `, 'm'));
  for (const read of ['pool', 'me', 'history', 'users', 'feed', 'ledger', 'command', 'bulk-status']) expect(help.stdout).toMatch(new RegExp(`^\\s+${read} `, 'm'));

  const perCommand = await Promise.all(Object.values(COMMAND_CATALOG).map(async (spec) => ({ spec, help: await cli('points-cli.ts', [spec.cli.name, '--help']) })));
  for (const { spec, help } of perCommand) {
    expect(help.code).toBe(0);
    // Help wraps long lines; the words are what matter.
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(spec.route.summary);
    for (const flag of Object.values(spec.cli.flags)) expect(help.stdout).toContain(`--${typeof flag === 'string' ? flag : flag?.flag} <`);
    expect(help.stdout).toMatch(/Global Options:[\s\S]*--token <jwt>[\s\S]*--api <url>[\s\S]*--json/);
  }
  expect(perCommand.find(({ spec }) => spec.cli.name === 'bulk-award')?.help.stdout).toContain('--file <csv>');
}, 60_000);

it('a missing required flag, a bad value and a gateway 400 exit 1 with a one-line message, not a stack trace', async () => {
  const t = await insertTenantWithStaff(stack.db.orm.em);
  const token = await tokenFor(t.manager);

  const missing = await cli('points-cli.ts', ['award', '--amount', '5', '--token', token]);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain("error: required option '--user <userId>' not specified");
  expect(missing.stdout).toBe('');

  const noFile = await cli('bulk-award.ts', ['--token', token]);
  expect(noFile.code).toBe(1);
  expect(noFile.stderr).toContain("required option '--file <csv>' not specified");

  const badRole = await cli('points-cli.ts', ['create-user', '--email-address', 'x@example.test', '--name', 'X', '--role', 'boss', '--token', token]);
  expect(badRole.code).toBe(1);
  expect(badRole.stderr).toContain('Allowed choices are tenant_manager, hr_admin, lead, employee');

  const invalid = await cli('points-cli.ts', ['award', '--user', t.employee.email, '--amount', '1.001', '--token', token]);
  expect(invalid.code).toBe(1);
  expect(invalid.stderr).toMatch(/^error: 400 VALIDATION_FAILED: .*\n\s+amount: must be a decimal/);

  const unknownUser = await cli('points-cli.ts', ['award', '--user', 'nobody@example.test', '--amount', '1', '--token', token]);
  expect(unknownUser.code).toBe(1);
  expect(unknownUser.stderr).toContain('--user: no user nobody@example.test in your tenant');

  const noToken = await cli('points-cli.ts', ['pool']);
  expect(noToken.code).toBe(1);
  expect(noToken.stderr).toContain('give --token <jwt>, set POINTS_TOKEN, or give --email <user email>');

  for (const run of [missing, noFile, badRole, invalid, unknownUser, noToken]) expect(run.stderr).not.toMatch(/\n\s+at /);
}, 60_000);

it('allocate and clawback move the pool of a tenant named by its slug; a clawback beyond the pool is rejected (exit 2)', async () => {
  const t = await fundedTenant('100.00');

  const clawback = await cli('points-cli.ts', ['clawback', '--tenant', t.slug, '--amount', '30', '--note', 'over-allocated', '--token', t.adminToken]);
  expect(clawback.code).toBe(0);
  expect(clawback.stdout).toContain('✓ clawback succeeded');
  expect(clawback.stdout).toContain('"newBalance": "70.00"');
  expect(await poolBalance(t.managerToken)).toBe('70.00');

  const tooMuch = await cli('points-cli.ts', ['clawback', '--tenant', t.tenantId, '--amount', '70.01', '--note', 'too much', '--token', t.adminToken]);
  expect(tooMuch.code).toBe(2);
  expect(tooMuch.stdout).toContain('✗ rejected: INSUFFICIENT_BALANCE');
  expect(await poolBalance(t.managerToken)).toBe('70.00');

  const pool = await cli('points-cli.ts', ['pool', '--token', t.managerToken]);
  expect(pool.stdout).toMatch(/^70\.00 points — /);
}, 60_000);

it('set-settings from a JSON file, then approvals, approve and decline by id: held points show on the pool and move once approved', async () => {
  const t = await fundedTenant('500.00');
  const settingsFile = join(tmpdir(), `settings-${t.tenantId}.json`);
  writeFileSync(settingsFile, JSON.stringify({ timeZone: 'Europe/Berlin', limits: {}, approvals: { threshold: '100', windowHours: 24 } }));
  const set = await cli('points-cli.ts', ['set-settings', '--file', settingsFile, '--token', t.managerToken]);
  expect(set.code).toBe(0);
  expect(set.stdout).toContain('✓ set-settings succeeded');
  const shown = await cli('points-cli.ts', ['settings', '--token', t.managerToken]);
  expect(shown.stdout).toMatch(/^settings version 1, changed /);

  const hrToken = await tokenFor(t.hr);
  const pending = [];
  for (const amount of ['150', '120']) {
    const award = await cli('points-cli.ts', ['award', '--user', t.employee.email, '--amount', amount, '--token', t.managerToken, '--json']);
    pending.push(JSON.parse(award.stdout).result.approvalId as string);
  }
  const pool = await cli('points-cli.ts', ['pool', '--token', t.managerToken]);
  expect(pool.stdout).toMatch(/^500\.00 points \(270\.00 held for awards pending approval, 230\.00 available\) — /);
  const listed = await cli('points-cli.ts', ['approvals', '--token', hrToken, '--json']);
  expect(JSON.parse(listed.stdout).items.map((a: { id: string }) => a.id).sort()).toEqual([...pending].sort());

  const approved = await cli('points-cli.ts', ['approve', '--approval', pending[0], '--reason', 'great launch', '--token', hrToken]);
  expect(approved.code).toBe(0);
  expect(approved.stdout).toContain('✓ approve succeeded');
  const noReason = await cli('points-cli.ts', ['decline', '--approval', pending[1], '--token', hrToken]);
  expect(noReason.code).toBe(1);
  expect(noReason.stderr).toContain("required option '--reason <reason>' not specified");
  const declined = await cli('points-cli.ts', ['decline', '--approval', pending[1], '--reason', 'not this quarter', '--token', hrToken]);
  expect(declined.code).toBe(0);
  const again = await cli('points-cli.ts', ['approve', '--approval', pending[1], '--token', hrToken]);
  expect(again.code).toBe(2);
  expect(again.stdout).toContain('✗ rejected: ALREADY_DECIDED');
  expect(await poolBalance(t.managerToken)).toBe('350.00');
}, 60_000);

it('create-department, set-department, fund-department and a head’s award from it, naming people by email and the department by name; departments lists them', async () => {
  const t = await fundedTenant('500.00');
  const created = await cli('points-cli.ts', ['create-department', '--name', 'Field Sales', '--head', t.lead.email, '--token', t.managerToken]);
  expect(created.stdout).toContain('✓ create-department succeeded');
  expect((await cli('points-cli.ts', ['set-department', '--user', t.lead.email, '--department', 'field sales', '--token', t.managerToken])).code).toBe(0);
  const funded = await cli('points-cli.ts', ['fund-department', '--department', 'Field Sales', '--amount', '200', '--token', t.managerToken, '--json']);
  expect(JSON.parse(funded.stdout)).toMatchObject({ status: 'succeeded', result: { department: { newBalance: '200.00' }, pool: { newBalance: '300.00' } } });
  const leadToken = await tokenFor(t.lead);
  const award = await cli('points-cli.ts', ['award', '--user', t.employee.id, '--amount', '25', '--department', 'Field Sales', '--token', leadToken, '--json']);
  expect(JSON.parse(award.stdout)).toMatchObject({ status: 'succeeded', result: { source: { type: 'department_pool', newBalance: '175.00' } } });
  // The pool as it stood before the department was funded.
  const [{ before }] = await stack.db.orm.em.fork().execute<{ before: string }[]>(
    `SELECT to_char((min(created_at) - interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS before FROM department_ledger WHERE tenant_id = ?`,
    [t.tenantId],
  );
  expect((await cli('points-cli.ts', ['pool', '--as-of', before, '--token', t.managerToken])).stdout).toMatch(/^500\.00 points — /);
  const listed = await cli('points-cli.ts', ['departments', '--token', leadToken]);
  expect(listed.stdout).toMatch(/Field Sales.*175\.00/);
  const unknown = await cli('points-cli.ts', ['fund-department', '--department', 'Nowhere', '--amount', '1', '--token', t.managerToken]);
  expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('--department: no department Nowhere that you can see')]);
}, 60_000);

describe('with the notification worker (it writes the feed)', () => {
  let notifier: AppProcess;
  beforeAll(async () => {
    const port = await freePort();
    notifier = await startAppProcess(
      'notification-worker',
      { DATABASE_URL: stack.db.url, REDIS_URL: testRedisUrl(), QUEUE_PREFIX: stack.prefix, NOTIFICATION_WORKER_PORT: String(port), JWT_SECRET },
      'notification worker started',
    );
  }, 60_000);
  afterAll(() => notifier?.stop());

  it('recognise credits the colleague (named by email) and shows on the feed; an employee may only give 0-point kudos', async () => {
    const t = await fundedTenant('50.00');
    const employeeToken = await tokenFor(t.employee);

    const recognised = await cli('points-cli.ts', ['recognise', '--user', t.employee.email, '--points', '2.50', '--message', 'Shipped the release', '--token', t.managerToken]);
    expect(recognised.code).toBe(0);
    expect(recognised.stdout).toContain('✓ recognise succeeded');
    expect(await walletBalance(employeeToken)).toBe('2.50');
    expect(await poolBalance(t.managerToken)).toBe('47.50');

    const points = await cli('points-cli.ts', ['recognise', '--user', t.employee2.id, '--points', '1', '--message', 'thanks', '--token', employeeToken]);
    expect(points.code).toBe(1);
    expect(points.stderr).toContain('403 FORBIDDEN: employees may only give 0-point kudos');
    const byEmail = await cli('points-cli.ts', ['recognise', '--user', t.employee2.email, '--points', '0', '--message', 'thanks', '--token', employeeToken]);
    expect(byEmail.code).toBe(1);
    expect(byEmail.stderr).toContain('--user: looking a name up needs a manager or HR admin token');
    const kudos = await cli('points-cli.ts', ['recognise', '--user', t.employee2.id, '--points', '0', '--message', 'Great pairing', '--token', employeeToken]);
    expect(kudos.code).toBe(0);

    // The notification worker writes the feed from the ledger's events, a moment after the commands.
    await until(async () => (await call(stack.base, 'GET', '/api/feed', { token: employeeToken })).body.items.length === 2);
    const feed = await cli('points-cli.ts', ['feed', '--token', employeeToken]);
    expect(feed.code).toBe(0);
    expect(feed.stdout).toMatch(/^when\s+type\s+from\s+to\s+points\s+message/);
    expect(feed.stdout).toMatch(/tenant_manager \S+\s+employee \S+\s+2\.50\s+Shipped the release/);
    expect(feed.stdout).toMatch(/employee \S+\s+employee \S+\s+0\.00\s+Great pairing/);
    const oneEntry = await cli('points-cli.ts', ['feed', '--limit', '1', '--json', '--token', employeeToken]);
    const page = JSON.parse(oneEntry.stdout);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ message: 'Great pairing', points: '0.00' });
    expect(page.nextCursor).toEqual(expect.any(String));
  }, 60_000);
});

async function until(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('create-user adds a colleague who then shows in users; a platform admin names the tenant by slug', async () => {
  const t = await fundedTenant('10.00');
  const email = `new-lead-${process.pid}@example.test`;

  const created = await cli('points-cli.ts', ['create-user', '--email-address', email, '--name', 'New Lead', '--role', 'lead', '--token', t.managerToken]);
  expect(created.code).toBe(0);
  expect(created.stdout).toContain('✓ create-user succeeded');
  const userId = /"userId": "([0-9a-f-]{36})"/.exec(created.stdout)?.[1];
  expect(userId).toBeDefined();

  const byAdmin = await cli('points-cli.ts', ['create-user', '--email-address', `hr-${process.pid}@example.test`, '--name', 'New HR', '--role', 'hr_admin', '--tenant', t.slug, '--token', t.adminToken]);
  expect(byAdmin.code).toBe(0);

  const users = await cli('points-cli.ts', ['users', '--token', t.managerToken]);
  expect(users.code).toBe(0);
  expect(users.stdout).toMatch(/^email\s+name\s+role\s+active/);
  expect(users.stdout).toMatch(new RegExp(`${email}\\s+New Lead\\s+lead\\s+yes`));
  expect(users.stdout).toMatch(new RegExp(`hr-${process.pid}@example.test\\s+New HR\\s+hr_admin\\s+yes`));
  const json = JSON.parse((await cli('points-cli.ts', ['users', '--json', '--limit', '200', '--token', t.managerToken])).stdout);
  expect(json.items.map((u: { id: string }) => u.id)).toContain(userId);

  // The new lead can be given a budget at once, named by the email just created.
  const delegated = await cli('points-cli.ts', ['delegate', '--lead', email, '--amount', '4', '--token', t.managerToken]);
  expect(delegated.code).toBe(0);
  // --email mints the new lead's token from the database, as `npm run token` does.
  const me = await cli('points-cli.ts', ['me', '--email', email], { DATABASE_URL: stack.db.url, JWT_SECRET });
  expect(me.code).toBe(0);
  expect(me.stdout).toContain(`New Lead <${email}> — lead`);
  expect(me.stdout).toContain('lead budget: 4.00 points');
}, 60_000);

it('bulk-award as a sub-command sends --description; bulk-status shows the outcome; award, command, history and ledger agree', async () => {
  const t = await fundedTenant('20.00');
  const file = join(tmpdir(), `cli-awards-${process.pid}.csv`);
  writeFileSync(file, `email,amount\n${t.employee.email},1.25\n${t.employee2.email},2.00\n`);

  const bulk = await cli('points-cli.ts', ['bulk-award', '--file', file, '--description', 'Q3 thanks', '--json', '--token', t.managerToken]);
  expect(bulk.code).toBe(0);
  const view = JSON.parse(bulk.stdout);
  expect(view).toMatchObject({ status: 'succeeded', succeeded: 2, totalAmount: '3.25' });

  const status = await cli('points-cli.ts', ['bulk-status', view.bulkId, '--token', t.managerToken]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain('✓ 2 colleagues awarded 3.25 points in total');

  const history = JSON.parse((await cli('points-cli.ts', ['history', '--all', '--json', '--token', t.managerToken])).stdout);
  expect(history.items.filter((d: { transactionType: string }) => d.transactionType === 'bulk_award').map((d: { description: string }) => d.description)).toEqual(['Q3 thanks', 'Q3 thanks']);

  const awardArgs = ['award', '--user', t.employee.email, '--amount', '0.75', '--description', 'coffee', '--idempotency-key', `cli-${process.pid}`, '--json', '--token', t.managerToken];
  const award = JSON.parse((await cli('points-cli.ts', awardArgs)).stdout);
  const retried = JSON.parse((await cli('points-cli.ts', awardArgs)).stdout);
  expect(retried.commandId).toBe(award.commandId);
  expect(await walletBalance(await tokenFor(t.employee))).toBe('2.00');

  const command = await cli('points-cli.ts', ['command', award.commandId, '--token', t.managerToken]);
  expect(command.stdout).toContain('✓ award succeeded');
  expect(command.stdout).toContain('"amount": "0.75"');

  const own = await cli('points-cli.ts', ['history', '--token', t.managerToken]);
  expect(own.stdout).toMatch(/award\s+tenant_pool\s+\S+\s+0\.75\s+coffee/);
  const ledger = await cli('points-cli.ts', ['ledger', '--token', await tokenFor(t.employee)]);
  expect(ledger.stdout).toMatch(/^when\s+type\s+amount\s+balance\s+reference/);
  expect(ledger.stdout).toMatch(/0\.75\s+2\.00/);
  expect(ledger.stdout).toMatch(/1\.25\s+1\.25/);
}, 60_000);
