import { SignJWT } from 'jose';

/** HS256 token with the claims the gateway expects (SPEC §4). */
export async function issueToken(
  secret: string,
  claims: { sub: string; role: string; tenantId: string | null },
  ttlSeconds = 3600,
): Promise<string> {
  const payload: Record<string, unknown> = { role: claims.role };
  if (claims.tenantId) payload.tenantId = claims.tenantId;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
