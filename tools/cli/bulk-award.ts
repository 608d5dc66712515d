import { runCli } from './program';

/** `npm run bulk-award -- --file awards.csv`: kept as a short name for `npm run cli -- bulk-award`. */
void runCli(['bulk-award', ...process.argv.slice(2)]).then((code) => process.exit(code));
