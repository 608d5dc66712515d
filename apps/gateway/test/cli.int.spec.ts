import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { insertTenantWithStaff, insertUser } from '@points/testing';
import { Stack, call, startStack, tokenFor } from './gateway-harness';

const ROOT = resolve(__dirname, '../../..');
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(() => stack.stop());

/** Runs a CLI script as a user would, against this test's gateway. */
function cli(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', `tools/cli/${script}`, ...args, '--api', stack.base], { cwd: ROOT, env: { ...process.env, POINTS_TOKEN: '' } });
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
