import { EntityManager } from '@mikro-orm/postgresql';
import { CommandType } from '@points/contracts';
import { Logger } from '@points/config';
import { markFailed } from '@points/db';
import { LedgerMetrics } from '@points/ops';

export interface FailureDeps {
  em: EntityManager;
  logger: Logger;
  metrics?: LedgerMetrics;
}

/**
 * A command whose job BullMQ will not retry again: the ledger can never apply
 * it (a defect, or a job that kept killing its workers — an outage is waited
 * out). Marks it `failed`, so no client waits forever, and counts it in
 * points_commands_total{status="failed"}, which operators alert on. Never throws.
 */
export async function failCommand(deps: FailureDeps, command: { id: string; type: CommandType }): Promise<void> {
  const marked = await markFailed(deps.em, command.id).catch((err: unknown) => {
    deps.logger.error({ err, commandId: command.id }, 'could not mark command failed (the sweeper will)');
    return false;
  });
  // Counted once, when it really ended failed: not for a job naming no stored command, nor on a repeat.
  if (!marked) return;
  deps.logger.error({ commandId: command.id, type: command.type }, 'command failed for good: the ledger cannot apply it');
  deps.metrics?.commands.inc({ type: command.type, status: 'failed' });
}
