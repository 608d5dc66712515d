// The real system under test, all of it private to one chaos run: a PostgreSQL
// and a Redis server of its own (never the shared ones on 5432/6379), a
// migrated database, and TWO instances of each app as child processes this
// module starts, kills, pauses and restarts. An instance that dies without
// being told to is recorded and started again, as a supervisor would.
import { createWriteStream, rmSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { AppProcess, PrivatePostgres, PrivateRedis, TestDatabase, createTestDatabase, freePort, startAppProcess, startPrivatePostgres, startPrivateRedis } from '@points/testing';
import { Timeline } from './timeline';

export type AppKind = 'gateway' | 'ledger-worker' | 'notification-worker';
export const APP_KINDS: AppKind[] = ['gateway', 'ledger-worker', 'notification-worker'];
export const INSTANCES = 2;
export const JWT_SECRET = 'chaos-secret-0123456789abcdef-0123456789';
export const QUEUE_PREFIX = 'chaos';

const STARTED_LINE: Record<AppKind, string> = {
  gateway: 'gateway listening',
  'ledger-worker': 'ledger worker started',
  'notification-worker': 'notification worker started',
};

/** Settings that make recovery quick enough to watch within minutes (libs/config/src/config.ts). */
const APP_SETTINGS: Record<string, string> = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'info',
  COMMAND_SWEEP_INTERVAL_MS: '1000',
  COMMAND_STUCK_AFTER_MS: '5000',
  OUTBOX_RESEND_AFTER_MS: '5000',
  LEDGER_RETRY_MAX_DELAY_MS: '2000',
  RATE_LIMIT_PER_MINUTE: '1000000',
  LEDGER_CONCURRENCY: '8',
  DB_POOL_MAX: '5',
  BODY_LIMIT: '1mb',
  SCHEDULE_TICK_MS: '2000',
};

export class AppInstance {
  readonly name: string;
  private process: AppProcess | undefined;
  private expectingExit = false;
  private starting: Promise<void> | undefined;
  paused = false;

  constructor(
    readonly kind: AppKind,
    readonly index: number,
    private readonly env: Record<string, string>,
    private readonly logFile: WriteStream,
    private readonly timeline: Timeline,
    private readonly onUnexpectedExit: (app: AppInstance, how: string) => void,
  ) {
    this.name = `${kind}#${index}`;
  }

  get pid(): number | undefined {
    return this.running ? this.process?.child.pid : undefined;
  }

  get running(): boolean {
    const child = this.process?.child;
    return !!child && child.exitCode === null && child.signalCode === null;
  }

  /** Starts the app and waits until it says it started; retries while it cannot (e.g. PostgreSQL is down). */
  start(): Promise<void> {
    this.starting ??= this.startWithRetries().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startWithRetries(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const app = await startAppProcess(this.kind, this.env, STARTED_LINE[this.kind], 90_000);
        this.process = app;
        this.expectingExit = false;
        this.paused = false;
        app.child.stdout?.on('data', (chunk: Buffer) => this.logFile.write(chunk));
        app.child.stderr?.on('data', (chunk: Buffer) => this.logFile.write(chunk));
        app.child.once('exit', (code, signal) => {
          if (this.expectingExit || this.process !== app) return;
          this.onUnexpectedExit(this, signal ? `killed by ${signal}` : `exited with code ${code}`);
        });
        return;
      } catch (error) {
        this.logFile.write(`\n[chaos] start attempt ${attempt} failed: ${(error as Error).message}\n`);
        if (attempt >= 30) throw new Error(`${this.name} could not be started after ${attempt} attempts: ${(error as Error).message.slice(0, 2000)}`);
        this.timeline.note(`${this.name} did not start (attempt ${attempt}); retrying`);
        await sleep(2_000);
      }
    }
  }

  /** Sends a signal to kill the process and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const app = this.process;
    if (!app || !this.running) return;
    this.expectingExit = true;
    if (this.paused && signal !== 'SIGKILL') app.child.kill('SIGCONT');
    this.paused = false;
    await app.stop(signal);
  }

  /** SIGTERM (a graceful stop); SIGKILL if it has not exited in `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.process?.child.kill('SIGKILL'), graceMs);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }

  pause(): void {
    if (!this.running) return;
    this.process?.child.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    if (this.running && this.paused) this.process?.child.kill('SIGCONT');
    this.paused = false;
  }
}

export interface ChaosStack {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  db: TestDatabase;
  apps: AppInstance[];
  /** Base URLs of the gateways (they keep their port across restarts). */
  gatewayUrls: string[];
  runDir: string;
  unexpectedExits: { t: number; app: string; how: string }[];
  app(name: string): AppInstance;
  /** A short-lived client of the private Redis (FLUSHALL, CONFIG, queue lengths). */
  redisCommand<T>(use: (client: Redis) => Promise<T>): Promise<T>;
  /** Everything up and running again: paused apps resumed, stopped ones started. */
  heal(): Promise<void>;
  close(): Promise<void>;
}

export async function startChaosStack(options: { runDir: string; timeline: Timeline }): Promise<ChaosStack> {
  const { runDir, timeline } = options;
  const pg = await startPrivatePostgres();
  const unexpectedExits: ChaosStack['unexpectedExits'] = [];
  // A Redis death the nemesis did not cause is reported with the apps' (and healed, see heal).
  const redis = await startPrivateRedis({
    onUnexpectedExit: (error) => {
      timeline.note(error.message);
      unexpectedExits.push({ t: timeline.now(), app: 'redis', how: error.message });
    },
  });
  const logs: WriteStream[] = [];
  const apps: AppInstance[] = [];
  let closing = false;
  let db: TestDatabase | undefined;
  // Interrupted (Ctrl-C, a CI timeout): take the servers and apps down rather than leave them running.
  const onSignal = (signal: NodeJS.Signals) => {
    timeline.note(`${signal}: stopping the stack`);
    void close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const close = async () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (closing) return;
    closing = true;
    await Promise.all(apps.map((app) => app.stop().catch(() => undefined)));
    await db?.orm.close(true).catch(() => undefined);
    await redis.kill();
    rmSync(redis.dir, { recursive: true, force: true });
    await pg.destroy();
    await Promise.all(logs.map((log) => new Promise((resolve) => log.end(resolve))));
  };
  try {
    db = await createTestDatabase(5, pg.url);
    const common = { ...APP_SETTINGS, DATABASE_URL: db.url, REDIS_URL: redis.url, QUEUE_PREFIX, JWT_SECRET };
    const gatewayUrls: string[] = [];
    const onUnexpectedExit = (app: AppInstance, how: string) => {
      if (closing) return;
      unexpectedExits.push({ t: timeline.now(), app: app.name, how });
      timeline.note(`!! ${app.name} ${how} unexpectedly; restarting it`);
      void sleep(1_000).then(() => (closing ? undefined : app.start().catch((error: Error) => timeline.note(`!! ${app.name}: ${error.message}`))));
    };
    for (const kind of APP_KINDS) {
      for (let index = 1; index <= INSTANCES; index++) {
        const port = String(await freePort());
        const env: Record<string, string> = { ...common };
        if (kind === 'gateway') {
          env.PORT = port;
          gatewayUrls.push(`http://127.0.0.1:${port}`);
        } else env[kind === 'ledger-worker' ? 'LEDGER_WORKER_PORT' : 'NOTIFICATION_WORKER_PORT'] = port;
        const log = createWriteStream(join(runDir, `${kind}-${index}.log`), { flags: 'a' });
        logs.push(log);
        apps.push(new AppInstance(kind, index, env, log, timeline, onUnexpectedExit));
      }
    }
    // Two at a time: six apps booting at once on two cores time out.
    for (let i = 0; i < apps.length; i += 2) await Promise.all(apps.slice(i, i + 2).map((app) => app.start()));
    const redisCommand: ChaosStack['redisCommand'] = async (use) => {
      const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: () => null });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return await use(client);
      } finally {
        client.disconnect();
      }
    };
    return {
      pg,
      redis,
      db,
      apps,
      gatewayUrls,
      runDir,
      unexpectedExits,
      app: (name) => {
        const found = apps.find((app) => app.name === name);
        if (!found) throw new Error(`no app ${name}`);
        return found;
      },
      redisCommand,
      heal: async () => {
        if (redis.pid === undefined) await redis.restart();
        for (const app of apps) app.resume();
        await Promise.all(apps.map((app) => (app.running ? undefined : app.start())));
      },
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
