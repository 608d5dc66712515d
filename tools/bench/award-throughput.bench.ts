// `npm run bench`: many people awarding at once. Concurrent clients POST single
// awards to the real gateway; the real ledger worker applies them. Reports how
// fast commands are accepted, how long until every one is applied, and the
// accept → applied latency (p50, p99) from the commands table.
import { runBench, seconds } from './bench-stack';

const AWARDS = Number(process.env.BENCH_AWARDS ?? 2_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);

runBench({ employees: 1_000, env: { RATE_LIMIT_PER_MINUTE: '1000000' } }, async (stack) => {
  const givers = [stack.tenant.manager, stack.tenant.hr];
  const tokens = await Promise.all(givers.map((giver) => stack.tokenFor(giver)));
  let next = 0;
  const refused: unknown[] = [];
  const cpuBefore = stack.cpuSeconds();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < AWARDS; i = next++) {
        const body = JSON.stringify({ userId: stack.employees[i % stack.employees.length].id, amount: '1.00' });
        const response = await stack.send('POST', '/api/allocations/award-points', tokens[i % tokens.length], body, { 'content-type': 'application/json' });
        if (response.status !== 202) refused.push(response);
      }
    }),
  );
  const acceptedMs = performance.now() - started;

  const em = stack.db.orm.em.fork();
  const pending = async () => Number((await em.execute<{ n: string }[]>(`SELECT count(*)::text AS n FROM commands WHERE type = 'award' AND status IN ('queued', 'processing')`))[0].n);
  while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 50));
  const appliedMs = performance.now() - started;
  const cpuAfter = stack.cpuSeconds();
  const cpuPerAward = (app: keyof typeof cpuAfter) => {
    const [before, after] = [cpuBefore[app], cpuAfter[app]];
    return before === null || after === null ? 'n/a' : `${(((after - before) * 1000) / AWARDS).toFixed(2)} ms`;
  };

  const [stats] = await em.execute<{ succeeded: string; p50: string; p99: string }[]>(
    `SELECT count(*) FILTER (WHERE status = 'succeeded')::text AS succeeded,
            (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)))::text AS p50,
            (percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - created_at)))::text AS p99
       FROM commands WHERE type = 'award'`,
  );
  console.log(
    `concurrent awards over HTTP: ${AWARDS} from ${CLIENTS} clients accepted (202) in ${seconds(acceptedMs)} = ${Math.round(AWARDS / (acceptedMs / 1000))}/s; ` +
      `all applied after ${seconds(appliedMs)} = ${Math.round(AWARDS / (appliedMs / 1000))}/s; accept → applied p50 ${seconds(Number(stats.p50) * 1000)}, p99 ${seconds(Number(stats.p99) * 1000)}; ` +
      `CPU per award: gateway ${cpuPerAward('gateway')}, ledger worker ${cpuPerAward('ledger-worker')}`,
  );
  if (refused.length > 0 || Number(stats.succeeded) !== AWARDS) {
    console.error(`refused: ${refused.length}, succeeded: ${stats.succeeded} of ${AWARDS}`, JSON.stringify(refused[0] ?? {}));
    process.exitCode = 1;
  }
});
