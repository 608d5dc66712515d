import { z } from 'zod';

/**
 * The JWT secret used when `JWT_SECRET` is not set: development and tests only.
 * It is public (it is in this file, `.env.example` and `docker-compose.yml`), so
 * `loadConfig` refuses it, and every other published secret, in production.
 */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-never-use-in-production';

/**
 * Secrets that have been published with the project (defaults and examples, current
 * and past): anyone can sign tokens with them, so production refuses them. The
 * config unit test checks that the values in `.env.example` and `docker-compose.yml`
 * are refused too.
 */
const PUBLIC_JWT_SECRETS: ReadonlySet<string> = new Set([DEV_JWT_SECRET, 'dev-only-secret-change-me-please']);

/** Shortest JWT secret production accepts, in bytes (RFC 7518 §3.2: at least the hash size for HS256). */
export const MIN_PRODUCTION_JWT_SECRET_BYTES = 32;

/**
 * `TRUST_PROXY`, as Express's `trust proxy` setting: `false` (default: the gateway
 * is reached directly), `true` (trust every proxy: only when nothing can reach the
 * gateway except through the proxy), a hop count, or a comma-separated list of the
 * proxies' addresses/subnets (`loopback`, `10.0.0.0/8`, …).
 */
const TrustProxy = z
  .string()
  .trim()
  .transform((value): boolean | number | string => {
    const lower = value.toLowerCase();
    if (lower === '' || lower === 'false') return false;
    if (lower === 'true') return true;
    if (/^\d+$/.test(value)) return Number(value);
    return value;
  });

/**
 * All configuration comes from the environment; every variable has a default
 * that works on a developer machine, documented in `.env.example`.
 */
const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/points'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Start in production although Redis may evict queue keys or has no persistence (checked at start; see docs/OPERATIONS.md). */
  REDIS_ALLOW_UNSAFE: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  QUEUE_PREFIX: z.string().min(1).default('points'),
  JWT_SECRET: z.string().min(16).default(DEV_JWT_SECRET),
  /** Longest bearer-token lifetime the gateway accepts: a token whose `exp` is further away is refused. */
  JWT_MAX_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
  TRUST_PROXY: TrustProxy.default(false),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LEDGER_WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(9101),
  NOTIFICATION_WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(9102),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEDGER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /** Attempts for a command that fails for a reason other than an outage (a defect); an outage is waited out. */
  LEDGER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  /** The longest wait between two attempts while PostgreSQL or Redis is away. */
  LEDGER_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(100).default(30_000),
  COMMAND_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  COMMAND_STUCK_AFTER_MS: z.coerce.number().int().min(100).default(60_000),
  /** How often a sweep walks every accepted command instead of starting at its horizon (the safety net). */
  COMMAND_FULL_SWEEP_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  /** How often the ledger worker looks for recurring allocations due (a calendar period come, a top-up's pool low). */
  SCHEDULE_TICK_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** How often the ledger worker expires matured wallet points (lots expire at month boundaries in each tenant's zone). */
  EXPIRY_TICK_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  BODY_LIMIT: z.string().default('100kb'),
  /** A tenant's bulk awards waiting or running at once; another is refused with 429 until one finishes. */
  BULK_MAX_PENDING_PER_TENANT: z.coerce.number().int().min(1).max(1000).default(5),
  /** Days the uploaded rows of a finished bulk award are kept (its journals, totals and row errors stay). */
  BULK_ROWS_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  NOTIFICATION_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(64),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(200),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  /** An event handed to the queue this long ago and still undelivered is looked at again (its job may be lost). */
  OUTBOX_RESEND_AFTER_MS: z.coerce.number().int().min(100).default(60_000),
  /** How often the relay also looks behind its horizon for events without an outcome (the safety net for events the horizon cannot see). */
  OUTBOX_FULL_SCAN_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  LOW_POOL_THRESHOLD: z.string().regex(/^\d{1,13}(\.\d{1,2})?$/).default('1000.00'),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
});

export type Config = z.infer<typeof EnvSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  if (parsed.data.NODE_ENV === 'production') {
    const problem = productionJwtSecretProblem(env.JWT_SECRET);
    if (problem) throw new Error(`invalid configuration:\n  JWT_SECRET ${problem} in production; set it to a random secret, e.g. the output of \`openssl rand -base64 48\``);
  }
  return parsed.data;
}

/** Why `secret` may not sign production tokens, or null when it may. */
function productionJwtSecretProblem(secret: string | undefined): string | null {
  if (secret === undefined || secret === '') return 'must be set';
  if (PUBLIC_JWT_SECRETS.has(secret.trim())) return 'is a published development value (from the code, .env.example or docker-compose.yml) and must not be used';
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_PRODUCTION_JWT_SECRET_BYTES) return `is ${bytes} bytes long; it must be at least ${MIN_PRODUCTION_JWT_SECRET_BYTES} bytes`;
  return null;
}
