// `npm run chaos -- --seed N --minutes M [--clients K] [--keep-logs]`: the chaos
// suite against a private stack (see chaos.ts). Prints the seed, the faults with
// their times, the commands by type and outcome, and the verdict; exits 0 only
// when no invariant was violated. A failing seed replays the same faults.
import { parseArgs } from 'node:util';
import { runChaos } from './chaos';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      minutes: { type: 'string', default: '5' },
      clients: { type: 'string', default: '4' },
      'keep-logs': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run chaos -- --seed N --minutes M [--clients K] [--keep-logs]');
    return 0;
  }
  const seed = values.seed === undefined ? Math.floor(Math.random() * 1_000_000) : Number(values.seed);
  const minutes = Number(values.minutes);
  const clients = Number(values.clients);
  if (!Number.isInteger(seed) || !(minutes > 0) || !Number.isInteger(clients) || clients < 1) {
    console.error('--seed must be an integer, --minutes a positive number, --clients a positive integer');
    return 2;
  }
  const report = await runChaos({ seed, minutes, clients, keepLogs: values['keep-logs'] });
  console.log(report.text);
  return report.violations.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(3);
  },
);
