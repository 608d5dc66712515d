import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CHROMIUM = '/usr/bin/chromium';

/**
 * The dashboard test drives Debian's Chromium (no browser download at run time).
 * Where it is missing and we may install packages (root with apt), install it;
 * otherwise say so: that one test is then skipped, loudly.
 */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  const canInstall = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (canInstall) {
    console.log('• installing Debian chromium for the dashboard browser test…');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  if (existsSync(CHROMIUM)) return true;
  console.warn(`! ${CHROMIUM} not found (install Debian's chromium): the headless dashboard test will be skipped`);
  return false;
}
