import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import { Redis } from 'ioredis';
import { createRedis, redisReady } from '@points/queue';
import { TestDatabase, createTestDatabase, testRedisUrl } from '@points/testing';
import { createApp } from '../src/app';

let db: TestDatabase;
let redis: Redis;
let server: Server;
let base: string;

beforeAll(async () => {
  db = await createTestDatabase(2);
  redis = createRedis(testRedisUrl(), 'producer');
  await redisReady(redis);
  server = createApp({ orm: db.orm, redis }).listen(0);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  redis.disconnect();
  await db.drop();
});

it('/healthz answers while the process is alive', async () => {
  const response = await fetch(`${base}/healthz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: 'ok' });
});

it('/readyz is 200 when PostgreSQL, the migrations and Redis are all fine', async () => {
  const response = await fetch(`${base}/readyz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ ready: true, checks: { postgres: { ok: true }, migrations: { ok: true }, redis: { ok: true } } });
});
