import { z } from 'zod';
import { AppError, CommandResource } from '@points/contracts';
import { ApiRouter } from '../openapi/api-router';
import { CommandService, canRead, toResource } from '../commands/command-service';

/** A command's status and outcome, for its issuer, its tenant's managers and platform admins; 404 for anyone else. */
export function commandStatusRoutes(api: ApiRouter, commands: CommandService): void {
  api.route({
    method: 'get',
    path: '/api/commands/:commandId',
    summary: 'Status and result of a command',
    tag: 'commands',
    roles: ['platform_admin', 'tenant_manager', 'hr_admin', 'lead', 'employee'],
    params: z.object({ commandId: z.string() }),
    responses: { 200: { description: 'The command', schema: CommandResource } },
    handler: async ({ res, caller, params }) => {
      const row = z.uuid().safeParse(params.commandId).success ? await commands.find(params.commandId) : undefined;
      if (!row || !canRead(caller, row)) throw new AppError('NOT_FOUND', 'command not found');
      res.json(toResource(row));
    },
  });
}
