import express, { RequestHandler } from 'express';

/** The body limit of the bulk-award route (up to 100,000 rows); every other route has BODY_LIMIT. */
export const BULK_BODY_LIMIT = '20mb';

/**
 * The parsers for a route's body, mounted after authentication, the rate limit
 * and the role check, so nobody can make the gateway read (let alone parse) a
 * body without a valid token and budget. Compressed bodies are refused
 * (`inflate: false`): a few kilobytes of gzip would otherwise inflate to the
 * whole limit. Other media types are not read at all (the route validates the
 * missing body).
 */
export function bodyParsers(options: { limit: string; alternativeTypes?: string[] }): RequestHandler[] {
  const parsers = [express.json({ limit: options.limit, strict: true, inflate: false })];
  for (const type of options.alternativeTypes ?? []) parsers.push(express.text({ type, limit: options.limit, inflate: false }));
  return parsers;
}
