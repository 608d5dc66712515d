import { ApiClient, ApiError, CliError } from './api-client';

/**
 * Payload fields that name a user or a tenant take something a person can
 * type: an email or a tenant slug, looked up through the API. Keyed by field
 * name, so a new command that names a user by one of these fields gets the
 * lookup without a line here.
 */
type Resolver = { hint: string; resolve(client: ApiClient, ref: string, flag: string): Promise<string> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const user: Resolver = {
  hint: 'a user id, or an email in your tenant',
  async resolve(client, ref, flag) {
    const found = await findInPages<{ id: string; email: string }>(client, '/api/users', (u) => u.email.toLowerCase() === ref.toLowerCase(), flag, 'a manager or HR admin token');
    if (!found) throw new CliError(`${flag}: no user ${ref} in your tenant`);
    return found.id;
  },
};

const tenant: Resolver = {
  hint: 'a tenant id or slug',
  async resolve(client, ref, flag) {
    const found = await findInPages<{ id: string; slug: string }>(client, '/api/platform/tenants', (t) => t.slug === ref, flag, 'a platform admin token');
    if (!found) throw new CliError(`${flag}: no tenant ${ref}`);
    return found.id;
  },
};

const department: Resolver = {
  hint: 'a department id, or its name',
  async resolve(client, ref, flag) {
    const found = await findInPages<{ id: string; name: string }>(client, '/api/departments', (d) => d.name.toLowerCase() === ref.toLowerCase(), flag, 'a token that may see the department');
    if (!found) throw new CliError(`${flag}: no department ${ref} that you can see`);
    return found.id;
  },
};

const RESOLVERS: Record<string, Resolver> = { userId: user, leadId: user, recipientId: user, headId: user, tenantId: tenant, departmentId: department, parentId: department };

/** What the option accepts, for its help line; undefined for a field taken as typed. */
export const referenceHint = (field: string): string | undefined => RESOLVERS[field]?.hint;

/** The id the API wants for this field: a UUID as given, anything else looked up. */
export async function resolveReference(client: ApiClient, field: string, value: string, flag: string): Promise<string> {
  const resolver = RESOLVERS[field];
  if (!resolver || UUID.test(value)) return value;
  return resolver.resolve(client, value, flag);
}

/** Walks a keyset-paginated list until an item matches. */
async function findInPages<T>(client: ApiClient, path: string, matches: (item: T) => boolean, flag: string, needs: string): Promise<T | undefined> {
  let cursor: string | null = null;
  do {
    const query = `?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    let page: { body: { items: T[]; nextCursor: string | null } };
    try {
      page = await client.request('GET', `${path}${query}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 403) throw new CliError(`${flag}: looking a name up needs ${needs} (GET ${path}); give the id instead`);
      throw error;
    }
    const found = page.body.items.find(matches);
    if (found) return found;
    cursor = page.body.nextCursor;
  } while (cursor);
  return undefined;
}
