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
  kill(): Promise<void>;
  restart(): Promise<void>;
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

/** `args` are extra server settings after the defaults (no persistence), e.g. ['--appendonly', 'yes']; later ones win. */
export async function startPrivateRedis(options: { args?: string[] } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  // Its own directory: a server with persistence on writes its files there, not in the working directory.
  const dir = mkdtempSync(join(tmpdir(), 'points-redis-'));
  let child: ChildProcess;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('Ready to accept connections') && resolve());
    });
    child.stdout?.resume();
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
    restart: start,
  };
}
