// Bearer-token check for the operators' API: constant-time, and nothing reachable when no token is configured.
import { createHash, timingSafeEqual } from 'node:crypto';

export type AdminAuthResult = 'disabled' | 'missing' | 'wrong' | 'ok';

/** Returns a checker for `Authorization` headers against `token` (undefined or empty: the API is disabled). */
export function createAdminAuth(
  token: string | undefined,
): (authorization: string | null | undefined) => AdminAuthResult {
  if (token === undefined || token === '') return () => 'disabled';
  // Comparing fixed-length digests keeps the comparison time independent of where, and whether, lengths differ.
  const expected = createHash('sha256').update(token, 'utf8').digest();
  return (authorization) => {
    if (!authorization) return 'missing';
    const match = /^Bearer[ \t]+([^ \t].*?)[ \t]*$/i.exec(authorization);
    if (!match) return 'missing';
    const given = createHash('sha256').update(match[1]!, 'utf8').digest();
    return timingSafeEqual(given, expected) ? 'ok' : 'wrong';
  };
}
