import { runChaos } from './chaos';

/**
 * The chaos suite's short run, part of `npm test`: the real stack (two of each
 * app, a private PostgreSQL and Redis) under a fixed seed's faults for a minute —
 * SIGKILLs, a SIGSTOP past the BullMQ lock, Redis restarts with and without
 * persistence and a FLUSHALL, a PostgreSQL restart — then every invariant of
 * SPEC §3 checked once idle. `npm run chaos -- --seed N --minutes M` runs longer.
 */
const SEED = 20261124;

it(
  `seed ${SEED}: a minute of faults under load breaks no invariant`,
  async () => {
    const report = await runChaos({ seed: SEED, minutes: 1, idleTimeoutMs: 75_000, print: (line) => process.stdout.write(`${line}\n`) });
    process.stdout.write(`${report.text}\n`);
    // Every kind of fault came up.
    const kinds = ['SIGKILL gateway', 'SIGKILL ledger-worker', 'SIGKILL notification-worker', 'SIGSTOP', 'WITH persistence', 'WITHOUT persistence', 'FLUSHALL', 'stop PostgreSQL'];
    for (const kind of kinds) expect(report.faults.some((f) => f.description.includes(kind))).toBe(true);
    expect(report.workload.acked.length).toBeGreaterThan(100);
    expect(report.violations).toEqual([]);
  },
  180_000,
);
