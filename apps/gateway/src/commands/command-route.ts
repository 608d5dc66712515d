import { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { CommandAccepted, CommandResource, CommandType, ErrorCode, commandSpec, httpStatusOf, pathFields } from '@points/contracts';
import { ApiRouter } from '../openapi/api-router';
import { describeError, errorBodyWith, errorExamples, jsonResponse } from '../openapi/responses';
import { CommandHeaders } from './command-headers';
import { CommandService } from './command-service';
import { respondWithCommand } from './respond';

/** A JSON command route, mounted and documented from the command catalog: everything but the rule itself. */
export function commandRoute(api: ApiRouter, service: CommandService, type: Exclude<CommandType, 'bulk_award'>): void {
  const spec = commandSpec(type);
  const { params, body } = payloadParts(spec.payload as z.ZodObject<z.ZodRawShape>, spec.route.path);
  api.route({
    method: spec.route.method ?? 'post',
    path: spec.route.path,
    operationId: spec.route.operationId,
    summary: spec.route.summary,
    description: spec.route.notes,
    tag: spec.route.tag,
    roles: spec.roles,
    params,
    body,
    headers: CommandHeaders,
    responses: commandResponses(type),
    errors: ['IDEMPOTENCY_KEY_REUSED'],
    handler: async ({ req, res, caller, body: fields, params: named, headers }) => {
      const payload = spec.payload.parse({ ...(fields ?? {}), ...named });
      spec.check?.(caller, payload);
      const accepted = await service.submit({ type, caller, payload, idempotencyKey: headers['idempotency-key'], requestId: String(req.id ?? '') });
      await respondWithCommand(res, service, accepted, headers.prefer.wait);
    },
  });
}

/**
 * A payload's fields named by the path (`/api/approvals/:approvalId/approve`)
 * come from the path, the rest from the body — which may then be left out when
 * none of the rest is required.
 */
function payloadParts(payload: z.ZodObject<z.ZodRawShape>, path: string) {
  const named = pathFields(path);
  if (named.length === 0) return { params: undefined, body: payload };
  const mask = Object.fromEntries(named.map((field) => [field, true as const]));
  const rest = payload.omit(mask);
  return { params: payload.pick(mask), body: rest.safeParse({}).success ? rest.optional() : rest };
}

/** The command resource of one command type: its `type` and `result` as that command has them. */
export function commandResourceOf(type: CommandType) {
  return CommandResource.extend({ type: z.literal(type), result: commandSpec(type).result.optional() });
}

/**
 * A rejection answers with the status of its code (SPEC §4), so each of those
 * statuses also carries the ledger's rejections under `Prefer: wait`: the error,
 * and the command resource in `command`.
 */
function commandResponses(type: CommandType): Record<number, ResponseConfig> {
  const { rejects } = commandSpec(type);
  const byStatus = new Map<number, ErrorCode[]>();
  // The route's own answers at the same statuses: a body that fails validation, a role that may not send it.
  for (const code of ['VALIDATION_FAILED', 'FORBIDDEN', ...rejects] as const) byStatus.set(httpStatusOf(code), [...new Set([...(byStatus.get(httpStatusOf(code)) ?? []), code])]);
  const rejections = Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      status,
      {
        description: `${codes.map(describeError).join('; ')}. With Prefer: wait, also the ledger's rejection (${codes.filter((code) => rejects.includes(code)).join(', ') || 'none'}); nothing changed, and \`command\` is the command resource.`,
        content: {
          'application/json': {
            schema: errorBodyWith(codes).extend({ command: commandResourceOf(type).optional() }),
            examples: errorExamples(codes, (error) => (rejects.includes(error.code) ? { command: rejectedExample(type, error) } : {})),
          },
        },
      },
    ]),
  );
  return {
    202: jsonResponse('Accepted; poll statusUrl (also in the Location header)', CommandAccepted),
    200: jsonResponse('With Prefer: wait — the command succeeded', commandResourceOf(type)),
    ...rejections,
  };
}

const EXAMPLE_ID = '7f1c8a52-0c0e-4f4e-9a53-4d1f0a3c2b11';
const EXAMPLE_TIME = '2026-11-24T10:00:00.123456Z';

function rejectedExample(type: CommandType, error: { code: string; message: string }) {
  return { commandId: EXAMPLE_ID, type, status: 'rejected', error, createdAt: EXAMPLE_TIME, completedAt: EXAMPLE_TIME };
}
