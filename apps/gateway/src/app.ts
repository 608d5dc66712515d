import express, { Express } from 'express';
import helmet from 'helmet';
import swaggerUi from 'swagger-ui-express';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { Logger } from '@points/config';
import { Orm } from '@points/db';
import { CommandQueues } from '@points/queue';
import { httpMetrics, migrationsCheck, postgresCheck, readinessProbe, redisCheck, registerQueueGauges } from '@points/ops';
import { adminSessionRoutes, requirePlatformAdmin } from './admin/admin-session';
import { DASHBOARD_PATH, queueDashboard } from './admin/queue-dashboard';
import { auditDashboardActions } from './admin/dashboard-audit';
import { recordHttpMetrics } from './http/http-metrics';
import { authenticate } from './auth/authenticate';
import { CommandService } from './commands/command-service';
import { errorHandler, notFound } from './http/errors';
import { perUserRateLimit } from './http/rate-limit';
import { requestLogging } from './http/request-logging';
import { bulkRoutes } from './bulk/bulk.routes';
import { ApiRouter } from './openapi/api-router';
import { createRegistry, generateDocument } from './openapi/document';
import { auditRoutes } from './routes/audit.routes';
import { commandStatusRoutes } from './commands/command-status.routes';
import { platformRoutes } from './routes/platform.routes';
import { socialRoutes } from './routes/social.routes';
import { tenantRoutes } from './routes/tenant.routes';
import { settingsRoutes } from './routes/settings.routes';
import { approvalsRoutes } from './routes/approvals.routes';
import { departmentsRoutes } from './routes/departments.routes';

export interface GatewayDeps {
  orm: Orm;
  /** Producer connection: fails fast, so a Redis outage is a 503, not a hang. */
  redis: Redis;
  /** Where accepted commands go, by the queue their catalog entry names. */
  queues: CommandQueues;
  /** Every other queue of the system, shown on the dashboard and in the queue gauges. */
  otherQueues: Queue[];
  metrics: Registry;
  logger: Logger;
  jwtSecret: string;
  /** `JWT_MAX_TTL_SECONDS`: bearer tokens whose `exp` is further away are refused (default 24 h). */
  jwtMaxTtlSeconds?: number;
  /** `TRUST_PROXY`: Express's `trust proxy` (default false). Set behind a TLS-terminating proxy so `req.secure` follows X-Forwarded-Proto. */
  trustProxy?: boolean | number | string;
  rateLimitPerMinute: number;
  bodyLimit: string;
  /** `BULK_MAX_PENDING_PER_TENANT`: a tenant's bulk awards waiting or running at once (429 beyond; default 5). */
  bulkMaxPendingPerTenant?: number;
}

export interface Gateway {
  app: Express;
  /** Every API route mounted, for the OpenAPI completeness test. */
  routes: { method: string; path: string }[];
  document: unknown;
  /** Flip readiness to 503 while draining for shutdown. */
  markShuttingDown(): void;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const app = express();
  let shuttingDown = false;
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  const authOptions = { maxTtlSeconds: deps.jwtMaxTtlSeconds };
  app.use(requestLogging(deps.logger));
  app.use(recordHttpMetrics(httpMetrics(deps.metrics)));
  const allQueues: Queue[] = [...Object.values(deps.queues), ...deps.otherQueues];
  // Without a listener BullMQ prints connection errors itself; readiness and 503s already report them.
  for (const queue of allQueues) queue.on('error', (err) => deps.logger.warn({ err: err.message, queue: queue.name }, 'queue connection problem'));
  registerQueueGauges(deps.metrics, allQueues);
  // TLS is terminated in front of the gateway; upgrading requests would break /docs on plain http.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // No body parser here: each API route reads its body after authentication and the rate limit (ApiRouter).

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });
  app.use(adminSessionRoutes(deps.orm, deps.jwtSecret, authOptions));
  app.use(DASHBOARD_PATH, requirePlatformAdmin(deps.orm, deps.jwtSecret, authOptions), ...auditDashboardActions(deps.orm, deps.logger), queueDashboard(allQueues));
  // Anonymous: says which check fails, never why (that goes to the log, once per outage).
  const readiness = readinessProbe({ postgres: postgresCheck(deps.orm), migrations: migrationsCheck(deps.orm), redis: redisCheck(deps.redis) }, deps.logger);
  app.get('/readyz', async (_req, res) => {
    const report = await readiness();
    if (shuttingDown) report.ready = false;
    res.status(report.ready ? 200 : 503).json(report);
  });

  const registry = createRegistry();
  const api = new ApiRouter(registry, authenticate(deps.orm, deps.jwtSecret, authOptions), [
    perUserRateLimit({ limitPerMinute: deps.rateLimitPerMinute, redis: deps.redis, keyPrefix: `${deps.queues.commands.opts.prefix ?? 'bull'}:rate-limit:`, logger: deps.logger }),
  ], deps.bodyLimit);
  const commands = new CommandService({ orm: deps.orm, redis: deps.redis, queues: deps.queues });
  platformRoutes(api, deps.orm, commands);
  tenantRoutes(api, deps.orm, commands);
  settingsRoutes(api, deps.orm, commands);
  approvalsRoutes(api, deps.orm, commands);
  departmentsRoutes(api, deps.orm, commands);
  socialRoutes(api, deps.orm);
  bulkRoutes(api, { orm: deps.orm, commands, maxPendingPerTenant: deps.bulkMaxPendingPerTenant ?? 5 });
  auditRoutes(api, deps.orm);
  commandStatusRoutes(api, commands);
  app.use(api.router);

  const document = generateDocument(registry);
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(document as swaggerUi.JsonObject, { customSiteTitle: 'Points platform API' }));

  app.use(notFound);
  app.use(errorHandler);
  return { app, routes: api.mounted, document, markShuttingDown: () => (shuttingDown = true) };
}
