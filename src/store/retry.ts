// Statements PostgreSQL aborted for a conflict with another transaction (deadlock, serialization): run again.

/** SQLSTATEs of a transaction rolled back for a conflict alone: nothing it did was kept. */
const CONFLICT_CODES = new Set(['40P01', '40001']);

/** True for an error PostgreSQL raised because it chose this transaction as a deadlock's or serialization's victim. */
export function isConflict(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    typeof err.code === 'string' &&
    CONFLICT_CODES.has(err.code)
  );
}

/**
 * Runs `fn`, and again (up to `attempts` times in all) while it fails for a conflict: `fn` must be
 * one statement or one transaction, so that a rolled-back try left nothing behind. Two writers that
 * lock the same rows in different orders (a sender's batch of marks and an operator's cancel, say)
 * then both finish, one after the other, instead of one failing.
 */
export async function retryOnConflict<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isConflict(err)) throw err;
      // a short, growing, jittered wait: the winner of the conflict commits meanwhile
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10 * attempt));
    }
  }
}
