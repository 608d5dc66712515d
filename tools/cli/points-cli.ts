import { runCli } from './program';

/** `npm run cli -- <sub-command> [options]`; `npm run cli -- --help` lists them all. */
void runCli(process.argv.slice(2)).then((code) => process.exit(code));
