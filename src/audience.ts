// Who reads what: an item's language, a reader's (language, topics) group and the items each group gets. Pure.
import type { Config, TopicConfig } from './config/schema.ts';
import type { NewsItem } from './content/types.ts';
import { slugify } from './content/slug.ts';
import { ConfigError } from './errors.ts';

/**
 * The language whose feeds, pages and digests carry `item`: its `lang` when that is one of the site's languages,
 * else the default (a single-language site carries an item in another language, marked as such, in its one set).
 */
export function itemLanguage(item: Pick<NewsItem, 'lang'>, config: Pick<Config, 'languages'>): string {
  const lang = item.lang;
  if (lang !== undefined && config.languages.some((l) => l.code === lang)) return lang;
  return config.languages[0]!.code;
}

/** What a reader chose; null is "the default language" and "everything". */
export interface ReaderChoice {
  language: string | null;
  /** Topic ids; null: everything, so topics added later reach the reader too. */
  topics: readonly string[] | null;
}

/** Readers who get the same digest: one language, one set of topics. */
export interface ReaderGroup {
  /** Stable and short: `en`, `ru`, `ru:kazakhstan+operations`. */
  key: string;
  language: string;
  /** Topic ids, sorted; null: everything. */
  topics: readonly string[] | null;
}

/** The group a reader's choice puts them in. A language or topic no longer configured is left out. */
export function readerGroup(choice: ReaderChoice, config: Pick<Config, 'languages' | 'digest'>): ReaderGroup {
  const language = config.languages.some((l) => l.code === choice.language)
    ? choice.language!
    : config.languages[0]!.code;
  const known = new Set(config.digest.topics.map((t) => t.id));
  const topics = choice.topics === null ? [] : [...new Set(choice.topics.filter((t) => known.has(t)))].sort();
  // a reader whose every topic was removed from gazette.yaml gets everything rather than nothing for ever
  if (topics.length === 0) return { key: language, language, topics: null };
  return { key: `${language}:${topics.join('+')}`, language, topics };
}

/** The group a key names (the inverse of readerGroup's `key`). */
export function groupFromKey(key: string): ReaderGroup {
  const [language, topics] = key.split(':') as [string, string | undefined];
  return { key, language, topics: topics === undefined ? null : topics.split('+') };
}

/** The tag slugs a topic stands for. */
function topicTags(topic: TopicConfig): Set<string> {
  return new Set(topic.tags.map((t) => slugify(t)));
}

/** The tag slugs a group's readers asked for; null: everything. */
function wantedTags(group: ReaderGroup, config: Pick<Config, 'digest'>): Set<string> | null {
  if (group.topics === null) return null;
  const wanted = new Set<string>();
  for (const topic of config.digest.topics)
    if (group.topics.includes(topic.id)) for (const t of topicTags(topic)) wanted.add(t);
  return wanted;
}

/** The items of `items` a group gets, in the order given: its language and, unless everything, a topic's tag. */
export function groupItems<T extends NewsItem>(
  items: readonly T[],
  group: ReaderGroup,
  config: Pick<Config, 'languages' | 'digest'>,
): T[] {
  const wanted = wantedTags(group, config);
  return items.filter(
    (item) =>
      itemLanguage(item, config) === group.language &&
      (wanted === null || item.tags.some((t) => wanted.has(slugify(t)))),
  );
}

/** A topic's name in `language`, or in the default language. */
export function topicName(topic: TopicConfig, language: string, config: Pick<Config, 'languages'>): string {
  return topic.names[language] ?? topic.names[config.languages[0]!.code] ?? topic.id;
}

/** The subscribers table's `topics` column: a JSON array of topic ids, or null for everything. */
export function parseTopicsColumn(text: string | null): string[] | null {
  if (text === null || text === '') return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
  } catch {
    return null;
  }
}

export function topicsColumn(topics: readonly string[] | null): string | null {
  return topics === null || topics.length === 0 ? null : JSON.stringify([...new Set(topics)].sort());
}

/**
 * Every topic tag must be a tag some item carries (else it is a typo, and its readers would never get mail):
 * a ConfigError naming the file and the key, e.g. `digest.topics[1].tags[0]`. `items` are every item read,
 * published or not.
 */
export function checkTopicTags(
  items: readonly Pick<NewsItem, 'tags'>[],
  config: Pick<Config, 'digest'>,
  file: string,
): void {
  if (config.digest.topics.length === 0) return;
  const tags = new Set<string>();
  for (const item of items) for (const t of item.tags) tags.add(slugify(t));
  config.digest.topics.forEach((topic, i) => {
    topic.tags.forEach((tag, j) => {
      if (!tags.has(slugify(tag)))
        throw new ConfigError(
          `${file}: digest.topics[${i}].tags[${j}]: "${tag}" (topic "${topic.id}") is a tag no item carries`,
          { file, key: `digest.topics[${i}].tags[${j}]` },
        );
    });
  });
}

/**
 * On a site that lists site.languages, an item's `lang` must be one of them (the problem, for a ContentError on
 * the `lang` field); a single-language site takes any language tag.
 */
export function unknownLanguageProblem(
  item: Pick<NewsItem, 'lang'>,
  config: Pick<Config, 'languages' | 'multilingual'>,
): string | undefined {
  if (item.lang === undefined || !config.multilingual) return undefined;
  const codes = config.languages.map((l) => l.code);
  if (codes.includes(item.lang)) return undefined;
  return `"${item.lang}" is not one of site.languages (${codes.join(', ')})`;
}
