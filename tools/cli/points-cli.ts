import { parseArgs } from 'node:util';
import { ApiClient, CliError, apiBase, printTable, resolveToken } from './api-client';

const USAGE = `usage: npm run cli -- <command> [options] (--email <you> | --token <jwt>) [--api URL] [--json]
  allocate --tenant <tenantId|slug> --amount <n> --currency <USD> --note <text> [--invoice <no>]   (platform admin)
  delegate --lead <userId|email> --amount <n> [--description <text>]                              (manager, HR admin)
  award    --user <userId|email> --amount <n> [--description <text>]                             (manager, HR admin, lead)
  pool                                                                                             (manager, HR admin)
  history  [--all] [--limit <n>]                                                                   (your own, or --all: the tenant's)`;

/** `npm run cli`: the everyday commands as a thin client over the HTTP API; `--json` prints raw responses for scripts. */
async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      token: { type: 'string' },
      api: { type: 'string' },
      json: { type: 'boolean', default: false },
      tenant: { type: 'string' },
      lead: { type: 'string' },
      user: { type: 'string' },
      amount: { type: 'string' },
      currency: { type: 'string', default: 'USD' },
      note: { type: 'string' },
      invoice: { type: 'string' },
      description: { type: 'string' },
      limit: { type: 'string', default: '20' },
      all: { type: 'boolean', default: false },
    },
  });
  const [command] = positionals;
  if (!command) throw new CliError(USAGE);
  const client = new ApiClient(apiBase(values.api), await resolveToken(values));
  const wait = { prefer: 'wait=30' };

  let response: { status: number; body: Record<string, unknown> };
  switch (command) {
    case 'allocate':
      response = await client.request('POST', '/api/platform/allocations/allocate', {
        tenantId: await tenantId(client, required(values.tenant, '--tenant')),
        amount: required(values.amount, '--amount'),
        currency: values.currency,
        referenceNote: required(values.note, '--note'),
        ...(values.invoice ? { invoiceNumber: values.invoice } : {}),
      }, wait);
      break;
    case 'delegate':
      response = await client.request('POST', '/api/allocations/distribute-to-lead', {
        leadId: await userId(client, required(values.lead, '--lead')),
        amount: required(values.amount, '--amount'),
        ...(values.description ? { description: values.description } : {}),
      }, wait);
      break;
    case 'award':
      response = await client.request('POST', '/api/allocations/award-points', {
        userId: await userId(client, required(values.user, '--user')),
        amount: required(values.amount, '--amount'),
        ...(values.description ? { description: values.description } : {}),
      }, wait);
      break;
    case 'pool':
      response = await client.request('GET', '/api/allocations/pool');
      break;
    case 'history':
      response = await client.request('GET', `/api/allocations/history${values.all ? '/tenant' : ''}?limit=${encodeURIComponent(values.limit)}`);
      break;
    default:
      throw new CliError(`unknown command ${command}\n${USAGE}`);
  }

  if (values.json) {
    console.log(JSON.stringify(response.body, null, 2));
  } else if (command === 'pool') {
    console.log(`${response.body.balance} points — ${response.body.message}`);
  } else if (command === 'history') {
    printTable((response.body.items as Record<string, unknown>[]).map((i) => ({ when: i.createdAt, type: i.transactionType, from: i.sourceType, to: i.toUserId, amount: i.amount })));
  } else if (response.status === 422) {
    const error = response.body.error as { code: string; message: string };
    console.log(`✗ rejected: ${error.code}: ${error.message}`);
  } else if (response.status === 202) {
    console.log(`… still running: ${response.body.statusUrl}`);
  } else {
    console.log(`✓ ${command} succeeded`);
    console.log(JSON.stringify(response.body.result, null, 2));
  }
  return response.status === 422 ? 2 : 0;
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new CliError(`${flag} is required\n${USAGE}`);
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An email is looked up in the caller's tenant (GET /api/users, managers only). */
async function userId(client: ApiClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const user = await findInPages<{ id: string; email: string }>(client, '/api/users', (u) => u.email.toLowerCase() === ref.toLowerCase());
  if (!user) throw new CliError(`no user ${ref} in your tenant`);
  return user.id;
}

async function tenantId(client: ApiClient, ref: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const tenant = await findInPages<{ id: string; slug: string }>(client, '/api/platform/tenants', (t) => t.slug === ref);
  if (!tenant) throw new CliError(`no tenant ${ref}`);
  return tenant.id;
}

/** Walks a keyset-paginated list until an item matches. */
async function findInPages<T>(client: ApiClient, path: string, matches: (item: T) => boolean): Promise<T | undefined> {
  let cursor: string | null = null;
  do {
    const page: { body: { items: T[]; nextCursor: string | null } } = await client.request('GET', `${path}?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    const found = page.body.items.find(matches);
    if (found) return found;
    cursor = page.body.nextCursor;
  } while (cursor);
  return undefined;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof CliError ? error.message : error);
    process.exit(1);
  },
);
