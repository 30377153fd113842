// The editions that went out, as the web archive needs them: the stored digest of every sent edition.
import { existsSync } from 'node:fs';
import { parseDatabaseUrl } from '../adapters/database.ts';
import { digestFromJson, type SentEdition } from '../newsletter/index.ts';
import { openStore, type Store } from '../store/index.ts';

/** Every sent edition, from the digest stored when it was created; the archive page shows the same content. */
export async function readSentEditions(store: Store): Promise<SentEdition[]> {
  const rows = await store.db.selectFrom('editions').select(['id', 'html', 'completed_at']).where('state', '=', 'sent').orderBy('id').execute();
  const editions: SentEdition[] = [];
  for (const row of rows) {
    if (!row.html) continue;
    const digest = digestFromJson(row.html);
    editions.push({ ...digest, ...(row.completed_at !== null ? { sentAt: new Date(row.completed_at) } : {}) });
  }
  return editions;
}

/**
 * The sent editions when there is a database to read (DATABASE_URL set, or the SQLite file exists);
 * an empty list otherwise: a build must not create a database only to find it empty.
 */
export async function readSentEditionsIfAny(options: { databaseUrl: string | undefined; varDir: string }): Promise<SentEdition[]> {
  const target = parseDatabaseUrl(options.databaseUrl, options.varDir);
  if (target.dialect === 'sqlite' && (target.file === ':memory:' || !existsSync(target.file))) return [];
  const store = await openStore(options);
  try {
    return await readSentEditions(store);
  } finally {
    await store.close();
  }
}
