// The nemesis: a fault schedule drawn from the seed (so a failing seed replays
// the same faults at the same times), and the code that inflicts each fault on
// the stack and undoes it. Two lanes run side by side:
//  - pauses: SIGSTOP a worker for longer than its BullMQ lock (30 s) so another
//    worker takes its jobs over as stalled (the job is delivered twice), then
//    SIGCONT, letting the paused one finish what it held;
//  - everything else, one at a time, from a shuffled deck so every kind comes up
//    in each round: SIGKILL an app instance (then restart it), restart Redis
//    with persistence (nothing lost) or without (everything lost), FLUSHALL
//    Redis, stop PostgreSQL (immediately, as a crash) and start it again.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '@points/testing';
import { AppKind, ChaosStack, INSTANCES, QUEUE_PREFIX, sleep } from './stack';
import { Timeline } from './timeline';

export type Fault =
  | { kind: 'kill'; app: string; downMs: number }
  | { kind: 'pause'; app: string; ms: number }
  | { kind: 'redis-restart'; persistent: boolean; downMs: number }
  | { kind: 'redis-flushall' }
  | { kind: 'pg-restart'; downMs: number };

export interface PlannedFault {
  atMs: number;
  fault: Fault;
}

export interface InflictedFault {
  plannedAt: number;
  /** Seconds since the run started, when it began and when the system was whole again. */
  startedAt: number;
  endedAt: number;
  description: string;
}

type Deal = (rng: () => number, pausedApp: string | undefined) => Fault;
const instance = (rng: () => number, kind: AppKind, avoid: string | undefined) => {
  const index = 1 + Math.floor(rng() * INSTANCES);
  const name = `${kind}#${index}`;
  return name === avoid ? `${kind}#${(index % INSTANCES) + 1}` : name;
};
const between = (rng: () => number, min: number, max: number) => Math.round(min + rng() * (max - min));

const DECK: Deal[] = [
  (rng, paused) => ({ kind: 'kill', app: instance(rng, 'gateway', paused), downMs: between(rng, 200, 2_000) }),
  (rng, paused) => ({ kind: 'kill', app: instance(rng, 'ledger-worker', paused), downMs: between(rng, 200, 2_000) }),
  (rng, paused) => ({ kind: 'kill', app: instance(rng, 'notification-worker', paused), downMs: between(rng, 200, 2_000) }),
  (rng) => ({ kind: 'redis-restart', persistent: true, downMs: between(rng, 200, 3_000) }),
  (rng) => ({ kind: 'redis-restart', persistent: false, downMs: between(rng, 200, 3_000) }),
  () => ({ kind: 'redis-flushall' }),
  (rng) => ({ kind: 'pg-restart', downMs: between(rng, 1_000, 6_000) }),
];

/** Longest and shortest pause: past the 30 s BullMQ lock, and up to a stalled-job check (every 30 s) after it expired. */
const PAUSE_MS = { min: 40_000, max: 55_000 };

/** The whole schedule of a run, from its seed alone. */
export function planFaults(seed: number, durationMs: number): PlannedFault[] {
  const rng = seededRandom(seed);
  const pauses: PlannedFault[] = [];
  let t = between(rng, 2_000, 6_000);
  for (let n = 0; ; n++) {
    const room = durationMs - 2_000 - t;
    if (room < PAUSE_MS.min - 2_000) break;
    const ms = Math.min(between(rng, PAUSE_MS.min, PAUSE_MS.max), room);
    // The ledger worker first: its jobs are the commands.
    pauses.push({ atMs: t, fault: { kind: 'pause', app: instance(rng, n % 2 === 0 ? 'ledger-worker' : 'notification-worker', undefined), ms } });
    t += ms + between(rng, 10_000, 40_000);
  }
  const pausedAt = (ms: number) => {
    const pause = pauses.find((p) => p.fault.kind === 'pause' && ms >= p.atMs - 1_000 && ms <= p.atMs + p.fault.ms + 15_000);
    return pause?.fault.kind === 'pause' ? pause.fault.app : undefined;
  };
  const others: PlannedFault[] = [];
  let deck: Deal[] = [];
  for (let at = between(rng, 3_000, 6_000); at < durationMs - 3_000; at += between(rng, 3_000, 8_000)) {
    if (deck.length === 0) deck = [...DECK].sort(() => rng() - 0.5);
    const deal = deck.shift() as Deal;
    others.push({ atMs: at, fault: deal(rng, pausedAt(at)) });
  }
  return [...pauses, ...others].sort((a, b) => a.atMs - b.atMs);
}

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'kill':
      return `SIGKILL ${fault.app}, restart after ${fault.downMs} ms`;
    case 'pause':
      return `SIGSTOP ${fault.app} for ${fault.ms} ms, then SIGCONT`;
    case 'redis-restart':
      return `restart Redis ${fault.persistent ? 'WITH persistence (AOF: keeps its data)' : 'WITHOUT persistence (loses everything)'}, down ${fault.downMs} ms`;
    case 'redis-flushall':
      return 'FLUSHALL Redis';
    case 'pg-restart':
      return `stop PostgreSQL (immediate), start it after ${fault.downMs} ms`;
  }
}

export interface Nemesis {
  /** Waits for the faults in progress to end (nothing new starts), then leaves every server and app running. */
  stop(): Promise<InflictedFault[]>;
}

export function startNemesis(stack: ChaosStack, plan: PlannedFault[], timeline: Timeline): Nemesis {
  const inflicted: InflictedFault[] = [];
  const startedAt = timeline.startedAt;
  let stopping = false;
  const wakers = new Set<() => void>();
  let redisPersistent = false;

  const waitUntil = (ms: number) =>
    new Promise<void>((resolve) => {
      const delay = startedAt + ms - Date.now();
      if (delay <= 0 || stopping) return resolve();
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, delay);
      wakers.add(wake);
    });

  const record = async (planned: PlannedFault, run: () => Promise<string | void>) => {
    const description = describeFault(planned.fault);
    const begin = timeline.now();
    timeline.note(`fault: ${description}`);
    let outcome: string | void;
    try {
      outcome = await run();
    } catch (error) {
      outcome = `FAILED TO INFLICT: ${(error as Error).message}`;
    }
    const end = timeline.now();
    inflicted.push({ plannedAt: planned.atMs / 1000, startedAt: begin, endedAt: end, description: outcome ? `${description} (${outcome})` : description });
    timeline.note(`healed: ${description}${outcome ? ` — ${outcome}` : ''}`);
  };

  const activeJobs = (app: string) =>
    stack
      .redisCommand(async (redis) => {
        const queues = app.startsWith('ledger') ? ['commands', 'bulk-awards'] : ['notifications'];
        const lengths = await Promise.all(queues.map((queue) => redis.llen(`${QUEUE_PREFIX}:${queue}:active`)));
        return lengths.reduce((a, b) => a + b, 0);
      })
      .catch(() => 0);

  const pause = async (fault: Extract<Fault, { kind: 'pause' }>): Promise<string> => {
    const app = stack.app(fault.app);
    // Catch it with jobs in hand: a second after the SIGSTOP the other instance has finished its own, so the jobs still active are this one's.
    let held = 0;
    let begin = Date.now();
    for (let attempt = 1; attempt <= 15; attempt++) {
      begin = Date.now();
      app.pause();
      await sleep(1_000);
      held = await activeJobs(fault.app);
      if (held > 0 || attempt === 15) break;
      app.resume();
      await sleep(500);
    }
    // Measured from the SIGSTOP that stuck; it runs to its end even once the other faults have stopped.
    await sleep(Math.max(0, begin + fault.ms - Date.now()));
    app.resume();
    return held > 0 ? `paused holding ${held} active job(s)` : 'paused with no job in hand';
  };

  const restartRedis = async (fault: Extract<Fault, { kind: 'redis-restart' }>): Promise<string> => {
    let note = '';
    if (fault.persistent && !redisPersistent) {
      // Turn the AOF on and wait for it to hold the whole dataset, so the crash below loses nothing.
      await stack.redisCommand(async (redis) => {
        await redis.config('SET', 'appendonly', 'yes');
        for (let i = 0; i < 100; i++) {
          const info = await redis.info('persistence');
          if (/aof_enabled:1/.test(info) && /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
          await sleep(100);
        }
        throw new Error('the AOF rewrite did not finish');
      });
      note = 'AOF turned on first';
    }
    await stack.redis.kill();
    if (!fault.persistent) {
      // No persistence: nothing survives, not even an older AOF.
      for (const file of ['appendonlydir', 'dump.rdb']) if (existsSync(join(stack.redis.dir, file))) rmSync(join(stack.redis.dir, file), { recursive: true, force: true });
    }
    await sleep(fault.downMs);
    await stack.redis.restart({ args: ['--appendonly', fault.persistent ? 'yes' : 'no'] });
    redisPersistent = fault.persistent;
    return note;
  };

  const inflict = async (planned: PlannedFault) => {
    const { fault } = planned;
    switch (fault.kind) {
      case 'kill':
        return record(planned, async () => {
          const app = stack.app(fault.app);
          if (!app.running) return 'it was not running';
          await app.kill('SIGKILL');
          await sleep(fault.downMs);
          await app.start();
        });
      case 'pause':
        return record(planned, () => pause(fault));
      case 'redis-restart':
        return record(planned, () => restartRedis(fault));
      case 'redis-flushall':
        return record(planned, () => stack.redisCommand((redis) => redis.flushall()).then(() => undefined));
      case 'pg-restart':
        return record(planned, async () => {
          await stack.pg.stop();
          await sleep(fault.downMs);
          await stack.pg.start();
        });
    }
  };

  const lane = async (faults: PlannedFault[]) => {
    for (const planned of faults) {
      await waitUntil(planned.atMs);
      if (stopping) return;
      await inflict(planned);
    }
  };
  const lanes = Promise.all([lane(plan.filter((p) => p.fault.kind === 'pause')), lane(plan.filter((p) => p.fault.kind !== 'pause'))]);

  return {
    async stop() {
      stopping = true;
      for (const wake of [...wakers]) wake();
      await lanes;
      return inflicted.sort((a, b) => a.startedAt - b.startedAt);
    },
  };
}
