import { TestDatabase, createTestDatabase } from '@points/testing';
import { pendingMigrations } from '@points/db';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase(2);
});
afterAll(() => db.drop());

const query = <T>(sql: string, params: unknown[] = []) => db.orm.em.fork().execute<T[]>(sql, params);

/** The seed design's tables and columns are a contract: reporting SQL is written against them. */
const SEED_COLUMNS: Record<string, string[]> = {
  tenants: ['points_allocation_balance'],
  users: ['id', 'tenant_id', 'email', 'display_name', 'role', 'active'],
  wallets: ['user_id', 'tenant_id', 'balance', 'lifetime_earned'],
  lead_budgets: ['user_id', 'tenant_id', 'balance'],
  allocation_logs: ['tenant_id', 'admin_id', 'amount', 'currency', 'reference_note', 'transaction_type', 'previous_balance', 'new_balance', 'created_at', 'version'],
  platform_billing_logs: ['admin_id', 'tenant_id', 'amount', 'currency', 'reference_note', 'transaction_type', 'invoice_number', 'created_at'],
  distribution_logs: [
    'tenant_id', 'from_user_id', 'to_user_id', 'amount', 'transaction_type', 'reference_type', 'reference_id',
    'description', 'previous_pool_balance', 'new_pool_balance', 'created_at', 'source_version',
  ],
  wallet_ledger: ['wallet_id', 'tenant_id', 'amount', 'transaction_type', 'reference_type', 'reference_id', 'previous_balance', 'new_balance', 'created_at', 'version'],
  audit_log: ['tenant_id', 'actor_id', 'action', 'entity_type', 'entity_id', 'before', 'after', 'created_at'],
  feed: ['tenant_id', 'actor_id', 'target_user_id', 'type', 'message', 'points', 'reference_id', 'created_at'],
  commands: ['id', 'type', 'status', 'result', 'error', 'idempotency_key', 'issuer_id'],
  outbox: ['id', 'event_type', 'payload', 'delivered_at'],
};

it('has every table and column of the seed design', async () => {
  const rows = await query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const columns = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
  const missing = Object.entries(SEED_COLUMNS).flatMap(([table, cols]) => cols.map((c) => `${table}.${c}`)).filter((c) => !columns.has(c));
  expect(missing).toEqual([]);
});

it('stores every amount as NUMERIC(15,2)', async () => {
  const rows = await query<{ column: string; data_type: string; precision: number; scale: number }>(
    `SELECT table_name || '.' || column_name AS column, data_type, numeric_precision AS precision, numeric_scale AS scale
       FROM information_schema.columns
      WHERE table_schema = 'public' AND (column_name IN ('amount', 'balance', 'lifetime_earned', 'points_allocation_balance', 'points')
         OR column_name LIKE '%_balance')`,
  );
  expect(rows.length).toBeGreaterThan(15);
  expect(rows.filter((r) => r.data_type !== 'numeric' || r.precision !== 15 || r.scale !== 2)).toEqual([]);
});

it("has the seed's seven indexes", async () => {
  const rows = await query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`);
  const names = rows.map((r) => r.indexname);
  expect(names).toEqual(
    expect.arrayContaining([
      'idx_allocation_logs_tenant',
      'idx_allocation_logs_admin',
      'idx_platform_billing_logs_tenant',
      'idx_platform_billing_logs_admin',
      'idx_distribution_logs_tenant',
      'idx_distribution_logs_from_user',
      'idx_distribution_logs_to_user',
    ]),
  );
});

it('guards balances with CHECK constraints and idempotency with a unique key per issuer', async () => {
  const rows = await query<{ conname: string }>(`SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace`);
  const names = rows.map((r) => r.conname);
  expect(names).toEqual(
    expect.arrayContaining([
      'positive_allocation_balance',
      'positive_balance',
      'positive_lead_budget',
      'accepted_commands_idempotency_key_unique',
      'wallet_ledger_chain',
      'pool_ledger_chain',
      'lead_budget_ledger_chain',
    ]),
  );
});

it('knows of no pending migration after migrating', async () => {
  expect(await pendingMigrations(db.orm)).toEqual([]);
});

it('the MikroORM entity schemas describe the migrated tables: every property has its column, with the same nullability', async () => {
  const columns = await query<{ table_name: string; column_name: string; is_nullable: 'YES' | 'NO' }>(
    `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const nullable = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c.is_nullable === 'YES']));
  const entities = Object.values(db.orm.getMetadata().getAll());
  expect(entities.length).toBeGreaterThan(0);
  for (const meta of entities) {
    for (const prop of Object.values(meta.properties)) {
      const column = `${meta.tableName}.${prop.fieldNames[0]}`;
      expect({ column, nullable: nullable.get(column) }).toEqual({ column, nullable: Boolean(prop.nullable) });
    }
  }
});

it("MikroORM's schema diff against the migrated database is empty: the entities and the migrations describe the same schema", async () => {
  // MikroORM's defaults (safe: false, dropTables: true): a table, column, key, index or check
  // the entities missed would show up as a DROP.
  expect(await db.orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false })).toBe('');
});

it('what MikroORM compares loosely is exact too: each check parses to the migrated definition, each expression index is its definition', async () => {
  const entities = Object.values(db.orm.getMetadata().getAll());
  const indexes = entities.flatMap((meta) => [...meta.indexes, ...meta.uniques].filter((index) => typeof index.expression === 'string'));
  const indexDefs = new Map(
    (await query<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'`)).map((r) => [r.indexname, r.indexdef]),
  );
  // MikroORM compares expression indexes by name only; these carry DESC columns, a partial WHERE and lower(email).
  expect(indexes.length).toBeGreaterThan(10);
  for (const index of indexes) expect({ index: index.name, definition: index.expression }).toEqual({ index: index.name, definition: indexDefs.get(String(index.name)) });

  // MikroORM compares checks with parentheses, quotes and casts stripped; PostgreSQL, parsing
  // each entity expression on a copy of its table, must print exactly the migrated definition.
  const checks = entities.flatMap((meta) => meta.checks.map((check) => ({ table: meta.tableName, name: String(check.name), expression: check.expression })));
  expect(checks.length).toBeGreaterThan(40);
  const mismatches = await db.orm.em.fork().transactional(async (em) => {
    const found: { check: string; migrated?: string; entity?: string }[] = [];
    for (const [i, { table, name, expression }] of checks.entries()) {
      if (typeof expression !== 'string') throw new Error(`${name}: write the check as SQL text`);
      await em.execute(`CREATE TEMP TABLE probe_${i} (LIKE ${table}) ON COMMIT DROP`);
      await em.execute(`ALTER TABLE probe_${i} ADD CONSTRAINT probe CHECK (${expression})`);
      const [row] = await em.execute<{ migrated?: string; entity?: string }[]>(
        `SELECT (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ?::regclass AND conname = ?) AS migrated,
                (SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ?::regclass AND conname = 'probe') AS entity`,
        [table, name, `probe_${i}`],
      );
      if (row.migrated !== row.entity) found.push({ check: name, ...row });
    }
    return found;
  });
  expect(mismatches).toEqual([]);
});
