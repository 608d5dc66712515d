import { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { ErrorCode, ROLES, Role, httpStatusOf } from '@points/contracts';
import { requireRole } from '../auth/require-role';
import { Caller, callerOf } from '../http/request-context';
import { bodyParsers } from '../http/body-parsers';
import { ensureStorableText } from '../http/storable-text';
import { validate } from '../http/validate';
import { errorBodyWith, errorResponses } from './responses';

/** A schema of named parts: params, query, headers. */
export type ZodObjectLike = z.ZodObject<z.ZodRawShape>;

export interface RouteContext<B, Q, P, H> {
  req: Request;
  res: Response;
  caller: Caller;
  body: B;
  query: Q;
  params: P;
  headers: H;
}

export interface RouteSpec<B extends z.ZodType, Q extends ZodObjectLike, P extends ZodObjectLike, H extends ZodObjectLike> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express path, e.g. `/api/platform/allocations/history/:tenantId`. */
  path: string;
  operationId: string;
  summary: string;
  /** More for the API reference, e.g. rules that depend on the caller's role. */
  description?: string;
  tag: string;
  /** Roles allowed in; everyone else gets 403. */
  roles: readonly Role[];
  body?: B;
  /** Other content types the body may arrive in (e.g. text/csv); the handler parses those itself. */
  alternativeBodies?: Record<string, z.ZodType>;
  /** Largest body accepted (default: the router's, BODY_LIMIT); only the bulk-award route has more. */
  bodyLimit?: string;
  query?: Q;
  params?: P;
  /** Request headers the route reads; validated like the rest (unknown headers pass). */
  headers?: H;
  responses: Record<number, ResponseConfig>;
  /**
   * Error codes the handler itself may answer with. Authentication, role, rate
   * limit, validation (when the route validates anything) and outage codes are
   * added by the router.
   */
  errors?: readonly ErrorCode[];
  handler: (ctx: RouteContext<z.output<B>, z.output<Q>, z.output<P>, z.output<H>>) => Promise<void>;
}

/**
 * Mounts a route and documents it in the same call, so the OpenAPI document
 * lists exactly the routes the gateway serves, with the very schemas it
 * validates with. Authentication, role checks and validation of params, query,
 * headers and body all happen here, before any handler runs, which receives
 * them typed.
 */
export class ApiRouter {
  readonly router = Router();
  readonly mounted: { method: string; path: string }[] = [];

  constructor(
    private readonly registry: OpenAPIRegistry,
    private readonly authenticate: RequestHandler,
    private readonly afterAuth: RequestHandler[] = [],
    private readonly defaultBodyLimit = '100kb',
  ) {}

  route<B extends z.ZodType = z.ZodUndefined, Q extends ZodObjectLike = ZodObjectLike, P extends ZodObjectLike = ZodObjectLike, H extends ZodObjectLike = ZodObjectLike>(
    spec: RouteSpec<B, Q, P, H>,
  ): void {
    const handler: RequestHandler = async (req, res, next) => {
      try {
        const parts = { params: req.params, query: req.query, header: spec.headers ? headersNamedIn(spec.headers, req) : {}, body: req.body as unknown };
        for (const [part, value] of Object.entries(parts)) ensureStorableText(part as keyof typeof parts, value);
        const params = spec.params ? validate(spec.params, req.params, 'params') : {};
        const query = spec.query ? validate(spec.query, req.query, 'query') : {};
        const headers = spec.headers ? validate(spec.headers, headersNamedIn(spec.headers, req), 'header') : {};
        // The same media-type match the body parsers use, so a body left unvalidated is one they parsed.
        const alternative = spec.alternativeBodies ? req.is(Object.keys(spec.alternativeBodies)) : false;
        const body = spec.body && !alternative ? validate(spec.body, req.body, 'body') : req.body;
        await spec.handler({ req, res, caller: callerOf(req), body, query, params, headers } as RouteContext<z.output<B>, z.output<Q>, z.output<P>, z.output<H>>);
      } catch (error) {
        next(error);
      }
    };
    // A body is read only once the caller is known, within budget and allowed in.
    const readBody = spec.body ? bodyParsers({ limit: spec.bodyLimit ?? this.defaultBodyLimit, alternativeTypes: Object.keys(spec.alternativeBodies ?? {}) }) : [];
    this.router[spec.method](spec.path, this.authenticate, ...this.afterAuth, requireRole(spec.roles), ...readBody, handler);
    this.mounted.push({ method: spec.method, path: spec.path });
    this.document(spec);
  }

  private document<B extends z.ZodType, Q extends ZodObjectLike, P extends ZodObjectLike, H extends ZodObjectLike>(spec: RouteSpec<B, Q, P, H>): void {
    const validates = Boolean(spec.body || spec.query || spec.params || spec.headers);
    const codes: ErrorCode[] = [
      'UNAUTHENTICATED',
      ...(spec.roles.length < ROLES.length ? (['FORBIDDEN'] as const) : []),
      ...(validates ? (['VALIDATION_FAILED'] as const) : []),
      ...(spec.errors ?? []),
      'RATE_LIMITED',
      'SERVICE_UNAVAILABLE',
      'INTERNAL',
    ];
    const documented = new Set(Object.keys(spec.responses).map(Number));
    const responses = { ...errorResponses(codes.filter((code) => !documented.has(httpStatusOf(code)))), ...(spec.body ? tooLarge(spec.bodyLimit ?? this.defaultBodyLimit) : {}), ...spec.responses };
    this.registry.registerPath({
      method: spec.method,
      path: toOpenApiPath(spec.path),
      operationId: spec.operationId,
      summary: spec.summary,
      description: [spec.description, `Roles: ${spec.roles.join(', ')}.`].filter(Boolean).join('\n\n'),
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
              required: !spec.body.safeParse(undefined).success,
            }
          : undefined,
      },
      responses,
    });
  }
}

/** A body past the route's limit: 413, with the SPEC code of any invalid request. */
function tooLarge(limit: string): Record<number, ResponseConfig> {
  const error = { code: 'VALIDATION_FAILED' as const, message: 'the request body is too large', details: [{ field: 'body', message: `larger than the limit of ${limit}` }] };
  return {
    413: {
      description: `VALIDATION_FAILED: the body is larger than ${limit} (or is compressed: send bodies uncompressed, a 400)`,
      content: { 'application/json': { schema: errorBodyWith(['VALIDATION_FAILED']), examples: { VALIDATION_FAILED: { summary: 'VALIDATION_FAILED', value: { error } } } } },
    },
  };
}

/** The headers a schema names, read from the request (Express keeps their names lower-case). */
function headersNamedIn(schema: ZodObjectLike, req: Request): Record<string, string | undefined> {
  return Object.fromEntries(Object.keys(schema.shape).map((name) => [name, req.header(name)]));
}

export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
