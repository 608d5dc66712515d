import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import pino from 'pino';
import { API_AUDIENCE } from '@points/auth';
import { readinessProbe } from '@points/ops';
import { PrivateRedis, TestUser, insertTenantWithStaff, insertUser, startPrivateRedis } from '@points/testing';
import { JWT_SECRET, Stack, call, startStack, tokenFor } from './gateway-harness';

const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token signed with `secret` (HS256 unless told), with exactly the claims given: nothing added. */
function sign(claims: Record<string, unknown>, options: { secret?: string; alg?: string } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
}

const claimsOf = (user: TestUser) => ({ sub: user.id, role: user.role, ...(user.tenantId ? { tenantId: user.tenantId } : {}) });

/** Signs in to the queue dashboard with an API token; returns the session cookie's JWT and the Set-Cookie header. */
async function dashboardLogin(base: string, token: string, headers: Record<string, string> = {}) {
  const login = await fetch(`${base}/admin/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token }).toString(),
  });
  expect(login.status).toBe(303);
  const setCookie = login.headers.get('set-cookie') ?? '';
  const session = /^points_admin_session=([^;]+)/.exec(setCookie)?.[1] ?? '';
  expect(session).not.toBe('');
  return { session: decodeURIComponent(session), setCookie };
}

const expect401 = (response: Awaited<ReturnType<typeof call>>) => {
  expect(response.status).toBe(401);
  expect(response.body.error.code).toBe('UNAUTHENTICATED');
};

describe('bearer tokens', () => {
  let stack: Stack;
  let manager: TestUser;
  let admin: TestUser;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
    manager = (await insertTenantWithStaff(stack.db.orm.em)).manager;
    admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  });
  afterAll(() => stack.stop());

  const me = (token: string) => call(stack.base, 'GET', '/api/me', { token });

  it('accepts a well-formed HS256 token, with the API audience or none, up to the 24 h maximum lifetime (control)', async () => {
    expect((await me(await tokenFor(manager))).status).toBe(200);
    expect((await me(await sign({ ...claimsOf(manager), exp: now() + 600 }))).status).toBe(200);
    expect((await me(await sign({ ...claimsOf(manager), aud: API_AUDIENCE, exp: now() + 600 }))).status).toBe(200);
    // `npm run up` prints a demo token of exactly 24 h.
    expect((await me(await tokenFor(manager, 86_400))).status).toBe(200);
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claimsOf(manager), exp: now() + 600 })}.`;
    expect401(await me(token));
  });

  it('refuses a token signed with HS512, even with the right secret', async () => {
    expect401(await me(await sign({ ...claimsOf(manager), exp: now() + 600 }, { alg: 'HS512' })));
  });

  it('refuses a token signed with another secret', async () => {
    expect401(await me(await sign({ ...claimsOf(manager), exp: now() + 600 }, { secret: 'another-secret-0123456789abcdef-0123456789' })));
  });

  it('refuses a token without exp', async () => {
    expect401(await me(await sign(claimsOf(manager))));
  });

  it('refuses a token whose exp is further away than JWT_MAX_TTL_SECONDS (24 h by default)', async () => {
    expect401(await me(await tokenFor(manager, 86_400 + 3600)));
    expect401(await me(await sign({ ...claimsOf(manager), exp: now() + 10 * 365 * 86_400 })));
  });

  it('refuses an expired token', async () => {
    const response = await me(await tokenFor(manager, -60));
    expect401(response);
    expect(response.body.error.message).toMatch(/expired/);
  });

  it('refuses a token that is not valid yet (nbf in the future)', async () => {
    const response = await me(await sign({ ...claimsOf(manager), nbf: now() + 600, exp: now() + 1200 }));
    expect401(response);
    expect(response.body.error.message).toMatch(/not valid yet/);
  });

  it("refuses the dashboard session cookie's JWT as a bearer token, on the API and on the dashboard", async () => {
    const { session } = await dashboardLogin(stack.base, await tokenFor(admin));
    // The session is good as a cookie…
    expect((await fetch(`${stack.base}/admin/queues/api/queues`, { headers: { cookie: `points_admin_session=${session}` } })).status).toBe(200);
    // …but not as a bearer token.
    expect401(await me(session));
    expect401(await call(stack.base, 'GET', '/api/platform/tenants', { token: session }));
    expect401(await call(stack.base, 'GET', '/admin/queues/api/queues', { token: session }));
    // Nor any other audience.
    expect401(await me(await sign({ ...claimsOf(admin), aud: 'points-admin-dashboard', exp: now() + 600 })));
    expect401(await me(await sign({ ...claimsOf(admin), aud: [API_AUDIENCE, 'points-admin-dashboard'], exp: now() + 600 })));
  });

  it('refuses an API token as the dashboard session cookie', async () => {
    const token = await tokenFor(admin);
    // The token is good as a bearer token…
    expect((await call(stack.base, 'GET', '/admin/queues/api/queues', { token })).status).toBe(200);
    // …but not as the cookie, with the API audience or with none.
    for (const cookie of [token, await sign({ ...claimsOf(admin), exp: now() + 600 })]) {
      const response = await call(stack.base, 'GET', '/admin/queues/api/queues', { headers: { cookie: `points_admin_session=${cookie}`, accept: 'application/json' } });
      expect401(response);
    }
  });

  it('answers a malformed session cookie (bad percent-encoding) with 401, not 500', async () => {
    for (const value of ['%E0%A4%A', '%', '%zz', 'a%E0%A4%Ab.c%']) {
      const response = await call(stack.base, 'GET', '/admin/queues/api/queues', { headers: { cookie: `points_admin_session=${value}`, accept: 'application/json' } });
      expect({ value, status: response.status }).toEqual({ value, status: 401 });
      expect(response.body.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('without TRUST_PROXY, X-Forwarded-Proto is ignored: plain http gets no Secure cookie', async () => {
    const { setCookie } = await dashboardLogin(stack.base, await tokenFor(admin), { 'x-forwarded-proto': 'https' });
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).not.toMatch(/;\s*Secure/i);
  });
});

describe('behind a TLS-terminating proxy (TRUST_PROXY)', () => {
  let stack: Stack;
  let admin: TestUser;
  beforeAll(async () => {
    stack = await startStack({ worker: false, trustProxy: 'loopback' });
    admin = await insertUser(stack.db.orm.em, 'platform_admin', null);
  });
  afterAll(() => stack.stop());

  it('marks the dashboard cookie Secure when the proxy says X-Forwarded-Proto: https', async () => {
    const { setCookie, session } = await dashboardLogin(stack.base, await tokenFor(admin), { 'x-forwarded-proto': 'https' });
    expect(setCookie).toMatch(/points_admin_session=.+; Max-Age=1800; Path=\/admin;.*HttpOnly;.*Secure/);
    expect((await fetch(`${stack.base}/admin/queues/api/queues`, { headers: { cookie: `points_admin_session=${session}` } })).status).toBe(200);
    // The same proxy forwarding plain http: no Secure (the browser would drop the cookie).
    const plain = await dashboardLogin(stack.base, await tokenFor(admin), { 'x-forwarded-proto': 'http' });
    expect(plain.setCookie).not.toMatch(/;\s*Secure/i);
  });
});

describe('/readyz with Redis down', () => {
  let redis: PrivateRedis;
  let stack: Stack;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    stack = await startStack({ worker: false, redisUrl: redis.url });
  });
  let killed = false;
  afterAll(async () => {
    // The stack's clean-up talks to Redis: bring it back first.
    if (killed) await redis.restart();
    await stack.stop();
    await redis.kill();
  });

  it('names the failing check but gives no error text', async () => {
    expect((await call(stack.base, 'GET', '/readyz')).status).toBe(200);
    await redis.kill();
    killed = true;
    let response = await call(stack.base, 'GET', '/readyz');
    for (let i = 0; i < 40 && response.status !== 503; i++) {
      await new Promise((r) => setTimeout(r, 100));
      response = await call(stack.base, 'GET', '/readyz');
    }
    expect(response.status).toBe(503);
    expect(response.body).toEqual({ ready: false, checks: { postgres: { ok: true }, migrations: { ok: true }, redis: { ok: false } } });
    expect(JSON.stringify(response.body)).not.toMatch(/error|ECONNREFUSED|127\.0\.0\.1|timed out|Connection/i);
  });
});

describe('readiness logging', () => {
  it('logs a failing check once, with its error text, at warn, and its recovery at info', async () => {
    const lines: { level: number; msg: string; check: string; err?: string }[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()));
          done();
        },
      }),
    );
    let down = true;
    const probe = readinessProbe(
      {
        ok: async () => undefined,
        db: async () => {
          if (down) throw new Error('connect ECONNREFUSED 10.1.2.3:5432');
        },
      },
      logger,
    );
    for (let i = 0; i < 3; i++) expect(await probe()).toEqual({ ready: false, checks: { ok: { ok: true }, db: { ok: false } } });
    down = false;
    expect(await probe()).toEqual({ ready: true, checks: { ok: { ok: true }, db: { ok: true } } });
    await new Promise((r) => setImmediate(r));
    expect(lines.map(({ level, msg, check, err }) => ({ level, msg, check, err }))).toEqual([
      { level: 40, msg: 'readiness check failing', check: 'db', err: 'connect ECONNREFUSED 10.1.2.3:5432' },
      { level: 30, msg: 'readiness check passing again', check: 'db', err: undefined },
    ]);
  });
});
