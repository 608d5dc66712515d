import { EntityManager } from '@mikro-orm/postgresql';
import { Orm } from '@points/db';
import { TestDatabase, createTestDatabase } from '@points/testing';

/**
 * A database migrated up to `migration` (included), for a test that fills it
 * as an older release would, then runs the migrations after it and back.
 */
export function databaseMigratedTo(migration: string) {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(10, undefined, (orm: Orm) => orm.getMigrator().up({ to: migration }));
  });
  afterAll(() => db.drop());
  const em = () => db.orm.em as EntityManager;
  return {
    em,
    sql: <T = Record<string, unknown>>(query: string, params: unknown[] = []) => em().fork().execute<T[]>(query, params),
    /** Every migration after `migration`. */
    up: () => db.orm.getMigrator().up(),
    /** Back to `migration`. */
    down: () => db.orm.getMigrator().down({ to: migration }),
  };
}
