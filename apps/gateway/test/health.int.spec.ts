import { Stack, call, startStack } from './gateway-harness';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ worker: false });
});
afterAll(() => stack.stop());

it('/healthz answers while the process is alive', async () => {
  const response = await call(stack.base, 'GET', '/healthz');
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ status: 'ok' });
});

it('/readyz is 200 when PostgreSQL, the migrations and Redis are all fine', async () => {
  const response = await call(stack.base, 'GET', '/readyz');
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ ready: true, checks: { postgres: { ok: true }, migrations: { ok: true }, redis: { ok: true } } });
});

it('answers an unknown path with the error model, and sends helmet headers and a request id', async () => {
  const response = await call(stack.base, 'GET', '/nope', { headers: { 'x-request-id': 'req-123' } });
  expect(response.status).toBe(404);
  expect(response.body).toEqual({ error: { code: 'NOT_FOUND', message: 'no such resource' } });
  expect(response.headers.get('x-request-id')).toBe('req-123');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('x-powered-by')).toBeNull();
});
