import { z } from 'zod';

/**
 * All configuration comes from the environment; every variable has a default
 * that works on a developer machine, documented in `.env.example`.
 */
const EnvSchema = z.object({
  NODE_ENV: z.string().default('development'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/points'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().min(1).default('points'),
  JWT_SECRET: z.string().min(16).default('dev-only-secret-change-me-please'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LEDGER_WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(9101),
  NOTIFICATION_WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(9102),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEDGER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  LEDGER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  COMMAND_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(15_000),
  COMMAND_STUCK_AFTER_MS: z.coerce.number().int().min(100).default(60_000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  BODY_LIMIT: z.string().default('100kb'),
  NOTIFICATION_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(200),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
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
  if (parsed.data.NODE_ENV === 'production' && env.JWT_SECRET === undefined) {
    throw new Error('invalid configuration:\n  JWT_SECRET must be set in production');
  }
  return parsed.data;
}
