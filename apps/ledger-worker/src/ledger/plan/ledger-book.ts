import { AppError, BalanceChange, Cents, Command, CommandResult, HeldBalance, LedgerEvent, SourceChange, SourceType, fromCents, isManager } from '@points/contracts';
import { SettingsVersion, defaultSettingsOf, tallyKeyString } from '@points/db';
import { Gift, ensureWithinLimits, giftTallyKeys } from '../limits/spend-limits';
import { available } from './checks';
import { BulkAwardFacts, DepartmentAccount, LeadBudgetAccount, LedgerState, PoolAccount, UserRow, WalletAccount, settingsKey } from '../state/ledger-state';
import { JournalRow, LedgerWrites, TransactionType, emptyLedgerWrites } from '../write/ledger-writes';

/** One balance change of one command, as its journal rows describe it. */
export interface JournalEntry<K extends TransactionType = TransactionType> {
  command: Command;
  transactionType: K;
  /** What the entry points at: the command itself, or what it created (a recognition, a bulk award). */
  referenceType: string;
  referenceId: string;
}

/**
 * A journal entry of one command. What it references is part of the reporting
 * contract (reporting SQL reads `reference_type`), so every rule names it: the
 * command itself (`command`), or the award, recognition or bulk award it made.
 */
export function entryFor<K extends TransactionType>(command: Command, transactionType: K, reference: { type: string; id: string }): JournalEntry<K> {
  return { command, transactionType, referenceType: reference.type, referenceId: reference.id };
}

/** The reference of an entry that points at its command. */
export const commandReference = (command: Command) => ({ type: 'command', id: command.id });

/** Where a giver's points come from: managers spend the tenant pool, a lead their own budget, a department's head its pool. */
export type Source =
  | { type: 'tenant_pool'; account: PoolAccount }
  | { type: 'lead_budget'; account: LeadBudgetAccount }
  | { type: 'department_pool'; account: DepartmentAccount };

/** A source as a rejection names it to its giver. */
export const sourceName = (source: Source) =>
  source.type === 'tenant_pool' ? 'the tenant pool' : source.type === 'lead_budget' ? 'your lead budget' : `the pool of department ${source.account.name}`;

export interface SourceDebit {
  change: SourceChange;
  /** The source account's version after the debit. */
  version: bigint;
}

type EventEnvelope = 'eventId' | 'commandId' | 'actorId' | 'occurredAt' | 'requestId' | 'tenantId';
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventBody = DistributiveOmit<LedgerEvent, EventEnvelope> & { tenantId?: string | null };

/**
 * The primitives every command rule is written with: find accounts, move
 * balances (each move writes exactly one journal row for its account, chained by
 * version), record distributions, outcomes and events. Works on the locked,
 * in-memory state; the rows it collects are written by write-ledger.ts.
 */
export class LedgerBook {
  readonly writes: LedgerWrites = emptyLedgerWrites();

  constructor(
    readonly state: LedgerState,
    readonly newId: () => string,
    private readonly occurredAt: Date,
    /** Journal rows carry `occurredAt` as their time (an injected clock); otherwise the database stamps them with the transaction's start. */
    private readonly stampJournals = false,
  ) {}

  pool(tenantId: string): PoolAccount {
    const pool = this.state.pools.get(tenantId);
    if (!pool) throw new AppError('NOT_FOUND', 'tenant not found', [{ field: 'tenantId', message: 'no such tenant' }]);
    return pool;
  }

  /** An active user of the command's tenant; another tenant's user is reported exactly like a missing one. */
  tenantUser(userId: string, command: Command, field: string): UserRow {
    const user = this.state.users.get(userId);
    if (!user || !user.active || user.tenantId === null || user.tenantId !== command.tenantId) {
      throw new AppError('NOT_FOUND', 'user not found', [{ field, message: 'no such user in this tenant' }]);
    }
    return user;
  }

  sourceOf(issuer: UserRow): Source {
    if (isManager(issuer.role)) return { type: 'tenant_pool', account: this.pool(issuer.tenantId as string) };
    const budget = this.state.leadBudgets.get(issuer.id);
    if (issuer.role === 'lead' && budget) return { type: 'lead_budget', account: budget };
    throw new AppError('FORBIDDEN', 'you have no points to give');
  }

  /** A department of the command's tenant, its pool locked; another tenant's is reported exactly like a missing one. */
  department(departmentId: string, command: Command, field = 'departmentId'): DepartmentAccount {
    const department = this.state.departments.get(departmentId);
    if (!department || department.tenantId !== command.tenantId) {
      throw new AppError('NOT_FOUND', 'department not found', [{ field, message: 'no such department in this tenant' }]);
    }
    return department;
  }

  /** The pool of a department the issuer heads, as the source of their award. */
  headedDepartment(issuer: UserRow, departmentId: string, command: Command): Source {
    const department = this.department(departmentId, command);
    if (department.headId !== issuer.id) {
      throw new AppError('FORBIDDEN', "only the department's head may award from its pool", [{ field: 'departmentId', message: 'you do not head this department' }]);
    }
    return { type: 'department_pool', account: department };
  }

  /**
   * The locked source a past move or a hold names: the tenant's pool, a
   * department pool (by id), or the giver's lead budget (which must be the one
   * named). The loader locked it; a missing one is a defect, not a refusal.
   */
  namedSource(type: SourceType, named: { tenantId: string; giverId: string; accountId: string | null }): Source {
    if (type === 'tenant_pool') return { type, account: this.pool(named.tenantId) };
    if (type === 'department_pool') {
      const department = this.state.departments.get(named.accountId as string);
      if (!department) throw new Error(`department ${named.accountId} was not loaded`);
      return { type, account: department };
    }
    const budget = this.state.leadBudgets.get(named.giverId);
    if (!budget || budget.id !== named.accountId) throw new Error(`lead budget ${named.accountId} was not loaded`);
    return { type, account: budget };
  }

  bulkAward(bulkId: string): BulkAwardFacts {
    const facts = this.state.bulkAwards.get(bulkId);
    if (!facts) throw new Error(`bulk award ${bulkId} was not loaded`);
    return facts;
  }

  /** The tenant settings a command is judged by: the version in force when it was accepted. */
  settingsOf(command: Command): SettingsVersion {
    const tenantId = command.tenantId as string;
    return this.state.settings.get(settingsKey(tenantId, command.settingsVersion ?? 0)) ?? defaultSettingsOf(tenantId);
  }

  /** Refuses a gift the command's settings limit (LIMIT_EXCEEDED, RECIPROCAL_LIMIT_EXCEEDED); `field` names the recipient, `amountField` the amount. */
  ensureWithinLimits(command: Command, gift: Gift, amount: Cents, field: string, amountField = 'amount'): void {
    ensureWithinLimits(gift, amount, this.settingsOf(command), this.state.tallies, this.occurredAt, field, amountField);
  }

  /**
   * Counts a gift in the tallies of the command's settings, and in those of the
   * tenant's latest settings when they count differently (changed since the
   * command was accepted), so later commands see it either way.
   */
  recordGift(command: Command, gift: Gift, amount: Cents, awards = 1): void {
    const keys = this.countingSettings(command).flatMap((settings) => giftTallyKeys(gift, settings, this.occurredAt));
    for (const key of keys) {
      const id = tallyKeyString(key);
      const tally = this.state.tallies.get(id);
      if (tally) {
        tally.amount += amount;
        tally.awards += awards;
      }
      const increment = this.writes.tallyIncrements.get(id) ?? { key, amount: 0n, awards: 0 };
      increment.amount += amount;
      increment.awards += awards;
      this.writes.tallyIncrements.set(id, increment);
    }
  }

  /**
   * Holds a checked award (or bulk award) for an approver: its points held on
   * the source, counted as pending in the giver's (and recipient's) tallies, and
   * its hold written, keyed by the command, expiring at the end of the window.
   */
  hold(command: Command, hold: { kind: 'award' | 'bulk_award'; issuer: UserRow; source: Source; gift: Gift; amount: Cents; description: string | null; windowHours: number }): { held: HeldBalance; expiresAt: string } {
    const { issuer, source, amount } = hold;
    const held = this.changeHeld(source, amount);
    this.holdGift(command, hold.gift, amount);
    const expiresAt = new Date(this.occurredAt.getTime() + hold.windowHours * 3_600_000).toISOString();
    this.writes.newHolds.push({
      id: command.id,
      tenant_id: issuer.tenantId as string,
      kind: hold.kind,
      giver_id: issuer.id,
      recipient_id: hold.gift.recipientId,
      source_type: source.type,
      lead_budget_id: source.type === 'lead_budget' ? source.account.id : null,
      department_id: source.type === 'department_pool' ? source.account.id : null,
      amount: fromCents(amount),
      description: hold.description,
      expires_at: expiresAt,
    });
    return { held, expiresAt };
  }

  /** Counts a gift held for approval as spoken for in the batch's tallies (in memory: the database counts it from `award_holds`). */
  holdGift(command: Command, gift: Gift, amount: Cents): void {
    for (const key of this.countingSettings(command).flatMap((settings) => giftTallyKeys(gift, settings, this.occurredAt))) {
      const tally = this.state.tallies.get(tallyKeyString(key));
      if (tally && key.scope !== 'pair') tally.pending += amount;
    }
  }

  /** The settings a gift is counted under besides the command's own: the tenant's latest, when they count differently. */
  countingSettings(command: Command): SettingsVersion[] {
    const own = this.settingsOf(command);
    const latest = this.state.latestSettings.get(own.tenantId);
    return latest && latest.tallyEpoch !== own.tallyEpoch ? [own, latest] : [own];
  }

  /** The ledger's clock for this batch: when its moves happen. */
  get now(): Date {
    return this.occurredAt;
  }

  movePool(pool: PoolAccount, amount: Cents, entry: JournalEntry): BalanceChange {
    const previous = pool.balance;
    pool.balance += amount;
    pool.version += 1n;
    this.writes.touchedPools.add(pool);
    this.writes.poolLedger.push(this.journalRow(entry, { tenantId: pool.tenantId, amount, previous, next: pool.balance, version: pool.version }));
    return change(previous, pool.balance);
  }

  /** Moves a department pool, a lead budget or a wallet, and records its one journal row for this change. */
  moveAccount(account: DepartmentAccount | LeadBudgetAccount | WalletAccount, amount: Cents, entry: JournalEntry): BalanceChange {
    const previous = account.balance;
    account.balance += amount;
    account.version += 1n;
    const row = this.journalRow(entry, { tenantId: account.tenantId, amount, previous, next: account.balance, version: account.version });
    if ('headId' in account) {
      this.writes.touchedDepartments.add(account);
      this.writes.departmentLedger.push({ ...row, department_id: account.id });
    } else if ('lifetimeEarned' in account) {
      this.writes.touchedWallets.add(account);
      this.writes.walletLedger.push({ ...row, wallet_id: account.id });
    } else {
      this.writes.touchedLeadBudgets.add(account);
      this.writes.leadBudgetLedger.push({ ...row, lead_budget_id: account.id });
    }
    return change(previous, account.balance);
  }

  /**
   * Holds points on a source for an award pending approval, or releases them
   * (a negative amount). The balance does not change, so no journal row is
   * written; the database keeps `0 <= held <= balance`.
   */
  changeHeld(source: Source, amount: Cents): HeldBalance {
    source.account.held += amount;
    if (source.type === 'tenant_pool') this.writes.touchedPools.add(source.account);
    else if (source.type === 'department_pool') this.writes.touchedDepartments.add(source.account);
    else this.writes.touchedLeadBudgets.add(source.account);
    return heldBalance(source);
  }

  debitSource(source: Source, amount: Cents, entry: JournalEntry): SourceDebit {
    const moved = source.type === 'tenant_pool' ? this.movePool(source.account, -amount, entry) : this.moveAccount(source.account, -amount, entry);
    return { change: { type: source.type, ...moved }, version: source.account.version };
  }

  /** The business record of points given: who gave how much to whom, from which source. */
  distribute(move: { entry: JournalEntry<'delegation' | 'award' | 'recognition'>; issuer: UserRow; toUserId: string; amount: string; source: SourceDebit; description: string | null }): void {
    const { entry, source } = move;
    this.writes.distributionLogs.push({
      id: this.newId(),
      tenant_id: move.issuer.tenantId as string,
      from_user_id: move.issuer.id,
      to_user_id: move.toUserId,
      amount: move.amount,
      transaction_type: entry.transactionType,
      reference_type: entry.referenceType,
      reference_id: entry.referenceId,
      description: move.description,
      source_type: source.change.type,
      previous_pool_balance: source.change.previousBalance,
      new_pool_balance: source.change.newBalance,
      source_version: source.version.toString(),
      command_id: entry.command.id,
    });
  }

  succeed(command: Command, result: CommandResult): void {
    this.writes.outcomes.set(command.id, { status: 'succeeded', result });
  }

  reject(command: Command, error: AppError): void {
    this.writes.outcomes.set(command.id, { status: 'rejected', error: error.toBody() });
    this.emit(command, { type: 'command.rejected', commandType: command.type, error: { code: error.code, message: error.message } });
  }

  emit(command: Command, event: EventBody): void {
    this.writes.events.push({
      eventId: this.newId(),
      commandId: command.id,
      actorId: command.issuerId,
      occurredAt: this.occurredAt.toISOString(),
      requestId: command.requestId,
      ...event,
      tenantId: event.tenantId ?? command.tenantId,
    } as LedgerEvent);
  }

  /** One account's journal row for one change: its balance before and after, and its version after. */
  private journalRow(entry: JournalEntry, change: { tenantId: string; amount: Cents; previous: Cents; next: Cents; version: bigint }): JournalRow {
    return {
      id: this.newId(),
      tenant_id: change.tenantId,
      amount: fromCents(change.amount),
      transaction_type: entry.transactionType,
      reference_type: entry.referenceType,
      reference_id: entry.referenceId,
      previous_balance: fromCents(change.previous),
      new_balance: fromCents(change.next),
      version: change.version.toString(),
      command_id: entry.command.id,
      ...this.stamp(),
    };
  }

  /** A row's time when the clock is injected (`created_at`); nothing otherwise: the database stamps the transaction's start. */
  stamp(): { created_at?: string } {
    return this.stampJournals ? { created_at: this.occurredAt.toISOString() } : {};
  }
}

const change = (previous: Cents, next: Cents): BalanceChange => ({ previousBalance: fromCents(previous), newBalance: fromCents(next) });

/** A source's balance, what it holds and what is available, as results and events show them. */
export const heldBalance = (source: { type: SourceType; account: { balance: Cents; held: Cents } }): HeldBalance => ({
  type: source.type,
  balance: fromCents(source.account.balance),
  held: fromCents(source.account.held),
  available: fromCents(available(source.account)),
});
