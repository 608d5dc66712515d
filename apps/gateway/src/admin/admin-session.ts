import { RequestHandler, Router } from 'express';
import express from 'express';
import { SignJWT, jwtVerify } from 'jose';
import { AppError } from '@points/contracts';
import { Orm, UserSchema } from '@points/db';
import { AuthenticateOptions, authenticate } from '../auth/authenticate';

const COOKIE = 'points_admin_session';
/** The session cookie's audience: refused by `authenticate`, so the cookie's JWT is no API bearer token. */
export const DASHBOARD_AUDIENCE = 'points-admin-dashboard';
const SESSION_SECONDS = 30 * 60;

/**
 * Browser access to the queue dashboard without a token in the URL: a platform
 * admin posts their bearer token once (form field or Authorization header) and
 * gets a short-lived, HttpOnly, SameSite=Strict session cookie scoped to /admin
 * (and Secure when the request came over https: directly, or through a trusted
 * proxy's X-Forwarded-Proto, see TRUST_PROXY).
 */
export function adminSessionRoutes(orm: Orm, jwtSecret: string, authOptions: AuthenticateOptions = {}): Router {
  const key = new TextEncoder().encode(jwtSecret);
  const router = Router();
  router.get('/admin/login', (_req, res) => {
    res.type('html').send(`<!doctype html><html><head><title>Queue dashboard login</title></head><body>
<h1>Queue dashboard</h1><p>Platform admins only. Paste a token from <code>npm run token -- --email admin@platform.local</code>.</p>
<form method="post" action="/admin/login"><textarea name="token" rows="4" cols="80" aria-label="token"></textarea><br><button type="submit">Sign in</button></form>
</body></html>`);
  });
  router.post('/admin/login', express.urlencoded({ extended: false, limit: '10kb', inflate: false }), (req, _res, next) => {
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    if (token && !req.headers.authorization) req.headers.authorization = `Bearer ${token}`;
    next();
  }, authenticate(orm, jwtSecret, authOptions), async (req, res, next) => {
    try {
      if (req.caller?.role !== 'platform_admin') throw new AppError('FORBIDDEN', 'only platform admins may open the queue dashboard');
      const session = await new SignJWT({ role: 'platform_admin' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(req.caller.userId)
        .setAudience(DASHBOARD_AUDIENCE)
        .setExpirationTime(Math.floor(Date.now() / 1000) + SESSION_SECONDS)
        .sign(key);
      res.cookie(COOKIE, session, { httpOnly: true, sameSite: 'strict', path: '/admin', maxAge: SESSION_SECONDS * 1000, secure: req.secure });
      res.redirect(303, '/admin/queues');
    } catch (error) {
      next(error);
    }
  });
  return router;
}

/**
 * Lets in a platform admin by session cookie or bearer token: 401 without credentials, 403 for other roles.
 * The cookie must hold a dashboard session (an API token there is refused), and a bearer token must be an
 * API token (the session's JWT is refused by `authenticate`).
 */
export function requirePlatformAdmin(orm: Orm, jwtSecret: string, authOptions: AuthenticateOptions = {}): RequestHandler {
  const key = new TextEncoder().encode(jwtSecret);
  const bearer = authenticate(orm, jwtSecret, authOptions);
  return async (req, res, next) => {
    const cookie = readCookie(req.headers.cookie, COOKIE);
    if (!req.headers.authorization && cookie) {
      try {
        const { payload } = await jwtVerify(cookie, key, { algorithms: ['HS256'], audience: DASHBOARD_AUDIENCE, requiredClaims: ['exp', 'sub'] });
        const user = payload.sub ? await orm.em.fork().findOne(UserSchema, payload.sub, { fields: ['role', 'active'] }) : null;
        if (user?.active && user.role === 'platform_admin' && payload.sub) {
          req.caller = { userId: payload.sub, role: 'platform_admin', tenantId: null };
          return next();
        }
      } catch {
        // fall through to 401
      }
      return next(new AppError('UNAUTHENTICATED', 'the dashboard session is invalid or expired; sign in again at /admin/login'));
    }
    if (!req.headers.authorization) {
      if (req.accepts(['html', 'json']) === 'html') return res.redirect(303, '/admin/login');
      return next(new AppError('UNAUTHENTICATED', 'sign in at /admin/login or send a bearer token'));
    }
    bearer(req, res, (error?: unknown) => {
      if (error) return next(error);
      if (req.caller?.role !== 'platform_admin') return next(new AppError('FORBIDDEN', 'only platform admins may open the queue dashboard'));
      next();
    });
  };
}

/**
 * The named cookie's value, percent-decoded. A value that is not valid percent-encoding
 * is returned as sent: it then fails verification (401) instead of throwing (500).
 */
function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    const raw = value.join('=');
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}
