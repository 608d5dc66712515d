import { EntityManager } from '@mikro-orm/postgresql';
import { NewBulkAwardRow, NewCommand, insertBulkAwardRows, storeCommand } from '@points/db';

/**
 * Commands stored as the gateway stores them (through the command store), for
 * tests that drive the ledger without HTTP.
 */
export async function insertCommand(em: EntityManager, command: NewCommand): Promise<string> {
  const { command: stored } = await storeCommand(em, command);
  if (!stored) throw new Error('command was not stored');
  return stored.id;
}

/** A bulk award with its uploaded rows, stored as the gateway stores an upload. */
export async function insertBulkAward(
  em: EntityManager,
  bulk: { tenantId: string; issuerId: string; description: string | null; rows: NewBulkAwardRow[]; idempotencyKey?: string | null },
): Promise<{ id: string; created: boolean }> {
  const { command, created } = await storeCommand(
    em,
    { type: 'bulk_award', tenantId: bulk.tenantId, issuerId: bulk.issuerId, payload: { description: bulk.description, rows: bulk.rows.length }, idempotencyKey: bulk.idempotencyKey },
    (tx, id) => insertBulkAwardRows(tx, id, bulk),
  );
  if (!command) throw new Error('bulk award was not stored');
  return { id: command.id, created };
}
