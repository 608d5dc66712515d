import { DEFAULT_SETTINGS, LedgerEvent, toCents } from '@points/contracts';
import { derivedId, notificationRows } from './notification-rows';

const base = {
  eventId: '11111111-1111-4111-8111-111111111111',
  commandId: '22222222-2222-4222-8222-222222222222',
  tenantId: '33333333-3333-4333-8333-333333333333',
  actorId: '44444444-4444-4444-8444-444444444444',
  occurredAt: '2026-11-23T10:00:00.000Z',
  requestId: 'req-1',
};
const recipientId = '55555555-5555-4555-8555-555555555555';
const threshold = () => toCents('100.00');

describe('notificationRows', () => {
  it('an award from the pool is social: one feed entry and one audit row', () => {
    const event: LedgerEvent = {
      ...base,
      type: 'points.awarded',
      recipientId,
      amount: '10.00',
      description: 'thanks',
      source: { type: 'tenant_pool', previousBalance: '500.00', newBalance: '490.00' },
      wallet: { previousBalance: '0.00', newBalance: '10.00' },
    };
    const rows = notificationRows(event, threshold);
    expect(rows.feed).toMatchObject({ type: 'award', actor_id: base.actorId, target_user_id: recipientId, points: '10.00', message: 'thanks', event_id: base.eventId });
    expect(rows.audit).toEqual([expect.objectContaining({ action: 'points.awarded', entity_type: 'wallet', entity_id: recipientId, request_id: 'req-1' })]);
    expect(rows.lowPool).toBeNull();
  });

  it('a settings change is an audit row with the settings before and after, and no feed entry', () => {
    const before = DEFAULT_SETTINGS;
    const after = { ...DEFAULT_SETTINGS, timeZone: 'Europe/Berlin', limits: { ...DEFAULT_SETTINGS.limits, perAward: '50.00' } };
    const rows = notificationRows({ ...base, type: 'settings.updated', version: 3, before, after }, threshold);
    expect(rows.feed).toBeNull();
    expect(rows.audit).toEqual([expect.objectContaining({ action: 'settings.updated', entity_type: 'tenant_settings', entity_id: base.tenantId, before, after: { ...after, version: 3 } })]);
  });

  it('department changes and transfers are audited, not social; funding a department can take the pool below its threshold', () => {
    const departmentId = '88888888-8888-4888-8888-888888888888';
    const department = { departmentId, name: 'Sales', parentId: null, headId: recipientId };
    const created = notificationRows({ ...base, type: 'department.created', department }, threshold);
    expect([created.feed, created.audit]).toEqual([null, [expect.objectContaining({ action: 'department.created', entity_type: 'department', entity_id: departmentId, before: null, after: department })]]);
    const renamed = notificationRows({ ...base, type: 'department.updated', before: department, after: { ...department, name: 'Revenue' } }, threshold);
    expect(renamed.audit).toEqual([expect.objectContaining({ before: department, after: { ...department, name: 'Revenue' } })]);

    const pool = { previousBalance: '150.00', newBalance: '50.00' };
    const funded = notificationRows(
      { ...base, type: 'department.transferred', departmentId, amount: '100.00', direction: 'fund', pool, department: { previousBalance: '0.00', newBalance: '100.00' }, description: 'Q1' },
      threshold,
    );
    expect(funded.feed).toBeNull();
    expect(funded.audit[0]).toMatchObject({ action: 'department.transferred', entity_id: departmentId, before: { pool: '150.00', department: '0.00' }, after: { direction: 'fund', pool: '50.00', department: '100.00' } });
    expect(funded.lowPool).toEqual({ tenantId: base.tenantId, balance: '50.00', threshold: '100.00' });

    const moved = notificationRows({ ...base, type: 'user.department_changed', userId: recipientId, departmentId, previousDepartmentId: null }, threshold);
    expect(moved.audit).toEqual([expect.objectContaining({ entity_type: 'user', entity_id: recipientId, before: { departmentId: null }, after: { departmentId } })]);
  });

  it('a bulk award held for approval is audited, not social; approved, it is the giver’s feed entry; released, it has no recipient', () => {
    const giverId = '66666666-6666-4666-8666-666666666666';
    const approvalId = '77777777-7777-4777-8777-777777777777';
    const held = { type: 'tenant_pool' as const, balance: '500.00', held: '150.00', available: '350.00' };
    const pending = notificationRows(
      { ...base, type: 'bulk_award.pending_approval', approvalId, bulkId: approvalId, giverId, recipients: 2, totalAmount: '150.00', description: null, source: held, expiresAt: '2026-11-25T10:00:00.000Z' },
      threshold,
    );
    expect([pending.feed, pending.audit[0]]).toEqual([null, expect.objectContaining({ action: 'bulk_award.pending_approval', entity_type: 'award_hold', entity_id: approvalId })]);
    const approved = notificationRows(
      { ...base, type: 'bulk_award.approved', approvalId, bulkId: approvalId, giverId, recipients: 2, totalAmount: '150.00', description: 'launch', reason: null, source: { type: 'tenant_pool', previousBalance: '500.00', newBalance: '350.00' } },
      threshold,
    );
    expect(approved.feed).toMatchObject({ type: 'bulk_award', actor_id: giverId, target_user_id: null, points: '150.00', message: 'launch', reference_id: approvalId });
    expect(approved.audit[0]).toMatchObject({ action: 'bulk_award.approved', actor_id: base.actorId });
    const released = notificationRows({ ...base, type: 'award.hold_released', approvalId, giverId, recipientId: null, amount: '150.00', decision: 'expired', reason: null, source: held }, threshold);
    expect(released.audit[0]).toMatchObject({ action: 'award.hold_released', actor_id: null, after: expect.objectContaining({ recipientId: null }) });
  });

  it('a reversal is audited against the award it reverses, with who gave it and why; it writes no feed entry (the feed shows the award reversed)', () => {
    const originalCommandId = '99999999-9999-4999-8999-999999999999';
    const giverId = '66666666-6666-4666-8666-666666666666';
    const rows = notificationRows(
      {
        ...base,
        type: 'award.reversed',
        originalCommandId,
        reversalId: base.commandId,
        alreadyReversed: false,
        amount: '40.00',
        recipientId,
        giverId,
        reason: 'wrong person',
        source: { type: 'lead_budget', previousBalance: '260.00', newBalance: '300.00' },
        wallet: { previousBalance: '40.00', newBalance: '0.00' },
      },
      threshold,
    );
    expect(rows.feed).toBeNull();
    expect(rows.audit).toEqual([
      expect.objectContaining({
        action: 'award.reversed',
        entity_type: 'award',
        entity_id: originalCommandId,
        before: { wallet: '40.00', source: { type: 'lead_budget', balance: '260.00' } },
        after: expect.objectContaining({ reason: 'wrong person', giverId, wallet: '0.00', source: { type: 'lead_budget', balance: '300.00' } }),
      }),
    ]);
  });

  it('an allocation reversed is audited on the tenant pool and may take it below its threshold; a repeat moves nothing', () => {
    const originalCommandId = '99999999-9999-4999-8999-999999999999';
    const reversed = notificationRows(
      { ...base, type: 'allocation.reversed', originalCommandId, reversalId: base.commandId, alreadyReversed: false, tenantId: base.tenantId, amount: '250.00', reason: 'cancelled', pool: { previousBalance: '300.00', newBalance: '50.00' } },
      threshold,
    );
    expect(reversed.feed).toBeNull();
    expect(reversed.audit[0]).toMatchObject({ action: 'allocation.reversed', entity_type: 'tenant_pool', before: { balance: '300.00' }, after: expect.objectContaining({ reverses: originalCommandId, balance: '50.00' }) });
    expect(reversed.lowPool).toEqual({ tenantId: base.tenantId, balance: '50.00', threshold: '100.00' });
    const repeated = notificationRows({ ...base, type: 'allocation.reversed', originalCommandId, reversalId: base.commandId, alreadyReversed: true, tenantId: base.tenantId, amount: '250.00', reason: 'x', pool: null }, threshold);
    expect([repeated.audit[0].before, repeated.lowPool]).toEqual([null, null]);
  });

  it('a delegation from a department pool raises no low-pool alert (the alert watches the tenant pool)', () => {
    const rows = notificationRows(
      { ...base, type: 'points.delegated', leadId: recipientId, amount: '100.00', description: null, source: { type: 'department_pool', previousBalance: '150.00', newBalance: '50.00' }, leadBudget: { previousBalance: '0.00', newBalance: '100.00' } },
      threshold,
    );
    expect(rows.lowPool).toBeNull();
  });

  it('an award pending approval is audited, not social; approved, it is the giver’s feed entry; an expired hold is nobody’s doing', () => {
    const giverId = '66666666-6666-4666-8666-666666666666';
    const approvalId = '77777777-7777-4777-8777-777777777777';
    const held = { type: 'tenant_pool' as const, balance: '500.00', held: '150.00', available: '350.00' };
    const pending = notificationRows({ ...base, type: 'award.pending_approval', approvalId, giverId, recipientId, amount: '150.00', description: null, source: held, expiresAt: '2026-11-25T10:00:00.000Z' }, threshold);
    expect(pending.feed).toBeNull();
    expect(pending.audit).toEqual([expect.objectContaining({ action: 'award.pending_approval', entity_type: 'award_hold', entity_id: approvalId })]);

    const approved = notificationRows(
      {
        ...base,
        type: 'award.approved',
        approvalId,
        giverId,
        recipientId,
        amount: '150.00',
        description: 'launch',
        reason: null,
        source: { type: 'tenant_pool', previousBalance: '500.00', newBalance: '350.00' },
        wallet: { previousBalance: '0.00', newBalance: '150.00' },
      },
      threshold,
    );
    expect(approved.feed).toMatchObject({ type: 'award', actor_id: giverId, target_user_id: recipientId, points: '150.00', reference_id: approvalId });
    expect(approved.audit[0]).toMatchObject({ action: 'award.approved', actor_id: base.actorId, after: { decision: 'approved' } });

    const expired = notificationRows({ ...base, type: 'award.hold_released', approvalId, giverId, recipientId, amount: '150.00', decision: 'expired', reason: null, source: held }, threshold);
    expect(expired.feed).toBeNull();
    expect(expired.audit).toEqual([expect.objectContaining({ action: 'award.hold_released', actor_id: null, after: expect.objectContaining({ decision: 'expired' }) })]);
  });

  it('an allocation is not social: no feed entry', () => {
    const event: LedgerEvent = { ...base, type: 'points.allocated', amount: '5.00', currency: 'USD', referenceNote: 'x', invoiceNumber: null, pool: { previousBalance: '0.00', newBalance: '5.00' } };
    expect(notificationRows(event, threshold).feed).toBeNull();
  });

  it('raises the low-pool alert once, when a change crosses the threshold, not when already below', () => {
    const crossing: LedgerEvent = {
      ...base,
      type: 'points.delegated',
      leadId: recipientId,
      amount: '50.00',
      description: null,
      source: { type: 'tenant_pool', previousBalance: '120.00', newBalance: '70.00' },
      leadBudget: { previousBalance: '0.00', newBalance: '50.00' },
    };
    const rows = notificationRows(crossing, threshold);
    expect(rows.lowPool).toEqual({ tenantId: base.tenantId, balance: '70.00', threshold: '100.00' });
    expect(rows.audit.map((r) => r.action)).toEqual(['points.delegated', 'pool.low_balance']);
    const below = { ...crossing, source: { type: 'tenant_pool' as const, previousBalance: '70.00', newBalance: '20.00' } };
    expect(notificationRows(below, threshold).lowPool).toBeNull();
  });

  it('derives the same row ids from the same event, so a replay collides', () => {
    expect(derivedId(base.eventId, 'feed')).toBe(derivedId(base.eventId, 'feed'));
    expect(derivedId(base.eventId, 'feed')).not.toBe(derivedId(base.eventId, 'audit'));
    expect(derivedId(base.eventId, 'feed')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
