import { EntityManager } from '@mikro-orm/postgresql';
import { DEFAULT_SETTINGS, TenantSettings } from '@points/contracts';
import { toIsoTimestamp } from '../entities/iso-timestamp.type';

// Tenant settings are versioned and append-only (Migration20261125000000):
// the ledger writes each version (rules/update-settings.ts), the gateway stamps
// each command with the version committed when it was accepted, and readers
// read them here.

/** One version of a tenant's settings; version 0 is the defaults of a tenant that never set any. */
export interface SettingsVersion {
  tenantId: string;
  version: number;
  settings: TenantSettings;
  /** The version at which the way usage is counted (time zone, limited periods) last changed; 0 for the defaults. */
  tallyEpoch: number;
  changedBy: string | null;
  createdAt: string | null;
}

export const defaultSettingsOf = (tenantId: string): SettingsVersion => ({ tenantId, version: 0, settings: DEFAULT_SETTINGS, tallyEpoch: 0, changedBy: null, createdAt: null });

interface SettingsRow {
  tenant_id: string;
  version: number;
  settings: unknown;
  tally_epoch: number;
  changed_by: string;
  created_at: string;
}

const COLUMNS = 'tenant_id, version, settings, tally_epoch, changed_by, created_at';

/** Stored settings are re-read through the contract, so a default added later applies to old versions too. */
const toVersion = (row: SettingsRow): SettingsVersion => ({
  tenantId: row.tenant_id,
  version: row.version,
  settings: TenantSettings.parse(row.settings),
  tallyEpoch: row.tally_epoch,
  changedBy: row.changed_by,
  createdAt: toIsoTimestamp(row.created_at),
});

/** The settings in force for a tenant now. */
export async function currentSettings(em: EntityManager, tenantId: string): Promise<SettingsVersion> {
  const [row] = await em.fork().execute<SettingsRow[]>(`SELECT ${COLUMNS} FROM tenant_settings WHERE tenant_id = ? ORDER BY version DESC LIMIT 1`, [tenantId]);
  return row ? toVersion(row) : defaultSettingsOf(tenantId);
}

/**
 * For the ledger: the versions its commands were accepted under, and each
 * tenant's latest, in one query. Tenants absent from the answer have never set
 * anything (version 0).
 */
export async function readSettingsVersions(
  tx: EntityManager,
  wanted: { tenantId: string; version: number }[],
  latestOf: string[],
): Promise<{ versions: SettingsVersion[]; latest: Map<string, SettingsVersion> }> {
  if (wanted.length === 0 && latestOf.length === 0) return { versions: [], latest: new Map() };
  const rows = await tx.execute<(SettingsRow & { latest: boolean })[]>(
    `SELECT ${COLUMNS}, false AS latest FROM tenant_settings
      WHERE (tenant_id, version) IN (SELECT tenant_id, version FROM jsonb_to_recordset(?::jsonb) AS w(tenant_id uuid, version int))
     UNION ALL
     SELECT * FROM (SELECT DISTINCT ON (tenant_id) ${COLUMNS}, true AS latest FROM tenant_settings
                     WHERE tenant_id IN (SELECT jsonb_array_elements_text(?::jsonb)::uuid)
                     ORDER BY tenant_id, version DESC) l`,
    [JSON.stringify(wanted.map((w) => ({ tenant_id: w.tenantId, version: w.version }))), JSON.stringify([...new Set(latestOf)])],
  );
  const versions = rows.filter((row) => !row.latest).map(toVersion);
  const latest = new Map(rows.filter((row) => row.latest).map((row) => [row.tenant_id, toVersion(row)]));
  return { versions, latest };
}

/** A new version, written by the ledger in the transaction that decided it (the primary key refuses a second one of the same number). */
export interface NewSettingsRow {
  tenant_id: string;
  version: number;
  settings: TenantSettings;
  tally_epoch: number;
  command_id: string;
  changed_by: string;
  /** Only with an injected clock (as journal rows): when the version took effect. */
  created_at?: string;
}
