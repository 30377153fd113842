// Readiness: whether this worker should get traffic. Not before it serves a build, nor while its database does not
// answer; the database is asked at most once a second whatever the rate of /readyz.
import { sql } from '../adapters/database.ts';
import { errorMessage } from '../errors.ts';
import type { Store } from '../store/index.ts';
import { cachedRead } from './snapshot.ts';

export interface Readiness {
  ready: boolean;
  /** Why not, one line each; empty when ready. */
  reasons: string[];
}

export interface ReadinessOptions {
  store: Store;
  /** Whether a build is served now. */
  buildServed: () => boolean;
  /** How long the database may take to answer `select 1` (default 2 s). */
  timeoutMs?: number;
  /** How long an answer of the database is reused (default 1 s). */
  cacheMs?: number;
}

/** Answers the database's part within the timeout: null when it answered, or why not. */
async function databaseProblem(store: Store, timeoutMs: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
    timer.unref();
  });
  try {
    const query = sql`select 1 as one`.execute(store.db).then(
      () => null,
      (err: unknown) => errorMessage(err),
    );
    return await Promise.race([query, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function createReadiness(options: ReadinessOptions): () => Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const database = cachedRead(() => databaseProblem(options.store, timeoutMs), options.cacheMs ?? 1_000);
  return async () => {
    const reasons: string[] = [];
    if (!options.buildServed()) reasons.push('no build served yet');
    const problem = await database();
    if (problem !== null) reasons.push(`database not answering: ${problem}`);
    return { ready: reasons.length === 0, reasons };
  };
}
