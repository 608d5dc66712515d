import { Migration } from '@mikro-orm/migrations';

/**
 * The whole ledger schema. Correctness lives here, not in application code:
 * - CHECK constraints keep every balance non-negative and every journal row
 *   arithmetically consistent (new = previous + amount);
 * - UNIQUE (account, version) makes each account's journal a gap-checked chain;
 * - UNIQUE (issuer_id, idempotency_key) makes a client retry find its command;
 * - triggers refuse UPDATE and DELETE on journals, which are append-only.
 */
export class Migration20261123000000_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
CREATE TABLE tenants (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  points_allocation_balance NUMERIC(15,2) NOT NULL DEFAULT 0
    CONSTRAINT positive_allocation_balance CHECK (points_allocation_balance >= 0),
  pool_version bigint NOT NULL DEFAULT 0 CHECK (pool_version >= 0),
  low_balance_threshold NUMERIC(15,2) NULL CHECK (low_balance_threshold >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id uuid PRIMARY KEY,
  tenant_id uuid NULL REFERENCES tenants(id),
  email text NOT NULL,
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('platform_admin', 'tenant_manager', 'hr_admin', 'lead', 'employee')),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_tenant_matches_role CHECK ((role = 'platform_admin') = (tenant_id IS NULL))
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));
CREATE INDEX users_tenant ON users (tenant_id, id);

CREATE TABLE wallets (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL UNIQUE REFERENCES users(id),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  balance NUMERIC(15,2) NOT NULL DEFAULT 0 CONSTRAINT positive_balance CHECK (balance >= 0),
  lifetime_earned NUMERIC(15,2) NOT NULL DEFAULT 0 CHECK (lifetime_earned >= 0),
  version bigint NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wallets_tenant ON wallets (tenant_id);

CREATE TABLE lead_budgets (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL UNIQUE REFERENCES users(id),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  balance NUMERIC(15,2) NOT NULL DEFAULT 0 CONSTRAINT positive_lead_budget CHECK (balance >= 0),
  version bigint NOT NULL DEFAULT 0 CHECK (version >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_budgets_tenant ON lead_budgets (tenant_id);

-- Every state-changing request is a command: the gateway inserts it, the queue
-- only delivers its id, the ledger worker moves it to a final status.
CREATE TABLE commands (
  id uuid PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user')),
  tenant_id uuid NULL REFERENCES tenants(id),
  issuer_id uuid NOT NULL REFERENCES users(id),
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'processing', 'succeeded', 'rejected', 'failed')),
  result jsonb NULL,
  error jsonb NULL,
  idempotency_key text NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  request_hash text NULL,
  request_id text NULL,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz NULL,
  CONSTRAINT commands_idempotency_key_unique UNIQUE (issuer_id, idempotency_key),
  CONSTRAINT commands_final_has_outcome CHECK (
    (status = 'succeeded' AND result IS NOT NULL AND completed_at IS NOT NULL)
    OR (status IN ('rejected', 'failed') AND error IS NOT NULL AND completed_at IS NOT NULL)
    OR (status IN ('queued', 'processing') AND completed_at IS NULL))
);
CREATE INDEX commands_unfinished ON commands (updated_at) WHERE status IN ('queued', 'processing');
CREATE INDEX commands_issuer ON commands (issuer_id, created_at DESC);

CREATE TABLE recognitions (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  giver_id uuid NOT NULL REFERENCES users(id),
  recipient_id uuid NOT NULL REFERENCES users(id),
  points NUMERIC(15,2) NOT NULL CHECK (points >= 0),
  message text NOT NULL,
  command_id uuid NOT NULL UNIQUE REFERENCES commands(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recognitions_tenant ON recognitions (tenant_id, created_at DESC, id DESC);

-- Business records of the seed design (reporting SQL is written against them).
-- Amounts are always positive; transaction_type says the direction.
CREATE TABLE allocation_logs (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  admin_id uuid NOT NULL REFERENCES users(id),
  amount NUMERIC(15,2) NOT NULL CHECK (amount > 0),
  currency text NULL,
  reference_note text NULL,
  transaction_type text NOT NULL CHECK (transaction_type IN ('allocation', 'clawback')),
  previous_balance NUMERIC(15,2) NOT NULL CHECK (previous_balance >= 0),
  new_balance NUMERIC(15,2) NOT NULL CHECK (new_balance >= 0),
  version bigint NOT NULL CHECK (version > 0),
  command_id uuid NOT NULL UNIQUE REFERENCES commands(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT allocation_logs_arithmetic CHECK (
    new_balance = previous_balance + CASE transaction_type WHEN 'allocation' THEN amount ELSE -amount END)
);
CREATE INDEX idx_allocation_logs_tenant ON allocation_logs (tenant_id, created_at DESC);
CREATE INDEX idx_allocation_logs_admin ON allocation_logs (admin_id, created_at DESC);

CREATE TABLE platform_billing_logs (
  id uuid PRIMARY KEY,
  admin_id uuid NOT NULL REFERENCES users(id),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  amount NUMERIC(15,2) NOT NULL CHECK (amount > 0),
  currency text NULL,
  reference_note text NULL,
  transaction_type text NOT NULL CHECK (transaction_type IN ('allocation', 'clawback')),
  invoice_number text NULL,
  command_id uuid NOT NULL UNIQUE REFERENCES commands(id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_platform_billing_logs_tenant ON platform_billing_logs (tenant_id, created_at DESC);
CREATE INDEX idx_platform_billing_logs_admin ON platform_billing_logs (admin_id, created_at DESC);

-- "pool" columns describe the source the points came from: the tenant pool or
-- a lead budget (source_type), with that account's version after the change.
CREATE TABLE distribution_logs (
  id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  from_user_id uuid NOT NULL REFERENCES users(id),
  to_user_id uuid NOT NULL REFERENCES users(id),
  amount NUMERIC(15,2) NOT NULL CHECK (amount > 0),
  transaction_type text NOT NULL CHECK (transaction_type IN ('delegation', 'award', 'recognition', 'bulk_award')),
  reference_type text NULL,
  reference_id uuid NULL,
  description text NULL,
  source_type text NOT NULL CHECK (source_type IN ('tenant_pool', 'lead_budget')),
  previous_pool_balance NUMERIC(15,2) NOT NULL CHECK (previous_pool_balance >= 0),
  new_pool_balance NUMERIC(15,2) NOT NULL CHECK (new_pool_balance >= 0),
  source_version bigint NOT NULL CHECK (source_version > 0),
  command_id uuid NOT NULL REFERENCES commands(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT distribution_logs_arithmetic CHECK (new_pool_balance = previous_pool_balance - amount)
);
CREATE INDEX idx_distribution_logs_tenant ON distribution_logs (tenant_id, created_at DESC);
CREATE INDEX idx_distribution_logs_from_user ON distribution_logs (from_user_id, created_at DESC);
CREATE INDEX idx_distribution_logs_to_user ON distribution_logs (to_user_id, created_at DESC);

`);
    this.addSql(accountJournal('pool_ledger', null));
    this.addSql(accountJournal('lead_budget_ledger', { column: 'lead_budget_id', table: 'lead_budgets' }));
    this.addSql(accountJournal('wallet_ledger', { column: 'wallet_id', table: 'wallets' }));
    this.addSql(`
-- Transactional outbox: events written with the balance change, relayed later.
CREATE TABLE outbox (
  id uuid PRIMARY KEY,
  event_type text NOT NULL,
  tenant_id uuid NULL,
  command_id uuid NOT NULL REFERENCES commands(id),
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz NULL
);
CREATE INDEX outbox_unpublished ON outbox (created_at, id) WHERE published_at IS NULL;

-- Written by the notification worker, exactly once per event (event_id unique).
CREATE TABLE feed (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  actor_id uuid NOT NULL REFERENCES users(id),
  target_user_id uuid NULL REFERENCES users(id),
  type text NOT NULL,
  message text NULL,
  points NUMERIC(15,2) NOT NULL DEFAULT 0 CHECK (points >= 0),
  reference_id uuid NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feed_tenant ON feed (tenant_id, created_at DESC, id DESC);

CREATE TABLE audit_log (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  tenant_id uuid NULL REFERENCES tenants(id),
  actor_id uuid NULL REFERENCES users(id),
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id uuid NULL,
  before jsonb NULL,
  after jsonb NULL,
  request_id text NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, created_at DESC, id DESC);

CREATE FUNCTION refuse_journal_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'journal % is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;
`);
    for (const journal of [
      'allocation_logs',
      'platform_billing_logs',
      'distribution_logs',
      'pool_ledger',
      'lead_budget_ledger',
      'wallet_ledger',
      'feed',
      'audit_log',
    ]) {
      this.addSql(
        `CREATE TRIGGER ${journal}_append_only BEFORE UPDATE OR DELETE ON ${journal} ` +
          `FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();`,
      );
    }
  }

  override async down(): Promise<void> {
    this.addSql(`
DROP TABLE IF EXISTS audit_log, feed, outbox, wallet_ledger, lead_budget_ledger, pool_ledger,
  distribution_logs, platform_billing_logs, allocation_logs, recognitions, commands,
  lead_budgets, wallets, users, tenants CASCADE;
DROP FUNCTION IF EXISTS refuse_journal_change();
`);
  }
}

/**
 * Account journals: one row per account touched by a balance change, signed
 * amount, chained by version. A balance always equals the sum of its journal.
 * The three are alike but for the account they belong to.
 */
const accountJournal = (table: string, account: { column: string; table: string } | null) => `
CREATE TABLE ${table} (
  id uuid PRIMARY KEY,${account ? `\n  ${account.column} uuid NOT NULL REFERENCES ${account.table}(id),` : ''}
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  amount NUMERIC(15,2) NOT NULL CHECK (amount <> 0),
  transaction_type text NOT NULL,
  reference_type text NOT NULL,
  reference_id uuid NOT NULL,
  previous_balance NUMERIC(15,2) NOT NULL CHECK (previous_balance >= 0),
  new_balance NUMERIC(15,2) NOT NULL CHECK (new_balance >= 0),
  version bigint NOT NULL CHECK (version > 0),
  command_id uuid NOT NULL REFERENCES commands(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${table}_chain UNIQUE (${account?.column ?? 'tenant_id'}, version),
  CONSTRAINT ${table}_arithmetic CHECK (new_balance = previous_balance + amount)
);`;
