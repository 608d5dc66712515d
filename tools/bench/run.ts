// `npm run bench` (tools/bench.mjs sets up the services, then runs this): the
// ceilings, the end-to-end runs on one stack, the bulk award, then one table
// of every figure and the issue's targets, written to bench/results/. The run
// fails (exit 1) if it cannot finish or a tools/sql check finds a problem.
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { EntityManager } from '@mikro-orm/postgresql';
import { createRedis, redisReady } from '@points/queue';
import { testRedisUrl } from '@points/testing';
import { BenchStack, startBenchStack } from './bench-stack';
import { runBulk } from './bulk';
import { runExpiry } from './expiry';
import { bullmqCeiling } from './ceilings/bullmq';
import { expressCeiling } from './ceilings/express';
import { sqlCeiling, sqlScratch } from './ceilings/sql-ceilings';
import { BATCHED, NAIVE } from './ceilings/sql-workloads';
import { cpuSnapshot, cpuSpent, postmasterPid } from './cpu';
import { runE2E, waitUntilIdle } from './e2e';
import { walPerAward, walTotals } from './measure-sql';
import { BenchResults, figureRows } from './figures';
import { InvariantReport, checkInvariants } from './invariants';
import { BenchOptions, parseBenchOptions } from './options';
import { renderTable, writeResults } from './report';
import { runSoak } from './soak';
import { targetRows } from './targets';

const say = (line: string) => process.stdout.write(`${line}\n`);
const serverUrl = () => process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function ceilings(options: BenchOptions): Promise<BenchResults['ceilings']> {
  say(`• A raw BullMQ: ${options.bullmqJobs} jobs…`);
  const bullmq = await bullmqCeiling(testRedisUrl(), options.bullmqJobs);
  const scratch = await sqlScratch(serverUrl());
  let naive, batched;
  try {
    say(`• B naive SQL, ${options.sqlSeconds} s…`);
    naive = await sqlCeiling(scratch, NAIVE, options.sqlSeconds);
    say(`• C batched SQL, ${options.sqlSeconds} s…`);
    batched = await sqlCeiling(scratch, BATCHED, options.sqlSeconds);
  } finally {
    await scratch.drop();
  }
  say(`• H bare Express, ${options.loadSeconds} s…`);
  // The E2E runs' rotation in shape: a JWT-sized bearer token, a userId and an amount.
  const rotation = Array.from({ length: 2_000 }, () => ({ token: 'x'.repeat(200), body: JSON.stringify({ userId: randomUUID(), amount: '0.01' }) }));
  const express = await expressCeiling({ connections: options.connections, seconds: options.loadSeconds, rotation });
  return { bullmq, naive, batched, express };
}

async function endToEnd(stack: BenchStack, options: BenchOptions, checked: InvariantReport[]): Promise<Omit<BenchResults, 'ceilings' | 'expiry'>> {
  const em = stack.db.orm.em as EntityManager;
  const check = async (after: string) => {
    const report = await checkInvariants(em, after);
    checked.push(report);
    say(report.problems.length === 0 ? `  tools/sql checks after ${after}: ok` : `✗ tools/sql checks after ${after}:\n    ${report.problems.slice(0, 20).join('\n    ')}`);
  };
  say(`• tenants: 1 × ${options.hotEmployees} employees, ${options.spreadTenants} × ${options.spreadEmployeesPerTenant}…`);
  const hotTenant = await stack.addTenant(options.hotEmployees);
  const spreadTenants = await Promise.all(Array.from({ length: options.spreadTenants }, () => stack.addTenant(options.spreadEmployeesPerTenant)));
  const e2e = { connections: options.connections, seconds: options.loadSeconds };

  say(`• warm-up, ${options.warmupSeconds} s…`);
  await runE2E(stack, { tenants: [hotTenant], ...e2e, seconds: options.warmupSeconds });

  say(`• E2E hot, ${options.loadSeconds} s…`);
  const redis = createRedis(testRedisUrl(), 'producer');
  await redisReady(redis);
  const postmaster = await postmasterPid(em);
  const cpuBefore = await cpuSnapshot(stack.pids, postmaster, redis);
  const walBefore = await walTotals(em);
  const hot = await runE2E(stack, { tenants: [hotTenant], ...e2e });
  const spentSeconds = cpuSpent(cpuBefore, await cpuSnapshot(stack.pids, postmaster, redis));
  const walAfter = await walTotals(em);
  redis.disconnect();
  const awards = hot.latencies.accepted;
  const wal = walPerAward(walBefore, walAfter, awards);
  const secondsPer1000 = Object.fromEntries(Object.entries(spentSeconds).map(([name, spent]) => [name, spent === null ? null : (spent * 1000) / awards]));
  const known = Object.values(secondsPer1000).filter((value): value is number => value !== null);
  const cpu = { awards, spentSeconds, secondsPer1000, totalSecondsPer1000: known.length > 0 ? known.reduce((a, b) => a + b, 0) : null };
  await check('E2E hot');

  say(`• E2E spread, ${options.loadSeconds} s…`);
  const spread = await runE2E(stack, { tenants: spreadTenants, ...e2e });
  await check('E2E spread');

  // Governance on: caps no award comes near, so every award is checked against and counted in its giver's and recipient's tallies.
  say(`• E2E governed, ${options.loadSeconds} s…`);
  const governedTenant = await stack.addTenant(options.hotEmployees);
  const cap = { amount: '9000000000000', period: 'month' };
  const settings = await stack.send('PUT', '/api/settings', governedTenant.managerToken, JSON.stringify({ timeZone: 'Europe/Berlin', limits: { perGiver: cap, perRecipient: cap }, approvals: null }), {
    'content-type': 'application/json',
    prefer: 'wait=30',
  });
  if (settings.status !== 200) throw new Error(`setting the governed tenant's limits failed: ${JSON.stringify(settings)}`);
  const governed = await runE2E(stack, { tenants: [governedTenant], ...e2e });
  await check('E2E governed');

  const rate = hot.appliedPerSecond * options.pacedShare;
  say(`• paced at ${Math.round(rate)} awards/s, ${options.loadSeconds} s…`);
  const paced = { ...(await runE2E(stack, { tenants: [hotTenant], ...e2e, overallRate: rate })), rate };
  await check('paced');

  let soak = null;
  if (options.soakMinutes > 0) {
    say(`• soak: ${options.soakMinutes} min at ${Math.round(rate)} awards/s…`);
    soak = await runSoak(stack, { tenants: [hotTenant], connections: options.connections, minutes: options.soakMinutes, rate, print: say });
    await check('soak');
  }

  say(`• bulk award: ${options.bulkRows} rows…`);
  const bulk = await runBulk(stack, options.bulkRows);
  await waitUntilIdle(em, 120);
  await check('bulk');
  return { hot, spread, governed, paced, cpu, wal, soak, bulk };
}

/** The daily expiry on a scratch database of its own (seeded lots, the real job), the stack idle. */
async function expiryRun(options: BenchOptions, checked: InvariantReport[]) {
  say(`• daily expiry: ${options.expiryLots.toLocaleString('en-US')} lots across ${options.expiryTenants} tenants (seeding, then the job)…`);
  const expiry = await runExpiry(serverUrl(), { tenants: options.expiryTenants, lots: options.expiryLots });
  checked.push({ after: 'expiry', problems: expiry.problems });
  say(expiry.problems.length === 0 ? '  tools/sql checks after expiry: ok' : `✗ tools/sql checks after expiry:\n    ${expiry.problems.slice(0, 20).join('\n    ')}`);
  return expiry;
}

async function serverVersions(stack: BenchStack): Promise<Record<string, string | undefined>> {
  const [pg] = await stack.db.orm.em.fork().execute<{ server_version: string }[]>('SHOW server_version');
  const redis = createRedis(testRedisUrl(), 'producer');
  await redisReady(redis);
  const info = await redis.info('server').catch(() => '');
  redis.disconnect();
  return { postgres: pg?.server_version, redis: /^redis_version:(\S+)/m.exec(info)?.[1] };
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const loadAverageAtStart = loadavg();
  say(`npm run bench${options.mode === 'quick' ? ' --quick' : ''}${options.soakMinutes ? ` --soak (${options.soakMinutes} min)` : ''}: ${cpus().length} CPUs, load average ${loadAverageAtStart[0].toFixed(2)}`);
  const checked: InvariantReport[] = [];
  const ceilingResults = await ceilings(options);
  say('• starting the gateway, ledger worker and notification worker…');
  const stack = await startBenchStack({ env: { RATE_LIMIT_PER_MINUTE: '100000000' } });
  let results: BenchResults;
  let versions: Record<string, string | undefined>;
  try {
    versions = await serverVersions(stack);
    results = { ceilings: ceilingResults, ...(await endToEnd(stack, options, checked)), expiry: await expiryRun(options, checked) };
  } finally {
    await stack.close();
  }
  const rows = [...figureRows(results, options), ...targetRows(results)];
  const problems = checked.flatMap((report) => report.problems.map((problem) => `after ${report.after}: ${problem}`));
  const seconds = (performance.now() - started) / 1000;
  say(`\n${renderTable(rows)}`);
  const met = rows.filter((r) => r.met === true).length;
  const judged = rows.filter((r) => r.met !== undefined).length;
  say(`targets met: ${met} of ${judged}${options.mode === 'quick' ? ' (quick run: sizes too small to judge; only completion and the books are asserted)' : ''}`);
  say(problems.length === 0 ? `books: tools/sql checks found nothing after ${checked.map((r) => r.after).join(', ')}` : `✗ books: ${problems.length} problem(s)`);
  const paths = writeResults(
    {
      mode: options.mode,
      startedAt,
      seconds,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, loadAverageAtStart, loadAverageAtEnd: loadavg(), node: process.version, ...versions },
      options,
      rows,
      invariants: { ok: problems.length === 0, checkedAfter: checked.map((r) => r.after), problems },
      results,
    },
    options.mode === 'quick',
  );
  say(`written: ${paths.map((path) => path.replace(`${process.cwd()}/`, '')).join(', ')} (${seconds.toFixed(1)} s)`);
  if (problems.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error('✗ the benchmark did not finish:', error);
  process.exit(1);
});
