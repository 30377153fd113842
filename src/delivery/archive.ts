// The editions that went out, as the web archive needs them: the stored digest of every sent edition.
import { existsSync } from 'node:fs';
import { parseDatabaseUrl } from '../config/database-url.ts';
import type { Config } from '../config/schema.ts';
import { digestFromJson, renderDigestArchive, type SentEdition } from '../newsletter/index.ts';
import type { Store } from '../store/index.ts';

/** Editions whose page is on the web: sent, and those going out (their page exists before their first message). */
const PUBLISHED = ['sent', 'sending', 'paused'] as const;

/** Every published edition, from the digest stored when it was created; the archive page shows the same content. */
export async function readSentEditions(store: Store): Promise<SentEdition[]> {
  const rows = await store.db
    .selectFrom('editions')
    .select(['id', 'digest', 'completed_at'])
    .where('state', 'in', [...PUBLISHED])
    .orderBy('id')
    .execute();
  // each group's digest of the editions made with groups; the edition's one digest of those made before
  const grouped = new Map<number, string[]>();
  if (rows.length > 0) {
    const groups = await store.db
      .selectFrom('edition_groups')
      .select(['edition_id', 'digest'])
      .where(
        'edition_id',
        'in',
        rows.map((r) => r.id),
      )
      .where('digest', 'is not', null)
      .orderBy('edition_id')
      .orderBy('group_key')
      .execute();
    for (const g of groups) {
      const list = grouped.get(Number(g.edition_id)) ?? [];
      list.push(g.digest!);
      grouped.set(Number(g.edition_id), list);
    }
  }
  const editions: SentEdition[] = [];
  for (const row of rows) {
    const stored = grouped.get(row.id) ?? (row.digest ? [row.digest] : []);
    for (const text of stored) {
      const digest = digestFromJson(text);
      editions.push({ ...digest, ...(row.completed_at !== null ? { sentAt: new Date(row.completed_at) } : {}) });
    }
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

/**
 * The page at `path` under public/ (`archive/<slug>/index.html`, `ru/archive/<slug>/kazakhstan/index.html`) of a
 * published edition's group, as the archive build writes it, or undefined. Only editions going out, or sent within a
 * day, are looked at: older ones are in public/ already.
 */
export async function editionPage(store: Store, config: Config, path: string, now: Date): Promise<string | undefined> {
  const slug = /(?:^|\/)archive\/([^/]+)\//.exec(path)?.[1];
  if (slug === undefined) return undefined;
  const rows = await store.db
    .selectFrom('editions')
    .select(['id', 'digest'])
    .where((eb) =>
      eb.or([
        eb('state', 'in', ['sending', 'paused']),
        eb.and([eb('state', '=', 'sent'), eb('completed_at', '>=', now.getTime() - 86_400_000)]),
      ]),
    )
    .execute();
  for (const row of rows) {
    const groups = await store.db
      .selectFrom('edition_groups')
      .select('digest')
      .where('edition_id', '=', row.id)
      .where('digest', 'is not', null)
      .execute();
    // each group's digest of an edition made with groups; the edition's one digest of one made before
    const stored = groups.length > 0 ? groups.map((g) => g.digest!) : row.digest ? [row.digest] : [];
    const digests = stored.map((text) => digestFromJson(text)).filter((d) => d.slug === slug);
    if (digests.length === 0) continue;
    const page = renderDigestArchive(digests, config).find((f) => f.path === path);
    if (page) return typeof page.body === 'string' ? page.body : Buffer.from(page.body).toString('utf8');
  }
  return undefined;
}
