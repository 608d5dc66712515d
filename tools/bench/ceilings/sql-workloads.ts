// Ceilings B and C: the least work an award can be in PostgreSQL, on a minimal
// schema of its own — one hot pool row, 1,000 wallets, a journal with NUMERIC
// columns. Each workload is written twice: as a pgbench script and as the same
// statements for node clients (used only where pgbench is not installed).
import { EntityManager } from '@mikro-orm/postgresql';

export const WALLETS = 1_000;

export const SCHEMA = `
CREATE TABLE pool (id int PRIMARY KEY, balance numeric(20, 2) NOT NULL);
CREATE TABLE wallets (id int PRIMARY KEY, balance numeric(20, 2) NOT NULL DEFAULT 0);
CREATE TABLE journal (
  id bigserial PRIMARY KEY,
  wallet_id int NOT NULL REFERENCES wallets (id),
  amount numeric(20, 2) NOT NULL,
  new_balance numeric(20, 2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO pool VALUES (1, 1000000000000);
INSERT INTO wallets (id) SELECT g FROM generate_series(1, ${WALLETS}) g;`;

export interface SqlWorkload {
  name: string;
  awardsPerTransaction: number;
  pgbenchScript: string;
  /** One transaction, as a node client sends it. */
  transaction(em: EntityManager): Promise<void>;
}

const randomWallet = () => 1 + Math.floor(Math.random() * WALLETS);

/** B: one transaction per award — the pool decremented, one wallet incremented, one journal row. */
export const NAIVE: SqlWorkload = {
  name: 'naive',
  awardsPerTransaction: 1,
  pgbenchScript: `\\set w random(1, ${WALLETS})
BEGIN;
UPDATE pool SET balance = balance - 0.01 WHERE id = 1;
UPDATE wallets SET balance = balance + 0.01 WHERE id = :w RETURNING balance AS new_balance \\gset
INSERT INTO journal (wallet_id, amount, new_balance) VALUES (:w, 0.01, :new_balance);
COMMIT;
`,
  transaction: (em) =>
    em.transactional(async (tx) => {
      const w = randomWallet();
      await tx.execute('UPDATE pool SET balance = balance - 0.01 WHERE id = 1');
      const [row] = await tx.execute<{ balance: string }[]>('UPDATE wallets SET balance = balance + 0.01 WHERE id = ? RETURNING balance', [w]);
      await tx.execute('INSERT INTO journal (wallet_id, amount, new_balance) VALUES (?, 0.01, ?)', [w, row.balance]);
    }),
};

// 100 distinct wallets from a random start: 7 is prime to 1,000, so (s + 7g) mod 1,000 never repeats for g < 100.
const BATCH_WALLETS = (start: string) => `FROM generate_series(0, 99) g WHERE wallets.id = ((${start} + g * 7) % ${WALLETS}) + 1`;
const BATCH_AWARD = (start: string) => `WITH w AS (
  UPDATE wallets SET balance = wallets.balance + 0.01 ${BATCH_WALLETS(start)} RETURNING wallets.id, wallets.balance)
INSERT INTO journal (wallet_id, amount, new_balance) SELECT id, 0.01, balance FROM w;`;

/** C: 100 awards per transaction — the pool once, 100 wallets in one UPDATE, 100 journal rows in one INSERT. */
export const BATCHED: SqlWorkload = {
  name: 'batched',
  awardsPerTransaction: 100,
  pgbenchScript: `\\set s random(0, ${WALLETS - 1})
BEGIN;
UPDATE pool SET balance = balance - 1.00 WHERE id = 1;
${BATCH_AWARD(':s').replace(/\n/g, ' ')}
COMMIT;
`,
  transaction: (em) =>
    em.transactional(async (tx) => {
      await tx.execute('UPDATE pool SET balance = balance - 1.00 WHERE id = 1');
      await tx.execute(BATCH_AWARD('?'), [Math.floor(Math.random() * WALLETS)]);
    }),
};
