// `npm run down`: stops the apps started by `npm run up -- --detach`.
// Servers started under .data/ are left running; stop them with their own tools.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { DATA_DIR } from './lib/paths.mjs';

const pidFile = `${DATA_DIR}/apps.pid`;
if (!existsSync(pidFile)) {
  console.log('nothing to stop');
} else {
  for (const pid of readFileSync(pidFile, 'utf8').split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      // already gone
    }
  }
  rmSync(pidFile);
  console.log('stopped');
}
