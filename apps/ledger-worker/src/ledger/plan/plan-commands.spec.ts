import { Command, toCents } from '@points/contracts';
import { emptyLedgerState, LedgerState, UserRow } from '../state/ledger-state';
import { planCommands } from './plan-commands';

let seq = 0;
const id = () => `00000000-0000-4000-8000-${(++seq).toString().padStart(12, '0')}`;

function world() {
  const state: LedgerState = emptyLedgerState();
  const tenant = id();
  const other = id();
  const user = (role: UserRow['role'], tenantId: string | null = tenant, active = true): UserRow => {
    const u: UserRow = { id: id(), tenantId, role, active, email: `${role}${seq}@x.test`, displayName: role, departmentId: null };
    state.users.set(u.id, u);
    if (tenantId) state.wallets.set(u.id, { id: id(), userId: u.id, tenantId, balance: 0n, lifetimeEarned: 0n, version: 0n });
    if (role === 'lead' && tenantId) state.leadBudgets.set(u.id, { id: id(), userId: u.id, tenantId, balance: 0n, held: 0n, version: 0n });
    return u;
  };
  state.pools.set(tenant, { tenantId: tenant, balance: toCents('100.00'), held: 0n, version: 3n });
  state.pools.set(other, { tenantId: other, balance: 0n, held: 0n, version: 0n });
  return { state, tenant, other, user };
}

const cmd = (c: Omit<Command, 'id' | 'requestId'>): Command => ({ id: id(), requestId: null, ...c }) as Command;

describe('planCommands', () => {
  it('allocates into the pool with a chained journal row, an allocation log and a billing record', () => {
    const { state, tenant, user } = world();
    const admin = user('platform_admin', null);
    const command = cmd({ type: 'allocate', tenantId: null, issuerId: admin.id, payload: { tenantId: tenant, amount: '50.00', currency: 'USD', referenceNote: 'Q1' } });
    const writes = planCommands([command], state);

    expect(writes.outcomes.get(command.id)).toEqual({
      status: 'succeeded',
      result: { tenantId: tenant, amount: '50.00', previousBalance: '100.00', newBalance: '150.00' },
    });
    expect(writes.poolLedger).toEqual([expect.objectContaining({ amount: '50.00', previous_balance: '100.00', new_balance: '150.00', version: '4' })]);
    expect(writes.allocationLogs).toEqual([expect.objectContaining({ transaction_type: 'allocation', version: '4' })]);
    expect(writes.billingLogs).toHaveLength(1);
    expect(writes.events.map((e) => e.type)).toEqual(['points.allocated']);
  });

  it('rejects a clawback beyond the pool and changes nothing', () => {
    const { state, tenant, user } = world();
    const admin = user('platform_admin', null);
    const command = cmd({ type: 'clawback', tenantId: null, issuerId: admin.id, payload: { tenantId: tenant, amount: '100.01', referenceNote: 'oops' } });
    const writes = planCommands([command], state);

    expect(writes.outcomes.get(command.id)).toMatchObject({ status: 'rejected', error: { code: 'INSUFFICIENT_BALANCE' } });
    expect(state.pools.get(tenant)).toMatchObject({ balance: 10000n, version: 3n });
    expect(writes.poolLedger).toHaveLength(0);
    expect(writes.events.map((e) => e.type)).toEqual(['command.rejected']);
  });

  it('lets a lead award only from their own budget, and each command sees the previous one', () => {
    const { state, tenant, user } = world();
    const manager = user('tenant_manager');
    const lead = user('lead');
    const employee = user('employee');
    const delegate = cmd({ type: 'delegate', tenantId: tenant, issuerId: manager.id, payload: { leadId: lead.id, amount: '30' } });
    const award = cmd({ type: 'award', tenantId: tenant, issuerId: lead.id, payload: { userId: employee.id, amount: '20.00' } });
    const tooMuch = cmd({ type: 'award', tenantId: tenant, issuerId: lead.id, payload: { userId: employee.id, amount: '10.01' } });
    const writes = planCommands([delegate, award, tooMuch], state);

    expect(writes.outcomes.get(delegate.id)?.status).toBe('succeeded');
    expect(writes.outcomes.get(award.id)).toEqual({
      status: 'succeeded',
      result: {
        amount: '20.00',
        recipientId: employee.id,
        source: { type: 'lead_budget', previousBalance: '30.00', newBalance: '10.00' },
        wallet: { previousBalance: '0.00', newBalance: '20.00' },
      },
    });
    expect(writes.outcomes.get(tooMuch.id)).toMatchObject({ status: 'rejected', error: { code: 'INSUFFICIENT_BALANCE' } });
    expect(state.pools.get(tenant)?.balance).toBe(7000n);
    expect(state.leadBudgets.get(lead.id)).toMatchObject({ balance: 1000n, version: 2n });
    expect(state.wallets.get(employee.id)).toMatchObject({ balance: 2000n, lifetimeEarned: 2000n, version: 1n });
    expect(writes.leadBudgetLedger.map((r) => [r.amount, r.version])).toEqual([
      ['30.00', '1'],
      ['-20.00', '2'],
    ]);
  });

  it('reports another tenant’s user exactly like a missing one', () => {
    const { state, tenant, other, user } = world();
    const manager = user('tenant_manager');
    const stranger = user('employee', other);
    const command = cmd({ type: 'award', tenantId: tenant, issuerId: manager.id, payload: { userId: stranger.id, amount: '1' } });
    const missing = cmd({ type: 'award', tenantId: tenant, issuerId: manager.id, payload: { userId: id(), amount: '1' } });
    const writes = planCommands([command, missing], state);

    expect(writes.outcomes.get(command.id)).toEqual(writes.outcomes.get(missing.id));
    expect(writes.outcomes.get(command.id)).toMatchObject({ status: 'rejected', error: { code: 'NOT_FOUND' } });
  });

  it('refuses an inactive issuer, a role that may not issue the command, and a forged tenant', () => {
    const { state, tenant, other, user } = world();
    const inactive = user('tenant_manager', tenant, false);
    const employee = user('employee');
    const target = user('employee');
    const commands = [
      cmd({ type: 'award', tenantId: tenant, issuerId: inactive.id, payload: { userId: target.id, amount: '1' } }),
      cmd({ type: 'award', tenantId: tenant, issuerId: employee.id, payload: { userId: target.id, amount: '1' } }),
      cmd({ type: 'award', tenantId: other, issuerId: employee.id, payload: { userId: target.id, amount: '1' } }),
    ];
    const writes = planCommands(commands, state);
    for (const command of commands) expect(writes.outcomes.get(command.id)).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
  });

  it('records a 0-point kudos from an employee without moving any balance, and refuses points from one', () => {
    const { state, tenant, user } = world();
    const employee = user('employee');
    const colleague = user('employee');
    const kudos = cmd({ type: 'recognition', tenantId: tenant, issuerId: employee.id, payload: { recipientId: colleague.id, points: '0.00', message: 'thanks!' } });
    const paid = cmd({ type: 'recognition', tenantId: tenant, issuerId: employee.id, payload: { recipientId: colleague.id, points: '1.00', message: 'thanks!' } });
    const writes = planCommands([kudos, paid], state);

    expect(writes.outcomes.get(kudos.id)).toMatchObject({ status: 'succeeded', result: { amount: '0.00', source: null, wallet: null } });
    expect(writes.recognitions).toHaveLength(1);
    expect(writes.walletLedger).toHaveLength(0);
    expect(writes.outcomes.get(paid.id)).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
  });

  it('refuses self-awards and delegations to non-leads', () => {
    const { state, tenant, user } = world();
    const manager = user('tenant_manager');
    const employee = user('employee');
    const self = cmd({ type: 'award', tenantId: tenant, issuerId: manager.id, payload: { userId: manager.id, amount: '1' } });
    const notLead = cmd({ type: 'delegate', tenantId: tenant, issuerId: manager.id, payload: { leadId: employee.id, amount: '1' } });
    const writes = planCommands([self, notLead], state);
    expect(writes.outcomes.get(self.id)).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN' } });
    expect(writes.outcomes.get(notLead.id)).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
  });

  it('refuses an allocation that would overflow NUMERIC(15,2)', () => {
    const { state, tenant, user } = world();
    const admin = user('platform_admin', null);
    const command = cmd({ type: 'allocate', tenantId: null, issuerId: admin.id, payload: { tenantId: tenant, amount: '9999999999999.99', currency: 'USD', referenceNote: 'x' } });
    expect(planCommands([command], state).outcomes.get(command.id)).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
  });

  it('creates a user with a wallet, and a lead budget for a lead; a taken email is refused', () => {
    const { state, tenant, user } = world();
    const manager = user('tenant_manager');
    const lead = cmd({ type: 'create_user', tenantId: tenant, issuerId: manager.id, payload: { email: 'new@x.test', displayName: 'New', role: 'lead' } });
    const again = cmd({ type: 'create_user', tenantId: tenant, issuerId: manager.id, payload: { email: 'new@x.test', displayName: 'Twin', role: 'employee' } });
    const writes = planCommands([lead, again], state);
    expect(writes.outcomes.get(lead.id)?.status).toBe('succeeded');
    expect(writes.newWallets).toHaveLength(1);
    expect(writes.newLeadBudgets).toHaveLength(1);
    expect(writes.outcomes.get(again.id)).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_FAILED' } });
  });

  it('names what each journal row references: the command (allocation, clawback, delegation), the award, the recognition', () => {
    const { state, tenant, user } = world();
    const admin = user('platform_admin', null);
    const manager = user('tenant_manager');
    const lead = user('lead');
    const employee = user('employee');
    const allocate = cmd({ type: 'allocate', tenantId: null, issuerId: admin.id, payload: { tenantId: tenant, amount: '50.00', currency: 'USD', referenceNote: 'x' } });
    const clawback = cmd({ type: 'clawback', tenantId: null, issuerId: admin.id, payload: { tenantId: tenant, amount: '10.00', referenceNote: 'x' } });
    const delegate = cmd({ type: 'delegate', tenantId: tenant, issuerId: manager.id, payload: { leadId: lead.id, amount: '30.00' } });
    const award = cmd({ type: 'award', tenantId: tenant, issuerId: manager.id, payload: { userId: employee.id, amount: '5.00' } });
    const recognition = cmd({ type: 'recognition', tenantId: tenant, issuerId: lead.id, payload: { recipientId: employee.id, points: '1.00', message: 'thanks' } });
    const writes = planCommands([allocate, clawback, delegate, award, recognition], state);

    const recognitionId = (writes.outcomes.get(recognition.id) as { result: { recognitionId: string } }).result.recognitionId;
    const references = (rows: { transaction_type: string; reference_type: string | null; reference_id: string | null }[]) =>
      rows.map((row) => [row.transaction_type, row.reference_type, row.reference_id]);
    expect(references(writes.poolLedger)).toEqual([
      ['allocation', 'command', allocate.id],
      ['clawback', 'command', clawback.id],
      ['delegation', 'command', delegate.id],
      ['award', 'award', award.id],
    ]);
    expect(references(writes.leadBudgetLedger)).toEqual([
      ['delegation', 'command', delegate.id],
      ['recognition', 'recognition', recognitionId],
    ]);
    expect(references(writes.walletLedger)).toEqual([
      ['award', 'award', award.id],
      ['recognition', 'recognition', recognitionId],
    ]);
    expect(references(writes.distributionLogs)).toEqual([
      ['delegation', 'command', delegate.id],
      ['award', 'award', award.id],
      ['recognition', 'recognition', recognitionId],
    ]);
  });

  it('refuses a bulk award’s reversal whole, changing nothing, when a recipient no longer holds their row', () => {
    const { state, tenant, user } = world();
    const manager = user('tenant_manager');
    const bulkId = id();
    state.reversibles.set(bulkId, {
      id: bulkId,
      type: 'bulk_award',
      tenantId: tenant,
      issuerId: manager.id,
      acceptedAt: new Date(),
      status: 'succeeded',
      recipientId: null,
      moves: [{ account: 'pool', accountId: tenant, ownerId: null, amount: '-40.00', referenceType: 'bulk_award', referenceId: bulkId }],
      reversal: null,
    });
    state.bulkReversals.set(bulkId, { recipients: 3, total: toCents('40.00'), short: 1 });
    const command = cmd({ type: 'reverse_award', tenantId: tenant, issuerId: manager.id, payload: { commandId: bulkId, reason: 'spent' } });
    const writes = planCommands([command], state);

    expect(writes.outcomes.get(command.id)).toMatchObject({ status: 'rejected', error: { code: 'INSUFFICIENT_BALANCE', message: "1 of the bulk award's 3 recipients no longer hold their points" } });
    expect(writes.bulkReversalDebits).toEqual([]);
    expect(writes.poolLedger).toEqual([]);
    expect(state.pools.get(tenant)).toMatchObject({ balance: 10000n, version: 3n });
  });
});
