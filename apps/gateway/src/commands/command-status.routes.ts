import { z } from 'zod';
import { AppError, CommandResource, ROLES } from '@points/contracts';
import { ApiRouter } from '../openapi/api-router';
import { jsonResponse } from '../openapi/responses';
import { CommandService, canRead, toResource } from './command-service';

/** A command's status and outcome, for its issuer, its tenant's managers and platform admins; 404 for anyone else. */
export function commandStatusRoutes(api: ApiRouter, commands: CommandService): void {
  api.route({
    method: 'get',
    path: '/api/commands/:commandId',
    operationId: 'getCommand',
    summary: 'Status and result of a command',
    tag: 'commands',
    roles: ROLES,
    params: z.object({ commandId: z.string() }),
    responses: { 200: jsonResponse('The command', CommandResource) },
    errors: ['NOT_FOUND'],
    handler: async ({ res, caller, params }) => {
      const command = z.uuid().safeParse(params.commandId).success ? await commands.find(params.commandId) : undefined;
      if (!command || !canRead(caller, command)) throw new AppError('NOT_FOUND', 'command not found');
      res.json(toResource(command));
    },
  });
}
