import { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { CommandAccepted, CommandResource, CommandType, commandSpec } from '@points/contracts';
import { ApiRouter } from '../openapi/api-router';
import { errorBodyWith, errorExamples, jsonResponse } from '../openapi/responses';
import { CommandHeaders } from './command-headers';
import { CommandService } from './command-service';
import { respondWithCommand } from './respond';

/** A JSON command route, mounted and documented from the command catalog: everything but the rule itself. */
export function commandRoute(api: ApiRouter, service: CommandService, type: Exclude<CommandType, 'bulk_award'>): void {
  const spec = commandSpec(type);
  api.route({
    method: 'post',
    path: spec.route.path,
    operationId: spec.route.operationId,
    summary: spec.route.summary,
    description: spec.route.notes,
    tag: spec.route.tag,
    roles: spec.roles,
    body: spec.payload,
    headers: CommandHeaders,
    responses: commandResponses(type),
    errors: ['IDEMPOTENCY_KEY_REUSED'],
    handler: async ({ req, res, caller, body, headers }) => {
      spec.check?.(caller, body);
      const accepted = await service.submit({ type, caller, payload: body, idempotencyKey: headers['idempotency-key'], requestId: String(req.id ?? '') });
      await respondWithCommand(res, service, accepted, headers.prefer.wait);
    },
  });
}

/** The command resource of one command type: its `type` and `result` as that command has them. */
export function commandResourceOf(type: CommandType) {
  return CommandResource.extend({ type: z.literal(type), result: commandSpec(type).result.optional() });
}

function commandResponses(type: CommandType): Record<number, ResponseConfig> {
  const { rejects } = commandSpec(type);
  return {
    202: jsonResponse('Accepted; poll statusUrl (also in the Location header)', CommandAccepted),
    200: jsonResponse('With Prefer: wait — the command succeeded', commandResourceOf(type)),
    422: {
      description: `With Prefer: wait — the ledger rejected the command (${rejects.join(', ')}); nothing changed. The error says why; \`command\` is the command resource.`,
      content: { 'application/json': { schema: errorBodyWith(rejects).extend({ command: commandResourceOf(type) }), examples: errorExamples(rejects, (error) => ({ command: rejectedExample(type, error) })) } },
    },
  };
}

const EXAMPLE_ID = '7f1c8a52-0c0e-4f4e-9a53-4d1f0a3c2b11';
const EXAMPLE_TIME = '2026-11-24T10:00:00.123456Z';

function rejectedExample(type: CommandType, error: { code: string; message: string }) {
  return { commandId: EXAMPLE_ID, type, status: 'rejected', error, createdAt: EXAMPLE_TIME, completedAt: EXAMPLE_TIME };
}
