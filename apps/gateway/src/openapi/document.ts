import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { HealthView, ReadinessView } from '@points/contracts';

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const [path, summary, schema] of [
    ['/healthz', 'Liveness: the process is up', HealthView],
    ['/readyz', 'Readiness: PostgreSQL, migrations and Redis', ReadinessView],
  ] as const) {
    registry.registerPath({
      method: 'get',
      path,
      summary,
      tags: ['operations'],
      responses: { 200: { description: 'OK', content: { 'application/json': { schema } } }, 503: { description: 'Not ready' } },
    });
  }
  return registry;
}

export function generateDocument(registry: OpenAPIRegistry): unknown {
  return new OpenApiGeneratorV3(registry.definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Points allocation platform',
      version: '0.1.0',
      description:
        'State-changing calls are commands: they answer 202 with a statusUrl; send `Prefer: wait=N` (N ≤ 30) to wait for the outcome, ' +
        'and `Idempotency-Key` to make retries safe. Amounts are decimal strings with at most 2 places.',
    },
  });
}
