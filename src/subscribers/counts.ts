// Active subscribers by the language they read and by the topics they chose, for the operators' dashboard.
import type { Kysely } from '../adapters/database.ts';
import { parseTopicsColumn, readerGroup, topicName } from '../audience.ts';
import type { Config } from '../config/schema.ts';
import type { DatabaseSchema } from '../store/schema.ts';
import { activeChoiceRows } from './repository.ts';

export interface ReaderCounts {
  /** Every language of the site, the default first; a reader of a language no longer listed counts as the default. */
  byLanguage: { code: string; count: number }[];
  /** Every topic, named in the default language: readers who chose it (a reader of several counts in each). */
  byTopic: { id: string; name: string; count: number }[];
  /** Readers who get everything (no topic chosen, or none still configured). */
  everything: number;
}

/** Counts active subscribers the way the digest groups them (src/audience.ts's readerGroup). */
export async function countReaders(
  db: Kysely<DatabaseSchema>,
  config: Pick<Config, 'languages' | 'digest'>,
): Promise<ReaderCounts> {
  const byLanguage = new Map(config.languages.map((l) => [l.code, 0]));
  const byTopic = new Map(config.digest.topics.map((t) => [t.id, 0]));
  let everything = 0;
  for (const row of await activeChoiceRows(db)) {
    const group = readerGroup({ language: row.language, topics: parseTopicsColumn(row.topics) }, config);
    byLanguage.set(group.language, (byLanguage.get(group.language) ?? 0) + row.n);
    if (group.topics === null) everything += row.n;
    else for (const id of group.topics) byTopic.set(id, (byTopic.get(id) ?? 0) + row.n);
  }
  const defaultLanguage = config.languages[0]!.code;
  return {
    byLanguage: [...byLanguage].map(([code, count]) => ({ code, count })),
    byTopic: config.digest.topics.map((t) => ({
      id: t.id,
      name: topicName(t, defaultLanguage, config),
      count: byTopic.get(t.id) ?? 0,
    })),
    everything,
  };
}
