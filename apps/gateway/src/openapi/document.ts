import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { HealthView, ReadinessView } from '@points/contracts';
import { jsonResponse } from './responses';

/** Every tag an operation uses, described once. */
const TAGS = [
  { name: 'platform', description: 'Platform admins: tenants, allocations and clawbacks, billing and the accounting check' },
  { name: 'users', description: "A tenant's people, and the caller" },
  { name: 'allocations', description: 'The tenant pool, delegations to leads, awards and bulk awards, and their history' },
  { name: 'recognitions', description: 'Public thanks in the feed, with or without points' },
  { name: 'feed', description: "The tenant's social feed" },
  { name: 'wallets', description: "The caller's wallet history" },
  { name: 'commands', description: 'The status and outcome of any accepted command' },
  { name: 'audit', description: 'The audit trail of every state change' },
  { name: 'operations', description: 'Liveness and readiness, for operators (no authentication)' },
];

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  const operations = { description: 'For load balancers and orchestrators; no authentication.', tags: ['operations'], security: [] };
  registry.registerPath({ method: 'get', path: '/healthz', operationId: 'getLiveness', summary: 'Liveness: the process is up', ...operations, responses: { 200: jsonResponse('Alive', HealthView) } });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: PostgreSQL, migrations and Redis',
    ...operations,
    responses: { 200: jsonResponse('Ready', ReadinessView), 503: jsonResponse('Not ready: the check that fails says which dependency (its error is in the log)', ReadinessView) },
  });
  return registry;
}

export function generateDocument(registry: OpenAPIRegistry): unknown {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Points allocation platform',
      version: '0.1.0',
      license: { name: 'UNLICENSED (proprietary)', identifier: 'LicenseRef-Proprietary' },
      contact: { name: 'Points platform team' },
      description:
        'State-changing calls are commands: they answer 202 with a statusUrl; send `Prefer: wait=N` (N ≤ 30) to wait for the outcome, ' +
        'and `Idempotency-Key` to make retries safe. Amounts are decimal strings with at most 2 places. ' +
        'Errors always look like `{"error":{"code","message","details"}}`; each operation lists the codes it can answer with.',
    },
    servers: [{ url: '/', description: 'this gateway' }],
    tags: TAGS,
  });
}
