import { z } from 'zod';
import { COMMAND_CATALOG, CommandAccepted, CommandResource, CommandType, ErrorResponse, IdempotencyKey, Role } from '@points/contracts';
import { ApiRouter, RouteContext } from '../openapi/api-router';
import { CommandService } from '../commands/command-service';
import { respondWithCommand } from '../commands/respond';
import { validate } from '../http/validate';

export const CommandHeaders = z.object({
  'idempotency-key': IdempotencyKey.optional().describe('Makes a retry safe: the same key with the same body returns the same command'),
  prefer: z.string().optional().describe('wait=N (N ≤ 30): wait up to N seconds for the outcome'),
});

const COMMAND_RESPONSES = {
  202: { description: 'Accepted; poll statusUrl (also in the Location header)', schema: CommandAccepted },
  200: { description: 'With Prefer: wait — the command succeeded', schema: CommandResource },
  409: { description: 'Idempotency-Key reused with another body (IDEMPOTENCY_KEY_REUSED)', schema: ErrorResponse },
  422: { description: 'With Prefer: wait — rejected by a business rule, e.g. INSUFFICIENT_BALANCE', schema: ErrorResponse },
};

/**
 * A state-changing route: validate with the command's contract, run the
 * route's own checks, store and enqueue the command, answer 202 (or wait).
 */
export function commandRoute<T extends CommandType>(
  api: ApiRouter,
  service: CommandService,
  spec: {
    type: T;
    path: string;
    summary: string;
    tag: string;
    roles: readonly Role[];
    /** Route-specific rules the contract cannot express (who may send which field). */
    check?: (ctx: RouteContext<z.output<(typeof COMMAND_CATALOG)[T]['payload']>, object, object>) => void;
  },
): void {
  api.route({
    method: 'post',
    path: spec.path,
    summary: spec.summary,
    tag: spec.tag,
    roles: spec.roles,
    body: COMMAND_CATALOG[spec.type].payload as z.ZodType,
    headers: CommandHeaders,
    responses: COMMAND_RESPONSES,
    handler: async (ctx) => {
      const headers = validate(CommandHeaders, { 'idempotency-key': ctx.req.header('idempotency-key'), prefer: ctx.req.header('prefer') }, 'header');
      spec.check?.(ctx as never);
      const accepted = await service.submit({
        type: spec.type,
        caller: ctx.caller,
        payload: ctx.body,
        idempotencyKey: headers['idempotency-key'],
        requestId: String(ctx.req.id ?? ''),
      });
      await respondWithCommand(ctx.req, ctx.res, service, accepted);
    },
  });
}
