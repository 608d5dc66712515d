import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../..');

export interface AppProcess {
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts one of the apps as a real child process (as `npm run up` does) and
 * resolves once its log says it started. Tests use it to run the real stack
 * without one app importing another.
 */
export async function startAppProcess(app: 'gateway' | 'ledger-worker' | 'notification-worker', env: Record<string, string>, startedLine: string, timeoutMs = 30_000): Promise<AppProcess> {
  // PROFILE_DIR=<dir>: each app writes CPU profiles to <dir>/<app> when it exits (open them in Chrome DevTools).
  const profile = process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}/${app}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', `apps/${app}/src/main.ts`], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((done, fail) => {
    // A child that never says it started is killed, so the test fails instead of hanging on it.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${app} did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      if (output.includes(startedLine)) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${app} exited with ${code}:\n${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    child,
    stop: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill(signal);
      }),
  };
}
