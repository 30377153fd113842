// Bearer-token check for the operators' API: constant-time, and nothing reachable when no token is configured.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRateLimiter, type RateLimiter } from './rate-limit.ts';

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

/** Shortest ADMIN_TOKEN the server starts with: shorter ones are within reach of guessing. */
export const MIN_ADMIN_TOKEN_LENGTH = 24;

/** Why `token` cannot guard the operators' API and dashboard, or null when it can (or is unset). */
export function adminTokenProblem(token: string | undefined): string | null {
  if (token === undefined || token === '' || token.length >= MIN_ADMIN_TOKEN_LENGTH) return null;
  return `ADMIN_TOKEN is ${token.length} characters long; it must be at least ${MIN_ADMIN_TOKEN_LENGTH}`;
}

/** Failed admin-token checks allowed per client address (API bearer and dashboard login together). */
export const ADMIN_FAILURE_LIMIT = { limit: 40, windowMs: 15 * 60_000 };

/**
 * Counts failed admin-token checks per client: one budget for the API's bearer header and the dashboard's
 * login form, so a guesser gains nothing by switching between them.
 */
export function createAdminFailureLimiter(
  now: () => number,
  limit: { limit: number; windowMs: number } = ADMIN_FAILURE_LIMIT,
): RateLimiter {
  return createRateLimiter({ ...limit, now });
}
