import { Migration } from '@mikro-orm/migrations';

/**
 * Bulk awards. The job is a command of type `bulk_award` (so its journal rows
 * reference a command like every other change); `bulk_awards` holds its
 * progress and errors, `bulk_award_items` its rows as uploaded.
 */
export class Migration20261123010000_bulk_awards extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
ALTER TABLE commands DROP CONSTRAINT commands_type_check;
ALTER TABLE commands ADD CONSTRAINT commands_type_check
  CHECK (type IN ('allocate', 'clawback', 'delegate', 'award', 'recognition', 'create_user', 'bulk_award'));

CREATE TABLE bulk_awards (
  id uuid PRIMARY KEY REFERENCES commands(id),
  tenant_id uuid NOT NULL REFERENCES tenants(id),
  issuer_id uuid NOT NULL REFERENCES users(id),
  description text NULL,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'validating', 'applying', 'succeeded', 'rejected', 'failed')),
  total integer NOT NULL CHECK (total BETWEEN 1 AND 100000),
  processed integer NOT NULL DEFAULT 0 CHECK (processed >= 0),
  succeeded integer NOT NULL DEFAULT 0 CHECK (succeeded >= 0),
  failed integer NOT NULL DEFAULT 0 CHECK (failed >= 0),
  total_amount NUMERIC(15,2) NULL,
  errors jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz NULL
);
CREATE INDEX bulk_awards_tenant ON bulk_awards (tenant_id, created_at DESC);

CREATE TABLE bulk_award_items (
  bulk_award_id uuid NOT NULL REFERENCES bulk_awards(id),
  row_number integer NOT NULL CHECK (row_number > 0),
  user_ref text NOT NULL,
  amount_text text NOT NULL,
  description text NULL,
  user_id uuid NULL,
  amount NUMERIC(15,2) NULL CHECK (amount > 0),
  PRIMARY KEY (bulk_award_id, row_number)
);
`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE bulk_award_items, bulk_awards;`);
  }
}
