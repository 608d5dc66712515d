import { randomBytes } from 'node:crypto';
import { createOrm, migrateUp, Orm, withDatabase } from '@points/db';

export interface TestDatabase {
  url: string;
  orm: Orm;
  drop(): Promise<void>;
}

const serverUrl = () => process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh database of its own for one test file (on the shared server unless
 * told another), made ready by `prepare` (the migrations, unless told another
 * schema); dropped afterwards, or at once if it could not be made ready.
 */
export async function createTestDatabase(poolMax = 10, server = serverUrl(), prepare: (orm: Orm) => Promise<unknown> = migrateUp): Promise<TestDatabase> {
  const name = `points_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = await createOrm(withDatabase(server, 'postgres'), 1);
  await admin.em.fork().execute(`CREATE DATABASE "${name}"`);
  const url = withDatabase(server, name);
  const orm = await createOrm(url, poolMax);
  const drop = async () => {
    await orm.close(true);
    await admin.em.fork().execute(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.close(true);
  };
  try {
    await prepare(orm);
  } catch (error) {
    await drop();
    throw error;
  }
  return { url, orm, drop };
}

export const testRedisUrl = () => process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A queue prefix no other run shares. */
export const testQueuePrefix = () => `test-${process.pid}-${randomBytes(4).toString('hex')}`;
