import { randomBytes } from 'node:crypto';
import { createOrm, migrateUp, Orm, withDatabase } from '@points/db';

export interface TestDatabase {
  url: string;
  orm: Orm;
  drop(): Promise<void>;
}

const serverUrl = () => process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, migrated database of its own for one test file (on the shared server unless told another); dropped afterwards. */
export async function createTestDatabase(poolMax = 10, server = serverUrl()): Promise<TestDatabase> {
  const name = `points_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = await createOrm(withDatabase(server, 'postgres'), 1);
  await admin.em.fork().execute(`CREATE DATABASE "${name}"`);
  const url = withDatabase(server, name);
  const orm = await createOrm(url, poolMax);
  await migrateUp(orm);
  return {
    url,
    orm,
    async drop() {
      await orm.close(true);
      await admin.em.fork().execute(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.close(true);
    },
  };
}

export const testRedisUrl = () => process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A queue prefix no other run shares. */
export const testQueuePrefix = () => `test-${process.pid}-${randomBytes(4).toString('hex')}`;
