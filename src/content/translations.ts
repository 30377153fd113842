// Which published items tell the same story in other languages (front matter `translation_of`). Pure.
import { itemLanguage } from '../audience.ts';
import type { Config } from '../config/schema.ts';
import type { NewsItem } from './types.ts';

/** Another language's version of an item. */
export interface Translation {
  lang: string;
  url: string;
}

/**
 * Every published item that has translations among `items`, with them (the item itself left out), in the order of
 * site.languages. An item and the items whose `translation_of` names it, directly or through one another, are
 * one story. Only on a site in several languages; a single-language site has none.
 */
export function translationsOf(
  items: readonly NewsItem[],
  config: Pick<Config, 'languages' | 'multilingual'>,
): Map<NewsItem, Translation[]> {
  const out = new Map<NewsItem, Translation[]>();
  if (!config.multilingual) return out;
  const byId = new Map(items.map((i) => [i.id, i]));
  const root = (item: NewsItem): string => {
    let at = item;
    const seen = new Set<NewsItem>();
    while (at.translationOf !== undefined && !seen.has(at)) {
      seen.add(at);
      const next = byId.get(at.translationOf);
      if (next === undefined) return at.translationOf;
      at = next;
    }
    return at.id;
  };
  const stories = new Map<string, NewsItem[]>();
  for (const item of items) {
    const key = root(item);
    const story = stories.get(key);
    if (story === undefined) stories.set(key, [item]);
    else story.push(item);
  }
  const order = config.languages.map((l) => l.code);
  const rank = (item: NewsItem): number => order.indexOf(itemLanguage(item, config));
  for (const story of stories.values()) {
    if (story.length < 2) continue;
    const sorted = [...story].sort((a, b) => rank(a) - rank(b));
    for (const item of story) {
      const language = itemLanguage(item, config);
      const others = sorted.filter((o) => o !== item && itemLanguage(o, config) !== language);
      if (others.length > 0)
        out.set(
          item,
          others.map((o) => ({ lang: itemLanguage(o, config), url: o.url })),
        );
    }
  }
  return out;
}
