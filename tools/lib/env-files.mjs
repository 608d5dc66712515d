import { existsSync, readFileSync } from 'node:fs';

/**
 * Loads `.env` (the user's settings) and `.data/services.env` (what `npm run up`
 * found or started) into process.env, never overriding a variable already set.
 */
export function loadEnvFiles(root) {
  for (const file of ['.env', '.data/services.env']) {
    const path = `${root}/${file}`;
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
      if (match && process.env[match[1]] === undefined) process.env[match[1]] = match[2].replace(/^"(.*)"$/, '$1');
    }
  }
}
