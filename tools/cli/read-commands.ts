import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { ApprovalView, BulkAwardView, CommandResource, DepartmentView, DistributionView, FeedEntryView, MeView, PoolView, ScheduleResult, SettingsView, UserView, WalletLedgerView } from '@points/contracts';
import { printBulkAward } from './bulk-award-command';
import { printCommand } from './catalog-commands';
import { printJson, printTable, shortTime } from './output';
import { Session, ownOptions, withSession } from './session';

type Row = Record<string, string | number | boolean | null | undefined>;
type Page<T> = { items: T[]; nextCursor: string | null };

/** The everyday reads (not commands, so not in the catalog): one GET each, a table or the raw JSON. */
export function addReadCommands(program: Command): void {
  program.commandsGroup('Reads:');

  read(program, 'pool', "the tenant pool's balance (managers, HR admins); --as-of: as it stood then", async ({ client, json }, _args, command) => {
    const { body } = await client.request<z.infer<typeof PoolView>>('GET', `/api/allocations/pool${asOfQuery(command)}`);
    if (json) printJson(body);
    else console.log(`${body.balance} points${body.held === '0.00' ? '' : ` (${body.held} held for awards pending approval, ${body.available} available)`} — ${body.message}`);
  }).addOption(asOfOption());

  read(program, 'me', 'who you are, your wallet and your lead budget if any; --as-of: the balances as they stood then', async ({ client, json }, _args, command) => {
    const { body } = await client.request<z.infer<typeof MeView>>('GET', `/api/me${asOfQuery(command)}`);
    if (json) return printJson(body);
    console.log(`${body.user.displayName} <${body.user.email}> — ${body.user.role}`);
    if (body.wallet) console.log(`wallet: ${body.wallet.balance} points (${body.wallet.lifetimeEarned} earned in all)`);
    const budget = body.leadBudget;
    if (budget) console.log(`lead budget: ${budget.balance} points${budget.held === '0.00' ? '' : ` (${budget.held} held for awards pending approval, ${budget.available} available)`}`);
    const limits = body.limits;
    if (limits?.perAward) console.log(`limit per award: ${limits.perAward}`);
    for (const [who, usage] of [['give', limits?.asGiver], ['receive', limits?.asRecipient]] as const) {
      if (usage) console.log(`you may ${who} ${usage.remaining} more this ${usage.period} (${usage.used} of ${usage.amount} used; ${limits?.timeZone})`);
    }
  }).addOption(asOfOption());

  read(program, 'settings', "the tenant's settings in force: time zone and spend limits (managers, HR admins)", async ({ client, json }) => {
    const { body } = await client.request<z.infer<typeof SettingsView>>('GET', '/api/settings');
    if (json) return printJson(body);
    console.log(body.version === 0 ? 'settings: the defaults (never changed)' : `settings version ${body.version}, changed ${shortTime(body.updatedAt as string)}`);
    printJson(body.settings);
  });

  list<z.infer<typeof DistributionView>>(program, 'history', 'distributions you made, newest first (--all: the whole tenant’s, managers only)', {
    path: (options) => (options.all ? '/api/allocations/history/tenant' : '/api/allocations/history'),
    row: (d) => ({ when: shortTime(d.createdAt), type: d.transactionType, from: d.sourceType, to: d.toUserId, amount: d.amount, description: d.description }),
    options: [new Option('--all', "the whole tenant's distributions, not only yours")],
  });

  list<z.infer<typeof ApprovalView>>(program, 'approvals', 'awards pending approval (approvers: the tenant’s; others: your own); --all: decided ones too', {
    path: () => '/api/approvals',
    query: (options): Record<string, string> => (options.all ? { status: 'all' } : {}),
    row: (a) => ({ id: a.id, when: shortTime(a.createdAt), kind: a.kind, status: a.status, from: a.giverId, to: a.recipientId ?? 'its rows', amount: a.amount, expires: shortTime(a.expiresAt), by: a.decidedBy, reason: a.reason }),
    options: [new Option('--all', 'decided ones too')],
  });

  list<z.infer<typeof DepartmentView>>(program, 'departments', 'departments and their pools (managers, HR admins: all; others: those you head or belong to)', {
    path: () => '/api/departments',
    row: (d) => ({ id: d.id, name: d.name, parent: d.parentId, head: d.headId, balance: d.balance, held: d.held, available: d.available, members: d.members }),
  });

  list<z.infer<typeof ScheduleResult>>(program, 'schedules', 'recurring allocations with their next run (platform admins); --all: deleted ones too', {
    path: () => '/api/platform/schedules',
    query: (options): Record<string, string> => (options.all ? { includeDeleted: 'true' } : {}),
    row: (s) => ({ id: s.scheduleId, tenant: s.tenantId, cadence: s.cadence, cron: s.cron, zone: s.timeZone, amount: s.amount ?? `to ${s.topUpTo} below ${s.whenBelow}`, status: s.status, next: s.nextRunAt ? shortTime(s.nextRunAt) : null, runs: s.runs }),
    options: [new Option('--all', 'deleted ones too')],
  });

  list<z.infer<typeof UserView>>(program, 'users', "the tenant's users (managers, HR admins)", {
    path: () => '/api/users',
    row: (u) => ({ email: u.email, name: u.displayName, role: u.role, active: u.active ? 'yes' : 'no' }),
  });

  list<FeedEntryView>(program, 'feed', "the tenant's recognition feed, newest first", {
    path: () => '/api/feed',
    row: (f) => ({ when: shortTime(f.createdAt), type: f.type, from: f.actor.displayName, to: f.target?.displayName, points: f.points, message: f.message }),
  });

  list<z.infer<typeof WalletLedgerView>>(program, 'ledger', 'your wallet history, newest first', {
    path: () => '/api/wallets/me/ledger',
    row: (l) => ({ when: shortTime(l.createdAt), type: l.transactionType, amount: l.amount, balance: l.newBalance, reference: l.referenceType }),
  });

  read(program, 'command <id>', "a command's status and outcome", async ({ client, json }, [id]) => {
    const { body } = await client.request<CommandResource>('GET', `/api/commands/${encodeURIComponent(id)}`);
    if (json) printJson(body);
    else printCommand(body);
  });

  read(program, 'bulk-status <id>', "a bulk award's progress, outcome and row errors", async ({ client, json }, [id]) => {
    const { body } = await client.request<BulkAwardView>('GET', `/api/allocations/bulk-awards/${encodeURIComponent(id)}`);
    printBulkAward(body, json);
  });
}

/** A read succeeded when it printed what it found, whatever that says (exit code 0). */
/** `--as-of <time>`: a balance read as it stood at a past moment (the API's `asOf`). */
const asOfOption = () => new Option('--as-of <time>', 'an ISO 8601 time with its offset, e.g. 2026-11-20T17:00:00Z: the balances as they stood then');
const asOfQuery = (command: Command) => {
  const { asOf } = ownOptions(command);
  return typeof asOf === 'string' ? `?asOf=${encodeURIComponent(asOf)}` : '';
};

function read(program: Command, nameAndArgs: string, about: string, show: (session: Session, args: string[], command: Command) => Promise<unknown>): Command {
  return program
    .command(nameAndArgs)
    .description(about)
    .action(
      withSession(async (session, command) => {
        await show(session, command.args, command);
        return 0;
      }),
    );
}

interface ListSpec<T> {
  path(options: Record<string, unknown>): string;
  /** Query parameters the list's own options set. */
  query?(options: Record<string, unknown>): Record<string, string>;
  row(item: T): Row;
  options?: Option[];
}

function list<T>(program: Command, name: string, about: string, spec: ListSpec<T>): void {
  const command = read(program, name, about, async ({ client, json }, _args, invoked) => {
    const options = ownOptions(invoked);
    const query = new URLSearchParams({ ...spec.query?.(options), limit: String(options.limit) });
    if (typeof options.cursor === 'string') query.set('cursor', options.cursor);
    const { body } = await client.request<Page<T>>('GET', `${spec.path(options)}?${query}`);
    if (json) return printJson(body);
    printTable(body.items.map(spec.row));
    if (body.nextCursor) console.error(`more: add --cursor ${body.nextCursor}`);
  });
  for (const option of spec.options ?? []) command.addOption(option);
  command.addOption(new Option('--limit <n>', 'how many to show, 1 to 200').default(20).argParser(pageSize));
  command.addOption(new Option('--cursor <cursor>', 'the next page (printed after a full page)'));
}

function pageSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 200) throw new InvalidArgumentError('must be a whole number from 1 to 200');
  return n;
}
