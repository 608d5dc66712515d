import express, { Express } from 'express';
import { Redis } from 'ioredis';
import { Orm } from '@points/db';
import { checkReadiness, migrationsCheck, postgresCheck, redisCheck } from '@points/ops';

export interface GatewayDeps {
  orm: Orm;
  redis: Redis;
}

export function createApp(deps: GatewayDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await checkReadiness({
      postgres: postgresCheck(deps.orm),
      migrations: migrationsCheck(deps.orm),
      redis: redisCheck(deps.redis),
    });
    res.status(report.ready ? 200 : 503).json(report);
  });
  return app;
}
