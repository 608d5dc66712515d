import { randomUUID } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import { CommandType } from '@points/contracts';

export interface NewCommand {
  id?: string;
  type: CommandType;
  tenantId: string | null;
  issuerId: string;
  payload: unknown;
  idempotencyKey?: string | null;
  requestHash?: string | null;
  requestId?: string | null;
}

/** Records an accepted command as `queued`; the ledger worker takes it from there. */
export async function insertCommand(em: EntityManager, command: NewCommand): Promise<string> {
  const id = command.id ?? randomUUID();
  await em.fork().execute(
    `INSERT INTO commands (id, type, tenant_id, issuer_id, payload, idempotency_key, request_hash, request_id)
     VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?)`,
    [id, command.type, command.tenantId, command.issuerId, JSON.stringify(command.payload), command.idempotencyKey ?? null, command.requestHash ?? null, command.requestId ?? null],
  );
  return id;
}
