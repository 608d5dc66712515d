import { ApprovalView, ApprovalsQuery, TENANT_ROLES, isManager } from '@points/contracts';
import { AwardHoldDecisionSchema, AwardHoldSchema, Orm } from '@points/db';
import { CommandService } from '../commands/command-service';
import { commandRoute } from '../commands/command-route';
import { tenantOf } from '../http/request-context';
import { ApiRouter } from '../openapi/api-router';
import { listRoute } from './list-route';

/**
 * Awards pending approval: approvers (tenant managers, HR admins) list the
 * tenant's and decide them; everyone else sees the ones they give or receive.
 * Deciding is a command like any other.
 */
export function approvalsRoutes(api: ApiRouter, orm: Orm, commands: CommandService): void {
  const db = () => orm.em.fork();

  listRoute(api, {
    path: '/api/approvals',
    operationId: 'listApprovals',
    summary: 'Awards pending approval, newest first: all of the tenant’s for approvers, your own (given or received) for everyone else',
    tag: 'approvals',
    roles: TENANT_ROLES,
    query: ApprovalsQuery,
    rows: ({ req, caller, query }) => {
      const qb = db().createQueryBuilder(AwardHoldSchema, 'h').where({ tenantId: tenantOf(req) });
      if (!isManager(caller.role)) qb.andWhere({ $or: [{ giverId: caller.userId }, { recipientId: caller.userId }] });
      // A hold past its window is expired, whether or not the expiry job has released it yet.
      if (query.status === 'pending') qb.andWhere('h.expires_at > now() AND NOT EXISTS (SELECT 1 FROM award_hold_decisions d WHERE d.hold_id = h.id)');
      return qb;
    },
    order: 'newest first',
    item: ApprovalView,
    view: async (holds) => {
      const decisions = holds.length === 0 ? [] : await db().find(AwardHoldDecisionSchema, { holdId: { $in: holds.map((hold) => hold.id) } });
      const byHold = new Map(decisions.map((decision) => [decision.holdId, decision]));
      return holds.map((hold) => {
        const decision = byHold.get(hold.id);
        return ApprovalView.parse({
          ...hold,
          status: decision?.decision ?? (Date.parse(hold.expiresAt) <= Date.now() ? 'expired' : 'pending'),
          decidedAt: decision?.decidedAt ?? null,
          decidedBy: decision?.decidedBy ?? null,
          reason: decision?.reason ?? null,
        });
      });
    },
  });

  commandRoute(api, commands, 'approve_award');
  commandRoute(api, commands, 'decline_award');
}
