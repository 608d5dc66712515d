import { SignJWT } from 'jose';

/** `aud` of API bearer tokens. The gateway accepts API tokens with this audience or none, and no other. */
export const API_AUDIENCE = 'points-api';

/** Default lifetime of an issued token: well inside the gateway's `JWT_MAX_TTL_SECONDS` (24 h by default). */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/**
 * HS256 token with the claims the gateway expects (SPEC §4), for the API audience.
 * A token whose lifetime exceeds the gateway's `JWT_MAX_TTL_SECONDS` is refused there.
 */
export async function issueToken(
  secret: string,
  claims: { sub: string; role: string; tenantId: string | null },
  ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS,
): Promise<string> {
  const payload: Record<string, unknown> = { role: claims.role };
  if (claims.tenantId) payload.tenantId = claims.tenantId;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setAudience(API_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
