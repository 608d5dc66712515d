import { randomUUID } from 'node:crypto';
import {
  AllocatePayload,
  AppError,
  AwardPayload,
  AwardResult,
  COMMAND_CATALOG,
  ClawbackPayload,
  Command,
  CommandResult,
  CreateUserPayload,
  Cents,
  DelegatePayload,
  LedgerEvent,
  MAX_CENTS,
  RecognitionPayload,
  SourceType,
  assertUnreachable,
  fromCents,
  isPoolSpender,
  toCents,
} from '@points/contracts';
import { LeadBudgetAccount, LedgerState, PoolAccount, UserRow, WalletAccount } from './ledger-state';
import { LedgerWrites, emptyLedgerWrites } from './ledger-writes';

export interface PlannerOptions {
  newId?: () => string;
  now?: () => Date;
}

/**
 * Decides the outcome of each command against locked, in-memory balances and
 * records every row to write. Pure: no I/O, so every business rule is unit
 * tested without a database. Commands are planned in the order given; each one
 * sees the balances the previous ones left. A command's checks all run before
 * it mutates anything, so a rejection leaves the state as it found it.
 */
export function planCommands(commands: Command[], state: LedgerState, options: PlannerOptions = {}): LedgerWrites {
  const planner = new Planner(state, options.newId ?? randomUUID, (options.now ?? (() => new Date()))());
  for (const command of commands) planner.plan(command);
  return planner.writes;
}

type Source =
  | { type: 'tenant_pool'; account: PoolAccount }
  | { type: 'lead_budget'; account: LeadBudgetAccount };

class Planner {
  readonly writes = emptyLedgerWrites();

  constructor(
    private readonly state: LedgerState,
    private readonly newId: () => string,
    private readonly occurredAt: Date,
  ) {}

  plan(command: Command): void {
    try {
      const issuer = this.authorisedIssuer(command);
      this.apply(command, issuer);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      this.writes.outcomes.set(command.id, { status: 'rejected', error: error.toBody() });
      this.emit(command, {
        type: 'command.rejected',
        commandType: command.type,
        error: { code: error.code, message: error.message },
      });
    }
  }

  private apply(command: Command, issuer: UserRow): void {
    switch (command.type) {
      case 'allocate':
        return this.allocate(command, command.payload);
      case 'clawback':
        return this.clawback(command, command.payload);
      case 'delegate':
        return this.delegate(command, issuer, command.payload);
      case 'award':
        return this.award(command, issuer, command.payload);
      case 'recognition':
        return this.recognise(command, issuer, command.payload);
      case 'create_user':
        return this.createUser(command, command.payload);
      default:
        return assertUnreachable(command);
    }
  }

  /** The issuer is re-read from the database: a role or tenant in a job is never trusted. */
  private authorisedIssuer(command: Command): UserRow {
    const issuer = this.state.users.get(command.issuerId);
    const allowed: readonly string[] = COMMAND_CATALOG[command.type].roles;
    if (!issuer || !issuer.active || !allowed.includes(issuer.role) || issuer.tenantId !== command.tenantId) {
      throw new AppError('FORBIDDEN', 'the issuer may not perform this command');
    }
    return issuer;
  }

  private allocate(command: Command, payload: AllocatePayload): void {
    const pool = this.pool(payload.tenantId);
    const amount = toCents(payload.amount);
    ensureFits(pool.balance + amount, 'amount', 'the tenant pool');
    const change = this.movePool(pool, amount, command, 'allocation');
    this.writes.allocationLogs.push({
      id: this.newId(),
      tenant_id: pool.tenantId,
      admin_id: command.issuerId,
      amount: payload.amount,
      currency: payload.currency,
      reference_note: payload.referenceNote,
      transaction_type: 'allocation',
      previous_balance: change.previousBalance,
      new_balance: change.newBalance,
      version: pool.version.toString(),
      command_id: command.id,
    });
    this.billing(command, pool.tenantId, payload.amount, 'allocation', payload.referenceNote, payload.currency, payload.invoiceNumber ?? null);
    this.succeed(command, { tenantId: pool.tenantId, amount: payload.amount, ...change });
    this.emit(command, {
      type: 'points.allocated',
      tenantId: pool.tenantId,
      amount: payload.amount,
      currency: payload.currency,
      referenceNote: payload.referenceNote,
      invoiceNumber: payload.invoiceNumber ?? null,
      pool: change,
    });
  }

  private clawback(command: Command, payload: ClawbackPayload): void {
    const pool = this.pool(payload.tenantId);
    const amount = toCents(payload.amount);
    ensureCovers(pool.balance, amount, 'the tenant pool');
    const change = this.movePool(pool, -amount, command, 'clawback');
    this.writes.allocationLogs.push({
      id: this.newId(),
      tenant_id: pool.tenantId,
      admin_id: command.issuerId,
      amount: payload.amount,
      currency: null,
      reference_note: payload.referenceNote,
      transaction_type: 'clawback',
      previous_balance: change.previousBalance,
      new_balance: change.newBalance,
      version: pool.version.toString(),
      command_id: command.id,
    });
    this.billing(command, pool.tenantId, payload.amount, 'clawback', payload.referenceNote, null, null);
    this.succeed(command, { tenantId: pool.tenantId, amount: payload.amount, ...change });
    this.emit(command, {
      type: 'points.clawed_back',
      tenantId: pool.tenantId,
      amount: payload.amount,
      referenceNote: payload.referenceNote,
      pool: change,
    });
  }

  private delegate(command: Command, issuer: UserRow, payload: DelegatePayload): void {
    const lead = this.tenantUser(payload.leadId, command, 'leadId');
    if (lead.role !== 'lead') {
      throw new AppError('VALIDATION_FAILED', 'the recipient of a delegation must be a lead', [
        { field: 'leadId', message: 'user is not a lead' },
      ]);
    }
    const budget = this.state.leadBudgets.get(lead.id);
    if (!budget) throw new AppError('NOT_FOUND', 'lead budget not found', [{ field: 'leadId', message: 'no budget' }]);
    const amount = toCents(payload.amount);
    const pool = this.pool(issuer.tenantId as string);
    ensureCovers(pool.balance, amount, 'the tenant pool');
    ensureFits(budget.balance + amount, 'amount', "the lead's budget");

    const source = this.debitSource({ type: 'tenant_pool', account: pool }, amount, command, 'delegation');
    const leadBudget = this.journal(budget, amount, command, 'delegation');
    this.distribution(command, issuer, lead.id, payload.amount, 'delegation', source, payload.description ?? null);
    this.succeed(command, { amount: payload.amount, leadId: lead.id, source: source.change, leadBudget });
    this.emit(command, {
      type: 'points.delegated',
      tenantId: pool.tenantId,
      leadId: lead.id,
      amount: payload.amount,
      description: payload.description ?? null,
      source: source.change,
      leadBudget,
    });
  }

  private award(command: Command, issuer: UserRow, payload: AwardPayload): void {
    const transfer = this.awardTransfer(command, issuer, payload.userId, 'userId', payload.amount, 'award', 'award', payload.description ?? null);
    this.succeed(command, transfer);
    this.emit(command, {
      type: 'points.awarded',
      tenantId: issuer.tenantId as string,
      recipientId: transfer.recipientId,
      amount: payload.amount,
      description: payload.description ?? null,
      source: transfer.source,
      wallet: transfer.wallet,
    });
  }

  private recognise(command: Command, issuer: UserRow, payload: RecognitionPayload): void {
    const points = toCents(payload.points);
    if (points > 0n && issuer.role === 'employee') {
      throw new AppError('FORBIDDEN', 'employees may only give 0-point kudos', [
        { field: 'points', message: 'must be 0 for an employee' },
      ]);
    }
    const recognitionId = this.newId();
    let transfer: AwardResult | null = null;
    if (points > 0n) {
      transfer = this.awardTransfer(command, issuer, payload.recipientId, 'recipientId', payload.points, 'recognition', 'recognition', payload.message, recognitionId);
    } else {
      const recipient = this.tenantUser(payload.recipientId, command, 'recipientId');
      if (recipient.id === issuer.id) throw selfAward('recipientId');
    }
    this.writes.recognitions.push({
      id: recognitionId,
      tenant_id: issuer.tenantId,
      giver_id: issuer.id,
      recipient_id: payload.recipientId,
      points: payload.points,
      message: payload.message,
      command_id: command.id,
    });
    const source = transfer?.source ?? null;
    const wallet = transfer?.wallet ?? null;
    this.succeed(command, { amount: payload.points, recipientId: payload.recipientId, recognitionId, source, wallet });
    this.emit(command, {
      type: 'recognition.created',
      tenantId: issuer.tenantId as string,
      recognitionId,
      recipientId: payload.recipientId,
      points: payload.points,
      message: payload.message,
      source,
      wallet,
    });
  }

  private createUser(command: Command, payload: CreateUserPayload): void {
    const tenantId = payload.tenantId ?? command.tenantId;
    if (!tenantId) {
      throw new AppError('VALIDATION_FAILED', 'tenantId is required', [{ field: 'tenantId', message: 'required for a platform admin' }]);
    }
    if (command.tenantId !== null && tenantId !== command.tenantId) throw new AppError('NOT_FOUND', 'tenant not found');
    if (!this.state.pools.has(tenantId)) {
      throw new AppError('NOT_FOUND', 'tenant not found', [{ field: 'tenantId', message: 'no such tenant' }]);
    }
    if (this.state.takenEmails.has(payload.email)) {
      throw new AppError('VALIDATION_FAILED', 'email is already in use', [{ field: 'email', message: 'already in use' }]);
    }
    const userId = this.newId();
    this.state.takenEmails.add(payload.email);
    this.state.users.set(userId, { id: userId, tenantId, role: payload.role, active: true, email: payload.email, displayName: payload.displayName });
    this.writes.newUsers.push({ id: userId, tenant_id: tenantId, email: payload.email, display_name: payload.displayName, role: payload.role, active: true });
    this.writes.newWallets.push({ id: this.newId(), user_id: userId, tenant_id: tenantId });
    if (payload.role === 'lead') this.writes.newLeadBudgets.push({ id: this.newId(), user_id: userId, tenant_id: tenantId });
    this.succeed(command, { userId });
    this.emit(command, {
      type: 'user.created',
      tenantId,
      userId,
      email: payload.email,
      displayName: payload.displayName,
      role: payload.role,
    });
  }

  /** Moves `amount` from the issuer's source (pool or own budget) to a colleague's wallet. */
  private awardTransfer(
    command: Command,
    issuer: UserRow,
    recipientId: string,
    field: string,
    amountText: string,
    transactionType: 'award' | 'recognition',
    referenceType: string,
    description: string | null,
    referenceId: string = command.id,
  ): AwardResult {
    const recipient = this.tenantUser(recipientId, command, field);
    if (recipient.id === issuer.id) throw selfAward(field);
    const wallet = this.state.wallets.get(recipient.id);
    if (!wallet) throw new AppError('NOT_FOUND', 'recipient has no wallet', [{ field, message: 'no wallet' }]);
    const amount = toCents(amountText);
    const source = this.sourceOf(issuer);
    ensureCovers(source.account.balance, amount, source.type === 'tenant_pool' ? 'the tenant pool' : 'your lead budget');
    ensureFits(wallet.balance + amount, field, "the recipient's wallet");
    ensureFits(wallet.lifetimeEarned + amount, field, "the recipient's lifetime total");

    const debit = this.debitSource(source, amount, command, transactionType, referenceType, referenceId);
    const walletChange = this.journal(wallet, amount, command, transactionType, referenceType, referenceId);
    wallet.lifetimeEarned += amount;
    this.distribution(command, issuer, recipient.id, amountText, transactionType, debit, description, referenceType, referenceId);
    return { amount: amountText, recipientId: recipient.id, source: debit.change, wallet: walletChange };
  }

  private sourceOf(issuer: UserRow): Source {
    if (isPoolSpender(issuer.role)) return { type: 'tenant_pool', account: this.pool(issuer.tenantId as string) };
    const budget = this.state.leadBudgets.get(issuer.id);
    if (issuer.role === 'lead' && budget) return { type: 'lead_budget', account: budget };
    throw new AppError('FORBIDDEN', 'you have no points to give');
  }

  private debitSource(
    source: Source,
    amount: Cents,
    command: Command,
    transactionType: string,
    referenceType = 'command',
    referenceId = command.id,
  ): { type: SourceType; change: AwardResult['source']; version: bigint } {
    const change =
      source.type === 'tenant_pool'
        ? this.movePool(source.account, -amount, command, transactionType, referenceType, referenceId)
        : this.journal(source.account, -amount, command, transactionType, referenceType, referenceId);
    return { type: source.type, change: { type: source.type, ...change }, version: source.account.version };
  }

  private movePool(pool: PoolAccount, amount: Cents, command: Command, transactionType: string, referenceType = 'command', referenceId = command.id) {
    const previous = pool.balance;
    pool.balance += amount;
    pool.version += 1n;
    this.writes.touchedPools.add(pool);
    this.writes.poolLedger.push(this.journalRow(pool.tenantId, amount, previous, pool.balance, pool.version, command, transactionType, referenceType, referenceId));
    return { previousBalance: fromCents(previous), newBalance: fromCents(pool.balance) };
  }

  /** Moves a lead budget or a wallet and records its one journal row for this change. */
  private journal(
    account: LeadBudgetAccount | WalletAccount,
    amount: Cents,
    command: Command,
    transactionType: string,
    referenceType = 'command',
    referenceId = command.id,
  ) {
    const previous = account.balance;
    account.balance += amount;
    account.version += 1n;
    const row = this.journalRow(account.tenantId, amount, previous, account.balance, account.version, command, transactionType, referenceType, referenceId);
    if ('lifetimeEarned' in account) {
      this.writes.touchedWallets.add(account);
      this.writes.walletLedger.push({ ...row, wallet_id: account.id });
    } else {
      this.writes.touchedLeadBudgets.add(account);
      this.writes.leadBudgetLedger.push({ ...row, lead_budget_id: account.id });
    }
    return { previousBalance: fromCents(previous), newBalance: fromCents(account.balance) };
  }

  private journalRow(tenantId: string, amount: Cents, previous: Cents, next: Cents, version: bigint, command: Command, transactionType: string, referenceType: string, referenceId: string) {
    return {
      id: this.newId(),
      tenant_id: tenantId,
      amount: fromCents(amount),
      transaction_type: transactionType,
      reference_type: referenceType,
      reference_id: referenceId,
      previous_balance: fromCents(previous),
      new_balance: fromCents(next),
      version: version.toString(),
      command_id: command.id,
    };
  }

  private distribution(
    command: Command,
    issuer: UserRow,
    toUserId: string,
    amount: string,
    transactionType: string,
    source: { type: SourceType; change: AwardResult['source']; version: bigint },
    description: string | null,
    referenceType = 'command',
    referenceId = command.id,
  ): void {
    this.writes.distributionLogs.push({
      id: this.newId(),
      tenant_id: issuer.tenantId,
      from_user_id: issuer.id,
      to_user_id: toUserId,
      amount,
      transaction_type: transactionType,
      reference_type: referenceType,
      reference_id: referenceId,
      description,
      source_type: source.type,
      previous_pool_balance: source.change.previousBalance,
      new_pool_balance: source.change.newBalance,
      source_version: source.version.toString(),
      command_id: command.id,
    });
  }

  private billing(command: Command, tenantId: string, amount: string, type: string, note: string, currency: string | null, invoice: string | null): void {
    this.writes.billingLogs.push({
      id: this.newId(),
      admin_id: command.issuerId,
      tenant_id: tenantId,
      amount,
      currency,
      reference_note: note,
      transaction_type: type,
      invoice_number: invoice,
      command_id: command.id,
    });
  }

  private pool(tenantId: string): PoolAccount {
    const pool = this.state.pools.get(tenantId);
    if (!pool) throw new AppError('NOT_FOUND', 'tenant not found', [{ field: 'tenantId', message: 'no such tenant' }]);
    return pool;
  }

  /** Another tenant's user is reported exactly like a missing one. */
  private tenantUser(userId: string, command: Command, field: string): UserRow {
    const user = this.state.users.get(userId);
    if (!user || !user.active || user.tenantId === null || user.tenantId !== command.tenantId) {
      throw new AppError('NOT_FOUND', 'user not found', [{ field, message: 'no such user in this tenant' }]);
    }
    return user;
  }

  private succeed(command: Command, result: CommandResult): void {
    this.writes.outcomes.set(command.id, { status: 'succeeded', result });
  }

  private emit(command: Command, event: DistributiveOmit<LedgerEvent, 'eventId' | 'commandId' | 'actorId' | 'occurredAt' | 'requestId' | 'tenantId'> & { tenantId?: string | null }): void {
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
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function ensureCovers(balance: Cents, amount: Cents, what: string): void {
  if (balance < amount) {
    throw new AppError('INSUFFICIENT_BALANCE', `${what} holds ${fromCents(balance)}, less than the ${fromCents(amount)} requested`, [
      { field: 'amount', message: 'exceeds the available balance', available: fromCents(balance), requested: fromCents(amount) },
    ]);
  }
}

function ensureFits(total: Cents, field: string, what: string): void {
  if (total > MAX_CENTS) {
    throw new AppError('VALIDATION_FAILED', `${what} would exceed the maximum balance`, [{ field, message: 'balance would exceed 9999999999999.99' }]);
  }
}

function selfAward(field: string): AppError {
  return new AppError('FORBIDDEN', 'you cannot award points to yourself', [{ field, message: 'must be someone else' }]);
}

