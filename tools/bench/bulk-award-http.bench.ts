// `npm run bench`: a 100,000-row bulk award as a user sends it — a CSV POSTed
// to the real gateway, applied by the real ledger worker, followed through the
// status URL until it ends; once by userId, once by email.
import { runBench, seconds } from './bench-stack';

const ROWS = Number(process.env.BENCH_BULK_ROWS ?? 100_000);
const FINAL = ['succeeded', 'rejected', 'failed'];

runBench({ employees: ROWS }, async (stack) => {
  const csvOf = (column: 'userId' | 'email') =>
    [`${column},amount,description`, ...stack.employees.map((r, i) => `${column === 'userId' ? r.id : r.email},${(1 + (i % 100) / 100).toFixed(2)},`)].join('\n');
  const managerToken = await stack.tokenFor(stack.tenant.manager);
  for (const column of ['userId', 'email'] as const) {
    const csv = csvOf(column);
    const started = performance.now();
    const accepted = await stack.send('POST', '/api/allocations/bulk-awards?description=bench', managerToken, csv, { 'content-type': 'text/csv' });
    const acceptedMs = performance.now() - started;
    if (accepted.status !== 202) throw new Error(`upload refused: ${JSON.stringify(accepted)}`);

    // Poll as the CLI's progress bar does, noting when each phase is first seen.
    const firstSeen: Record<string, number> = {};
    let view = accepted.body;
    while (!FINAL.includes(String(view.status))) {
      await new Promise((r) => setTimeout(r, 50));
      view = (await stack.send('GET', String(accepted.body.statusUrl), managerToken)).body;
      firstSeen[String(view.status)] ??= performance.now() - started;
    }
    const doneMs = performance.now() - started;
    const applying = firstSeen.applying ?? acceptedMs;
    console.log(
      `bulk award over HTTP: ${ROWS} CSV rows by ${column} (${(csv.length / 1e6).toFixed(1)} MB) accepted (202) in ${seconds(acceptedMs)}; ` +
        `validated in ~${seconds(applying - acceptedMs)}, applied in ~${seconds(doneMs - applying)}; ${view.status} ${seconds(doneMs)} after the POST (target < 10 s)`,
    );
    if (view.status !== 'succeeded' || view.processed !== ROWS) {
      console.error(JSON.stringify(view).slice(0, 2000));
      process.exitCode = 1;
    }
  }
});
