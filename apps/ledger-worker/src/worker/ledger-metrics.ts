import { z } from 'zod';
import { ApprovalDecisionResult, AwardResult, BulkAwardResult, CommandOutcome, CommandResult, CommandType, RecognitionResult, assertUnreachable } from '@points/contracts';
import { LedgerMetrics } from '@points/ops';

/**
 * What the ledger's metrics count of one finished command: its latency from
 * being accepted (the job's enqueue time, set as the gateway accepts it), its
 * outcome, and the awards and points it moved into wallets.
 */
export function recordOutcome(metrics: LedgerMetrics | undefined, command: { type: CommandType; acceptedAt: number }, outcome: CommandOutcome): void {
  if (!metrics) return;
  const labels = { type: command.type, status: outcome.status };
  metrics.commandLatency.observe(labels, Math.max(0, Date.now() - command.acceptedAt) / 1000);
  metrics.commands.inc(labels);
  if (outcome.status !== 'succeeded') return;
  const moved = pointsMoved(command.type, outcome.result);
  if (!moved) return;
  metrics.awards.inc({ source: moved.source }, moved.awards);
  metrics.pointsAwarded.inc({ source: moved.source }, Number(moved.points));
}

/** Awards and points a succeeded command moved into wallets; null when it moved none. */
function pointsMoved(type: CommandType, result: CommandResult): { source: string; awards: number; points: string } | null {
  switch (type) {
    case 'award':
    case 'recognition': {
      if ('status' in result && result.status === 'pending_approval') return null; // held, not moved: counted when approved
      const { source, amount } = result as AwardResult | RecognitionResult;
      return source ? { source: source.type, awards: 1, points: amount } : null; // a 0-point kudos moves nothing
    }
    case 'bulk_award': {
      if ('status' in result && result.status === 'pending_approval') return null; // held, not moved: counted when approved
      const { source, recipients, totalAmount } = result as BulkAwardResult;
      return { source: source.type, awards: recipients, points: totalAmount };
    }
    case 'allocate':
    case 'clawback':
    case 'delegate':
    case 'create_user':
    case 'update_settings':
    case 'decline_award':
    case 'create_department':
    case 'update_department':
    case 'fund_department':
    case 'return_department_funds':
    case 'set_user_department':
    case 'reverse_award':
    case 'reverse_allocation':
    case 'create_schedule':
    case 'update_schedule':
    case 'delete_schedule':
    case 'run_schedule':
      return null;
    case 'approve_award': {
      const { award, bulkAward } = result as z.infer<typeof ApprovalDecisionResult>;
      if (bulkAward) return { source: bulkAward.source.type, awards: bulkAward.recipients, points: bulkAward.totalAmount };
      return award ? { source: award.source.type, awards: 1, points: award.amount } : null;
    }
    default:
      return assertUnreachable(type);
  }
}
