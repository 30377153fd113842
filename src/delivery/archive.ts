// The editions that went out, as the web archive needs them: the stored digest of every sent edition.
import { existsSync } from 'node:fs';
import { parseDatabaseUrl } from '../config/database-url.ts';
import { digestFromJson, type SentEdition } from '../newsletter/index.ts';
import type { Store } from '../store/index.ts';

/** Every sent edition, from the digest stored when it was created; the archive page shows the same content. */
export async function readSentEditions(store: Store): Promise<SentEdition[]> {
  const rows = await store.db
    .selectFrom('editions')
    .select(['id', 'digest', 'completed_at'])
    .where('state', '=', 'sent')
    .orderBy('id')
    .execute();
  const editions: SentEdition[] = [];
  for (const row of rows) {
    if (!row.digest) continue;
    const digest = digestFromJson(row.digest);
    editions.push({ ...digest, ...(row.completed_at !== null ? { sentAt: new Date(row.completed_at) } : {}) });
  }
  return editions;
}

/**
 * Runs `read` on the database when there is one to read (DATABASE_URL set, or the SQLite file
 * exists) and gives `fallback` otherwise: a build or a preview must not create a database only
 * to find it empty.
 */
export async function readIfDatabase<T>(
  options: { databaseUrl: string | undefined; varDir: string },
  fallback: T,
  read: (store: Store) => Promise<T>,
): Promise<T> {
  const target = parseDatabaseUrl(options.databaseUrl, options.varDir);
  if (target.dialect === 'sqlite' && (target.file === ':memory:' || !existsSync(target.file))) return fallback;
  // Loaded only now: without a database a build never loads the query layer.
  const { openStore } = await import('../store/index.ts');
  const store = await openStore(options);
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

/** The sent editions, or none when there is no database yet. */
export function readSentEditionsIfAny(options: {
  databaseUrl: string | undefined;
  varDir: string;
}): Promise<SentEdition[]> {
  return readIfDatabase(options, [], readSentEditions);
}
