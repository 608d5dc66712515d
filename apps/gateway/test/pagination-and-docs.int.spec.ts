import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestUser, insertTenantWithStaff, insertUser } from '@points/testing';
import { toOpenApiPath } from '../src/openapi/api-router';
import { Stack, call, startStack, tokenFor } from './gateway-harness';

let stack: Stack;
let t: Awaited<ReturnType<typeof insertTenantWithStaff>>;
let admin: TestUser;

beforeAll(async () => {
  stack = await startStack();
  t = await insertTenantWithStaff(stack.db.orm.em);
  admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
});
afterAll(() => stack.stop());

it('walks a 250-row distribution history page by page with no gap or duplicate', async () => {
  const managerToken = await tokenFor(t.manager);
  await call(stack.base, 'POST', '/api/platform/allocations/allocate', {
    token: await tokenFor(admin),
    headers: { prefer: 'wait=10' },
    body: { tenantId: t.tenantId, amount: '1000', currency: 'USD', referenceNote: 'x' },
  });
  const accepted = await Promise.all(
    Array.from({ length: 250 }, (_, i) => call(stack.base, 'POST', '/api/allocations/award-points', { token: managerToken, body: { userId: t.employee.id, amount: `0.${String(i % 99 + 1).padStart(2, '0')}` } })),
  );
  expect(accepted.filter((r) => r.status !== 202).map((r) => [r.status, r.body])).toEqual([]);
  await waitForCount(250);

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = cursor ? `?limit=40&cursor=${cursor}` : '?limit=40';
    const page = await call(stack.base, 'GET', `/api/allocations/history/tenant${query}`, { token: managerToken });
    expect(page.status).toBe(200);
    seen.push(...page.body.items.map((item: { id: string }) => item.id));
    cursor = page.body.nextCursor;
    pages++;
  } while (cursor);

  expect(pages).toBe(7);
  expect(seen).toHaveLength(250);
  expect(new Set(seen).size).toBe(250);
  const [{ ids }] = await stack.db.orm.em.fork().execute<{ ids: string[] }[]>('SELECT array_agg(id::text ORDER BY created_at DESC, id DESC) AS ids FROM distribution_logs WHERE tenant_id = ?', [t.tenantId]);
  expect(seen).toEqual(ids);
});

it('the OpenAPI document lists every route the gateway mounts, and /docs renders it', async () => {
  const response = await call(stack.base, 'GET', '/openapi.json');
  expect(response.status).toBe(200);
  expect(response.body.openapi).toMatch(/^3\./);
  const documented = new Set(Object.entries(response.body.paths as Record<string, object>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
  const mounted = stack.gateway.routes.map((r) => `${r.method} ${toOpenApiPath(r.path)}`);

  expect(mounted.length).toBeGreaterThanOrEqual(19);
  expect(mounted.filter((route) => !documented.has(route))).toEqual([]);
  expect(documented).toEqual(new Set([...mounted, 'get /healthz', 'get /readyz']));
  const allocate = response.body.paths['/api/platform/allocations/allocate'].post;
  expect(Object.keys(allocate.requestBody.content['application/json'].schema.properties)).toEqual(['tenantId', 'amount', 'currency', 'referenceNote', 'invoiceNumber']);
  // A rejection answers with the status of its code (SPEC §4): an allocation is never short of balance, so no 422.
  expect(Object.keys(allocate.responses)).toEqual(expect.arrayContaining(['200', '202', '400', '401', '403', '404', '409']));
  expect(allocate.responses['422']).toBeUndefined();

  const docs = await fetch(`${stack.base}/docs/`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toContain('swagger-ui');
});

it("the OpenAPI document passes Redocly's recommended and Spectral's oas rulesets with no errors", async () => {
  const file = join(tmpdir(), `openapi-${process.pid}.json`);
  writeFileSync(file, JSON.stringify((await call(stack.base, 'GET', '/openapi.json')).body));
  const lint = spawnSync(process.execPath, ['tools/lint-openapi.mjs', file], { cwd: resolve(__dirname, '../../..'), encoding: 'utf8' });
  expect({ status: lint.status, output: lint.stdout + lint.stderr }).toEqual({ status: 0, output: expect.stringMatching(/^0 errors/m) });
}, 60_000);

it('documents each operation with its id and only the error codes it can answer with', async () => {
  const { body } = await call(stack.base, 'GET', '/openapi.json');
  const operations = Object.values(body.paths as Record<string, Record<string, { operationId?: string; responses: Record<string, unknown> }>>).flatMap((ops) => Object.values(ops));
  expect(operations.filter((op) => !op.operationId)).toEqual([]);
  const codes = (op: { responses: Record<string, { content?: Record<string, { schema: { properties: { error: { properties: { code: { enum: string[] } } } } } }> }> }, status: string) =>
    op.responses[status]?.content?.['application/json'].schema.properties.error.properties.code.enum;
  const award = body.paths['/api/allocations/award-points'].post;
  expect(codes(award, '422')).toEqual(['INSUFFICIENT_BALANCE', 'LIMIT_EXCEEDED', 'RECIPROCAL_LIMIT_EXCEEDED']);
  expect(codes(award, '404')).toEqual(['NOT_FOUND']);
  expect(codes(award, '403')).toEqual(['FORBIDDEN']);
  expect(codes(award, '409')).toEqual(['IDEMPOTENCY_KEY_REUSED']);
  expect(award.responses['200'].content['application/json'].schema.properties.type).toMatchObject({ enum: ['award'] });
  expect(codes(body.paths['/api/allocations/bulk-awards'].post, '409')).toEqual(['IDEMPOTENCY_KEY_REUSED']);
  expect(body.paths['/api/me'].get.responses['404']).toBeUndefined();
  expect(codes(body.paths['/api/commands/{commandId}'].get, '404')).toEqual(['NOT_FOUND']);
});

async function waitForCount(n: number) {
  for (let i = 0; i < 200; i++) {
    const [{ count }] = await stack.db.orm.em.fork().execute<{ count: string }[]>(
      "SELECT count(*)::text AS count FROM commands WHERE type = 'award' AND status NOT IN ('queued', 'processing')",
    );
    if (Number(count) >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('awards did not finish');
}
