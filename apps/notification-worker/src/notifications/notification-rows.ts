import { createHash } from 'node:crypto';
import { Cents, LedgerEvent, SourceChange, assertUnreachable, fromCents, toCents } from '@points/contracts';

/** A `feed` row, named by its columns. */
export interface FeedRow {
  id: string;
  event_id: string;
  tenant_id: string;
  actor_id: string;
  target_user_id: string | null;
  type: 'award' | 'recognition' | 'bulk_award';
  message: string | null;
  points: string;
  reference_id: string;
  created_at: string;
}

/** An `audit_log` row, named by its columns. */
export interface AuditRow {
  id: string;
  event_id: string;
  tenant_id: string | null;
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: unknown;
  after: unknown;
  request_id: string | null;
  created_at: string;
}

export interface NotificationRows {
  feed: FeedRow | null;
  audit: AuditRow[];
  lowPool: { tenantId: string; balance: string; threshold: string } | null;
}

/**
 * What one ledger event becomes: at most one feed entry (awards and
 * recognitions are social; allocations and delegations are not), one audit row,
 * and a low-pool alert when the event took the tenant pool below its threshold.
 * Pure, so every mapping is unit tested; ids derive from the event id, so
 * writing the same event twice writes nothing new.
 */
export function notificationRows(event: LedgerEvent, lowPoolThreshold: (tenantId: string) => Cents): NotificationRows {
  const audit = (entityType: string, entityId: string, before: unknown, after: unknown): AuditRow => ({
    id: derivedId(event.eventId, 'audit'),
    event_id: event.eventId,
    tenant_id: event.tenantId,
    actor_id: event.actorId,
    action: event.type,
    entity_type: entityType,
    entity_id: entityId,
    before,
    after,
    request_id: event.requestId,
    created_at: event.occurredAt,
  });
  const feed = (type: FeedRow['type'], targetId: string, points: string, message: string | null, referenceId: string): FeedRow => ({
    id: derivedId(event.eventId, 'feed'),
    event_id: event.eventId,
    tenant_id: event.tenantId as string,
    actor_id: event.actorId,
    target_user_id: targetId,
    type,
    message,
    points,
    reference_id: referenceId,
    created_at: event.occurredAt,
  });

  let rows: { feed: FeedRow | null; audit: AuditRow; pool: { previousBalance: string; newBalance: string } | null };
  switch (event.type) {
    case 'points.allocated':
      rows = {
        feed: null,
        audit: audit(
          'tenant_pool',
          event.tenantId,
          { balance: event.pool.previousBalance },
          { balance: event.pool.newBalance, amount: event.amount, currency: event.currency, invoiceNumber: event.invoiceNumber, referenceNote: event.referenceNote, ...(event.schedule ? { schedule: event.schedule } : {}) },
        ),
        pool: null,
      };
      break;
    case 'points.clawed_back':
      rows = {
        feed: null,
        audit: audit('tenant_pool', event.tenantId, { balance: event.pool.previousBalance }, { balance: event.pool.newBalance, amount: event.amount, referenceNote: event.referenceNote }),
        pool: event.pool,
      };
      break;
    case 'points.delegated':
      rows = {
        feed: null,
        audit: audit(
          'lead_budget',
          event.leadId,
          { source: event.source.previousBalance, leadBudget: event.leadBudget.previousBalance },
          { source: event.source.newBalance, leadBudget: event.leadBudget.newBalance, amount: event.amount },
        ),
        pool: fromPool(event.source),
      };
      break;
    case 'points.awarded':
      rows = {
        feed: feed('award', event.recipientId, event.amount, event.description, event.commandId),
        audit: audit('wallet', event.recipientId, { source: side(event.source, 'previousBalance'), wallet: event.wallet.previousBalance }, { source: side(event.source, 'newBalance'), wallet: event.wallet.newBalance, amount: event.amount }),
        pool: fromPool(event.source),
      };
      break;
    case 'recognition.created':
      rows = {
        feed: feed('recognition', event.recipientId, event.points, event.message, event.recognitionId),
        audit: audit(
          'recognition',
          event.recognitionId,
          event.wallet ? { wallet: event.wallet.previousBalance, source: event.source?.previousBalance } : null,
          { recipientId: event.recipientId, points: event.points, message: event.message, wallet: event.wallet?.newBalance ?? null, source: event.source?.newBalance ?? null },
        ),
        pool: fromPool(event.source),
      };
      break;
    case 'bulk_award.completed':
      rows = {
        feed: { ...feed('bulk_award', '', event.totalAmount, event.description ?? `${event.recipients} colleagues were awarded`, event.bulkId), target_user_id: null },
        audit: audit('bulk_award', event.bulkId, { source: side(event.source, 'previousBalance') }, { source: side(event.source, 'newBalance'), recipients: event.recipients, totalAmount: event.totalAmount }),
        pool: fromPool(event.source),
      };
      break;
    case 'user.created':
      rows = { feed: null, audit: audit('user', event.userId, null, { email: event.email, displayName: event.displayName, role: event.role }), pool: null };
      break;
    case 'award.pending_approval':
      rows = {
        feed: null,
        audit: audit('award_hold', event.approvalId, null, {
          giverId: event.giverId,
          recipientId: event.recipientId,
          amount: event.amount,
          description: event.description,
          source: event.source,
          expiresAt: event.expiresAt,
        }),
        pool: null,
      };
      break;
    case 'award.approved':
      rows = {
        // The award is the giver's: the feed shows them giving it, the audit row the approver approving it.
        feed: { ...feed('award', event.recipientId, event.amount, event.description, event.approvalId), actor_id: event.giverId },
        audit: audit(
          'award_hold',
          event.approvalId,
          { source: side(event.source, 'previousBalance'), wallet: event.wallet.previousBalance },
          { decision: 'approved', reason: event.reason, giverId: event.giverId, recipientId: event.recipientId, amount: event.amount, source: side(event.source, 'newBalance'), wallet: event.wallet.newBalance },
        ),
        pool: fromPool(event.source),
      };
      break;
    case 'bulk_award.pending_approval':
      rows = {
        feed: null,
        audit: audit('award_hold', event.approvalId, null, {
          kind: 'bulk_award',
          giverId: event.giverId,
          recipients: event.recipients,
          totalAmount: event.totalAmount,
          description: event.description,
          source: event.source,
          expiresAt: event.expiresAt,
        }),
        pool: null,
      };
      break;
    case 'bulk_award.approved':
      rows = {
        // As for a bulk award posted at once, in its giver's name; the audit row is the approver's.
        feed: { ...feed('bulk_award', '', event.totalAmount, event.description ?? `${event.recipients} colleagues were awarded`, event.bulkId), target_user_id: null, actor_id: event.giverId },
        audit: audit(
          'award_hold',
          event.approvalId,
          { source: side(event.source, 'previousBalance') },
          { decision: 'approved', kind: 'bulk_award', reason: event.reason, giverId: event.giverId, recipients: event.recipients, totalAmount: event.totalAmount, source: side(event.source, 'newBalance') },
        ),
        pool: fromPool(event.source),
      };
      break;
    case 'award.hold_released':
      rows = {
        feed: null,
        // An expiry is the system's doing, not the giver's.
        audit: {
          ...audit('award_hold', event.approvalId, null, { decision: event.decision, reason: event.reason, giverId: event.giverId, recipientId: event.recipientId, amount: event.amount, source: event.source }),
          actor_id: event.decision === 'expired' ? null : event.actorId,
        },
        pool: null,
      };
      break;
    case 'settings.updated':
      rows = { feed: null, audit: audit('tenant_settings', event.tenantId, event.before, { ...event.after, version: event.version }), pool: null };
      break;
    case 'department.created':
      rows = { feed: null, audit: audit('department', event.department.departmentId, null, event.department), pool: null };
      break;
    case 'department.updated':
      rows = { feed: null, audit: audit('department', event.after.departmentId, event.before, event.after), pool: null };
      break;
    case 'department.transferred':
      // Budget moves between pools are management's business, not the social feed's (as delegations are).
      rows = {
        feed: null,
        audit: audit(
          'department',
          event.departmentId,
          { pool: event.pool.previousBalance, department: event.department.previousBalance },
          { direction: event.direction, amount: event.amount, description: event.description, pool: event.pool.newBalance, department: event.department.newBalance },
        ),
        pool: event.pool,
      };
      break;
    case 'user.department_changed':
      rows = { feed: null, audit: audit('user', event.userId, { departmentId: event.previousDepartmentId }, { departmentId: event.departmentId }), pool: null };
      break;
    case 'allocation.reversed':
      rows = {
        feed: null,
        audit: audit(
          'tenant_pool',
          event.tenantId,
          event.pool ? { balance: event.pool.previousBalance } : null,
          { reverses: event.originalCommandId, alreadyReversed: event.alreadyReversed, reversalId: event.reversalId, amount: event.amount, reason: event.reason, balance: event.pool?.newBalance ?? null },
        ),
        pool: event.pool,
      };
      break;
    case 'award.reversed':
      // The award's feed entry is shown as reversed (the feed reads `reversals`); the reversal itself is audited.
      rows = {
        feed: null,
        audit: audit(
          'award',
          event.originalCommandId,
          event.wallet ? { wallet: event.wallet.previousBalance, source: event.source ? side(event.source, 'previousBalance') : null } : null,
          {
            reversed: true,
            alreadyReversed: event.alreadyReversed,
            reversalId: event.reversalId,
            reason: event.reason,
            giverId: event.giverId,
            recipientId: event.recipientId,
            amount: event.amount,
            wallet: event.wallet?.newBalance ?? null,
            source: event.source ? side(event.source, 'newBalance') : null,
          },
        ),
        pool: null,
      };
      break;
    case 'schedule.created':
    case 'schedule.deleted':
      rows = { feed: null, audit: audit('allocation_schedule', event.schedule.scheduleId, null, event.schedule), pool: null };
      break;
    case 'schedule.skipped':
      rows = { feed: null, audit: audit('allocation_schedule', event.scheduleId, null, { reason: event.reason, periodKey: event.periodKey }), pool: null };
      break;
    case 'schedule.updated':
      rows = { feed: null, audit: audit('allocation_schedule', event.after.scheduleId, event.before, event.after), pool: null };
      break;
    case 'command.rejected':
      rows = { feed: null, audit: audit('command', event.commandId, null, { commandType: event.commandType, error: event.error }), pool: null };
      break;
    default:
      return assertUnreachable(event);
  }

  const lowPool = rows.pool && event.tenantId ? crossedBelow(event.tenantId, rows.pool, lowPoolThreshold(event.tenantId)) : null;
  const auditRows = [rows.audit];
  if (lowPool) {
    auditRows.push({
      ...rows.audit,
      id: derivedId(event.eventId, 'low-pool'),
      event_id: derivedId(event.eventId, 'low-pool-event'),
      action: 'pool.low_balance',
      entity_type: 'tenant_pool',
      entity_id: lowPool.tenantId,
      before: null,
      after: { balance: lowPool.balance, threshold: lowPool.threshold, causedBy: event.eventId },
    });
  }
  return { feed: rows.feed, audit: auditRows, lowPool };
}

/** The pool's change, when the points came from the pool (the low-pool alert watches only the pool). */
const fromPool = (source: SourceChange | null) => (source?.type === 'tenant_pool' ? source : null);

/** A source's balance on one side of the change, as the audit row records it. */
const side = (source: SourceChange, balance: 'previousBalance' | 'newBalance') => ({ type: source.type, balance: source[balance] });

/** An alert fires once, when a change takes the pool from at-or-above to below the threshold. */
function crossedBelow(tenantId: string, pool: { previousBalance: string; newBalance: string }, threshold: Cents) {
  const before = toCents(pool.previousBalance);
  const after = toCents(pool.newBalance);
  return before >= threshold && after < threshold ? { tenantId, balance: pool.newBalance, threshold: fromCents(threshold) } : null;
}

/** A stable UUID for a row derived from an event, so replays collide on the primary key too. */
export function derivedId(eventId: string, purpose: string): string {
  const hex = createHash('sha256').update(`${eventId}:${purpose}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
