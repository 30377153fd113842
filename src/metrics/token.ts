// METRICS_TOKEN: the bearer token /metrics asks for; without it /metrics does not exist.

/** Shortest METRICS_TOKEN the worker starts with, as for ADMIN_TOKEN: shorter ones are within reach of guessing. */
export const MIN_METRICS_TOKEN_LENGTH = 24;

/** Why `token` cannot guard /metrics, or null when it can (or is unset). */
export function metricsTokenProblem(token: string | undefined): string | null {
  if (token === undefined || token.length >= MIN_METRICS_TOKEN_LENGTH) return null;
  return `METRICS_TOKEN is ${token.length} characters long; it must be at least ${MIN_METRICS_TOKEN_LENGTH}`;
}
