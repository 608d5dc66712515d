import { MANAGER_ROLES, SettingsView } from '@points/contracts';
import { Orm, currentSettings } from '@points/db';
import { CommandService } from '../commands/command-service';
import { commandRoute } from '../commands/command-route';
import { tenantOf } from '../http/request-context';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';

/** The tenant's settings: read by managers and HR admins, replaced (a command, like every change) by a tenant manager. */
export function settingsRoutes(api: ApiRouter, orm: Orm, commands: CommandService): void {
  api.route({
    method: 'get',
    path: '/api/settings',
    operationId: 'getSettings',
    summary: "The tenant's settings in force: time zone and spend limits, with their version",
    tag: 'settings',
    roles: MANAGER_ROLES,
    responses: { 200: jsonResponse('The settings in force', SettingsView) },
    handler: async ({ req, res }) => {
      const current = await currentSettings(orm.em, tenantOf(req));
      res.json(SettingsView.parse({ tenantId: current.tenantId, version: current.version, settings: current.settings, updatedAt: current.createdAt, updatedBy: current.changedBy }));
    },
  });

  commandRoute(api, commands, 'update_settings');
}
