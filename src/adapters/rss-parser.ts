// Adapter for rss-parser: reads an existing RSS or Atom feed (import-feed, and feed round-trip checks).
import Parser from 'rss-parser';

export interface ParsedFeedItem {
  /** RSS guid or Atom id, when the feed gives one. */
  id: string | undefined;
  title: string | undefined;
  link: string | undefined;
  /** ISO 8601 publication date as the parser normalized it. */
  isoDate: string | undefined;
  /** Full HTML content: content:encoded, Atom content, else the description/summary. */
  contentHtml: string | undefined;
  summary: string | undefined;
  author: string | undefined;
  categories: string[];
}

export interface ParsedFeed {
  title: string | undefined;
  link: string | undefined;
  items: ParsedFeedItem[];
}

type RawItem = Record<string, unknown>;

const parser = new Parser<Record<string, unknown>, RawItem>({
  customFields: {
    item: ['content:encoded', 'dc:creator', 'author', 'id', ['category', 'category', { keepArray: true }]],
  },
});

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && '_' in value && typeof (value as { _: unknown })._ === 'string')
    return (value as { _: string })._;
  return undefined;
}

function categoriesOf(raw: RawItem): string[] {
  const list = Array.isArray(raw.categories) ? raw.categories : [];
  const atom = Array.isArray(raw.category) ? raw.category : [];
  const names = [
    ...list.map(text),
    // Atom categories are empty elements with a term attribute.
    ...atom.map((c: unknown) =>
      c && typeof c === 'object' && '$' in c ? text((c as { $: { term?: unknown } }).$.term) : text(c),
    ),
  ];
  return names.filter((n): n is string => n !== undefined && n.trim() !== '').map((n) => n.trim());
}

/** Parses RSS 0.9x/1.0/2.0 or Atom 1.0 text. */
export async function parseFeedXml(xml: string): Promise<ParsedFeed> {
  const feed = await parser.parseString(xml);
  return {
    title: feed.title,
    link: feed.link,
    items: feed.items.map((raw) => ({
      id: text(raw.guid) ?? text(raw.id),
      title: text(raw.title),
      link: text(raw.link),
      isoDate: text(raw.isoDate),
      contentHtml: text(raw['content:encoded']) ?? text(raw.content) ?? text(raw.summary),
      summary: text(raw.summary) ?? text(raw.contentSnippet),
      author: text(raw.creator) ?? text(raw['dc:creator']) ?? text(raw.author),
      categories: categoriesOf(raw),
    })),
  };
}
