import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { ErrorResponse, Role } from '@points/contracts';
import { requireRole } from '../auth/require-role';
import { Caller, callerOf } from '../http/request-context';
import { validate } from '../http/validate';

type ZodObjectLike = z.ZodObject<z.ZodRawShape>;

export interface RouteContext<B, Q, P> {
  req: Request;
  res: Response;
  caller: Caller;
  body: B;
  query: Q;
  params: P;
}

export interface RouteSpec<B extends z.ZodType, Q extends ZodObjectLike, P extends ZodObjectLike> {
  method: 'get' | 'post';
  /** Express path, e.g. `/api/platform/allocations/history/:tenantId`. */
  path: string;
  summary: string;
  tag: string;
  /** Roles allowed in; everyone else gets 403. */
  roles: readonly Role[];
  body?: B;
  /** Other content types the body may arrive in (e.g. text/csv); the handler parses those itself. */
  alternativeBodies?: Record<string, z.ZodType>;
  query?: Q;
  params?: P;
  headers?: ZodObjectLike;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (ctx: RouteContext<z.output<B>, z.output<Q>, z.output<P>>) => Promise<void>;
}

const ERROR_STATUSES: Record<number, string> = {
  400: 'Invalid request (VALIDATION_FAILED), with the field and reason in details',
  401: 'Missing, expired or forged token (UNAUTHENTICATED)',
  403: 'Role not allowed (FORBIDDEN)',
  404: 'Not found, or belongs to another tenant (NOT_FOUND)',
  429: 'Too many requests (RATE_LIMITED); see Retry-After',
  503: 'A backing service is down (SERVICE_UNAVAILABLE)',
};

/**
 * Mounts a route and documents it in the same call, so the OpenAPI document
 * lists exactly the routes the gateway serves, with the very schemas it
 * validates with. Authentication, role checks and validation happen here, before
 * any handler runs.
 */
export class ApiRouter {
  readonly router = Router();
  readonly mounted: { method: string; path: string }[] = [];

  constructor(
    private readonly registry: OpenAPIRegistry,
    private readonly authenticate: RequestHandler,
    private readonly afterAuth: RequestHandler[] = [],
  ) {}

  route<B extends z.ZodType = z.ZodUndefined, Q extends ZodObjectLike = ZodObjectLike, P extends ZodObjectLike = ZodObjectLike>(spec: RouteSpec<B, Q, P>): void {
    const handler: RequestHandler = async (req, res, next) => {
      try {
        const params = spec.params ? validate(spec.params, req.params, 'params') : {};
        const query = spec.query ? validate(spec.query, req.query, 'query') : {};
        const contentType = req.headers['content-type'] ?? '';
        const alternative = Object.keys(spec.alternativeBodies ?? {}).some((type) => contentType.startsWith(type));
        const body = spec.body && !alternative ? validate(spec.body, req.body, 'body') : req.body;
        await spec.handler({ req, res, caller: callerOf(req), body, query, params } as RouteContext<z.output<B>, z.output<Q>, z.output<P>>);
      } catch (error) {
        next(error);
      }
    };
    this.router[spec.method](spec.path, this.authenticate, ...this.afterAuth, requireRole(spec.roles), handler);
    this.mounted.push({ method: spec.method, path: spec.path });
    this.document(spec);
  }

  private document<B extends z.ZodType, Q extends ZodObjectLike, P extends ZodObjectLike>(spec: RouteSpec<B, Q, P>): void {
    const responses: Record<number, { description: string; content?: Record<string, { schema: z.ZodType }> }> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[Number(status)] = response.schema ? { description: response.description, content: { 'application/json': { schema: response.schema } } } : { description: response.description };
    }
    for (const [status, description] of Object.entries(ERROR_STATUSES)) {
      responses[Number(status)] ??= { description, content: { 'application/json': { schema: ErrorResponse } } };
    }
    this.registry.registerPath({
      method: spec.method,
      path: toOpenApiPath(spec.path),
      summary: spec.summary,
      description: `Roles: ${spec.roles.join(', ')}`,
      tags: [spec.tag],
      security: [{ bearerAuth: [] }],
      request: {
        params: spec.params,
        query: spec.query,
        headers: spec.headers,
        body: spec.body
          ? {
              content: {
                'application/json': { schema: spec.body },
                ...Object.fromEntries(Object.entries(spec.alternativeBodies ?? {}).map(([type, schema]) => [type, { schema }])),
              },
              required: true,
            }
          : undefined,
      },
      responses,
    });
  }
}

export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
