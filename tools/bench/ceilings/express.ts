// Ceiling H, bare Express 5: express-server.ts in a child process, loaded with
// the E2E runs' load generator, connections and rotation of bodies and tokens.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { LoadRequest, LoadResult, runLoad } from '../load';

const ROOT = resolve(__dirname, '../../..');
const PATH = '/api/allocations/award-points';

export async function expressCeiling(options: { connections: number; seconds: number; rotation: LoadRequest[] }): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tools/bench/ceilings/express-server.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((done, fail) => {
      let output = '';
      const timer = setTimeout(() => fail(new Error(`bare Express did not start:\n${output}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          done(Number(match[1]));
        }
      });
      child.once('exit', (code) => fail(new Error(`bare Express exited with ${code}:\n${output}`)));
    });
    return await runLoad({ url: `http://127.0.0.1:${port}`, path: PATH, ...options });
  } finally {
    await new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  }
}
