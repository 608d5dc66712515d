import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import express from 'express';
import pino from 'pino';
import { createRedis, redisReady } from '@points/queue';
import { PrivateRedis, startPrivateRedis } from '@points/testing';
import { perUserRateLimit } from '../src/http/rate-limit';
import { errorHandler } from '../src/http/errors';

let redis: PrivateRedis;
let server: Server;
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await redis?.kill();
});

it('a gateway started while Redis is down serves without a limit, then enforces it once Redis is up', async () => {
  redis = await startPrivateRedis();
  await redis.kill();
  const client = createRedis(redis.url, 'producer');
  client.on('error', () => undefined);

  const app = express();
  app.use((req, _res, next) => {
    req.caller = { userId: 'user-1', role: 'employee', tenantId: 'tenant-1' };
    next();
  });
  app.use(perUserRateLimit({ limitPerMinute: 3, redis: client, keyPrefix: 'test:rate-limit:', logger: pino({ level: 'silent' }) }));
  app.get('/', (_req, res) => {
    res.json({ ok: true });
  });
  app.use(errorHandler);
  server = app.listen(0);
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const statuses = async (n: number) => {
    const seen: number[] = [];
    for (let i = 0; i < n; i++) seen.push((await fetch(base)).status);
    return seen;
  };

  expect(await statuses(5)).toEqual([200, 200, 200, 200, 200]);

  await redis.restart();
  await redisReady(client, 10_000);
  // The store reloads its scripts on 'ready'; until then requests pass uncounted (no RateLimit header).
  // The first counted one is the first of the 3 allowed.
  let counted = false;
  for (let i = 0; i < 200 && !counted; i++) counted = (await fetch(base)).headers.has('ratelimit');
  expect(counted).toBe(true);
  expect(await statuses(4)).toEqual([200, 200, 429, 429]);
  client.disconnect();
});
