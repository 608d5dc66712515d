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
  expect(Object.keys(allocate.responses)).toEqual(expect.arrayContaining(['200', '202', '400', '401', '403', '409', '422']));

  const docs = await fetch(`${stack.base}/docs/`);
  expect(docs.status).toBe(200);
  expect(await docs.text()).toContain('swagger-ui');
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
