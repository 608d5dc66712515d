import { TenantSettings, hasPeriodLimits } from '@points/contracts';
import { SettingsVersion, defaultSettingsOf } from '@points/db';
import { CommandRule } from './command-rule';

/**
 * A new version of the tenant's settings, written with the tenant's pool row
 * locked so it follows the version it read. Commands accepted from its commit
 * on are judged by it; those accepted before keep theirs.
 */
export const updateSettings: CommandRule<'update_settings'> = {
  accounts: (command, keys) => {
    keys.tenantIds.push(command.tenantId as string);
    keys.settings.push({ tenantId: command.tenantId as string, version: 0 });
  },
  plan: (book, command, issuer) => {
    const tenantId = issuer.tenantId as string;
    const before = book.state.latestSettings.get(tenantId) ?? defaultSettingsOf(tenantId);
    const after = command.payload;
    const version = before.version + 1;
    // Tallies count per epoch: a new one whenever what they count changes, so none carries counts kept under other rules.
    const tallyEpoch = before.tallyEpoch > 0 && sameCounting(before.settings, after) ? before.tallyEpoch : version;
    book.writes.settingsVersions.push({ tenant_id: tenantId, version, settings: after, tally_epoch: tallyEpoch, command_id: command.id, changed_by: issuer.id, ...book.stamp() });
    const next: SettingsVersion = { tenantId, version, settings: after, tallyEpoch, changedBy: issuer.id, createdAt: null };
    book.state.latestSettings.set(tenantId, next);
    book.succeed(command, { version, settings: after });
    book.emit(command, { type: 'settings.updated', tenantId, version, before: before.settings, after });
  },
};

/** Whether two settings count usage the same way: the same time zone, and the same periods limited. */
function sameCounting(a: TenantSettings, b: TenantSettings): boolean {
  if (!hasPeriodLimits(a) || !hasPeriodLimits(b)) return false;
  const periods = (s: TenantSettings) => [s.limits.perGiver?.period, s.limits.perRecipient?.period, s.limits.reciprocal?.period].join('|');
  return a.timeZone === b.timeZone && periods(a) === periods(b);
}
