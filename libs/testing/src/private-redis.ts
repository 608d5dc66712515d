import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Redis server of the test's own, on a free port, for fault tests: stopping it
 * never touches the shared server other tests and developers use.
 */
export interface PrivateRedis {
  url: string;
  port: number;
  /** The server's working directory (where a server with persistence on keeps its files). */
  dir: string;
  /** The running server's process id (undefined while it is down). */
  readonly pid: number | undefined;
  kill(): Promise<void>;
  /**
   * Starts the server again on the same port and directory. With `args`, those
   * replace the extra settings given at start, for this start and later ones
   * (e.g. restart with ['--appendonly', 'yes'], then with ['--appendonly', 'no']).
   */
  restart(options?: { args?: string[] }): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateRedisOptions {
  /** Extra server settings after the defaults (no persistence), e.g. ['--appendonly', 'yes']; later ones win. */
  args?: string[];
  /**
   * Called when the server dies without kill() (a crash, an OOM kill). By default
   * the error is thrown, uncaught, so the running test fails at once instead of
   * hanging on a Redis that will not come back.
   */
  onUnexpectedExit?: (error: Error) => void;
}

export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort();
  // Its own directory: a server with persistence on writes its files there, not in the working directory.
  const dir = mkdtempSync(join(tmpdir(), 'points-redis-'));
  let args = options.args ?? [];
  let child: ChildProcess | undefined;
  const killing = new WeakSet<ChildProcess>();
  const died =
    options.onUnexpectedExit ??
    ((error: Error) => {
      throw error;
    });
  const start = async () => {
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = server;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)));
      server.stdout?.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-10_000);
        if (output.includes('Ready to accept connections')) resolve();
      });
    });
    server.removeAllListeners('exit');
    server.once('exit', (code, signal) => {
      if (!killing.has(server)) died(new Error(`private redis-server on port ${port} died unexpectedly (code ${code}, signal ${signal})`));
    });
    server.stdout?.resume();
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    kill: () =>
      new Promise((resolve) => {
        const server = child;
        if (!server || server.exitCode !== null || server.signalCode !== null) return resolve();
        killing.add(server);
        server.once('exit', () => resolve());
        server.kill('SIGKILL');
      }),
    restart: (restartOptions = {}) => {
      if (restartOptions.args) args = restartOptions.args;
      return start();
    },
  };
}
