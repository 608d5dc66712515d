// Runs a TypeScript tool with the workspace's path aliases, after loading
// .env and .data/services.env (written by `npm run up`).
import { spawnSync } from 'node:child_process';
import { loadEnvFiles } from './lib/env-files.mjs';
import { ROOT } from './lib/paths.mjs';

loadEnvFiles(ROOT);
const [script, ...args] = process.argv.slice(2);
const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: 'inherit', env: process.env });
process.exit(result.status ?? 1);
