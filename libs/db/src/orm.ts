import { MikroORM, Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export type Orm = MikroORM;

export function ormOptions(databaseUrl: string, poolMax = 10): Options {
  return {
    clientUrl: databaseUrl,
    entities: ENTITIES,
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      tableName: 'schema_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    pool: { min: 0, max: poolMax },
    // NUMERIC stays a string end to end; never let a driver turn money into a float.
    forceEntityConstructor: false,
    debug: false,
    allowGlobalContext: false,
  };
}

export async function createOrm(databaseUrl: string, poolMax = 10): Promise<Orm> {
  return MikroORM.init(ormOptions(databaseUrl, poolMax));
}

/** Applies every pending migration; returns the names applied. */
export async function migrateUp(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((migration) => migration.name);
}

/** Names of migrations the code knows but the database has not applied. */
export async function pendingMigrations(orm: Orm): Promise<string[]> {
  const pending = await orm.getMigrator().getPendingMigrations();
  return pending.map((migration) => migration.name);
}
