import { EntityManager } from '@mikro-orm/postgresql';
import { NewBulkAwardRow, NewCommand, insertBulkAwardRows, storeCommand } from '@points/db';

/**
 * Commands stored as the gateway stores them (through the command store), for
 * tests that drive the ledger without HTTP.
 */
export async function insertCommand(em: EntityManager, command: NewCommand): Promise<string> {
  return (await storeCommand(em, command)).command.id;
}

/** A bulk award with its uploaded rows, stored as the gateway stores an upload. */
export async function insertBulkAward(
  em: EntityManager,
  bulk: { tenantId: string; issuerId: string; description: string | null; rows: NewBulkAwardRow[]; idempotencyKey?: string | null },
): Promise<{ id: string; created: boolean }> {
  const { command, created } = await storeCommand(
    em,
    { type: 'bulk_award', tenantId: bulk.tenantId, issuerId: bulk.issuerId, payload: { description: bulk.description, rows: bulk.rows.length }, idempotencyKey: bulk.idempotencyKey },
    { attach: (tx, id) => insertBulkAwardRows(tx, id, bulk) },
  );
  return { id: command.id, created };
}
