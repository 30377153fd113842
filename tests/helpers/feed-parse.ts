// Reads emitted feeds back with two independent parsers (rss-parser on xml2js, feedsmith on
// fast-xml-parser) into one comparable shape.
import RssParser from 'rss-parser';
import { parseAtomFeed, parseJsonFeed, parseRssFeed } from 'feedsmith';

export interface ReadItem {
  id: string | undefined;
  title: string | undefined;
  link: string | undefined;
  /** Milliseconds since the epoch. */
  published: number | undefined;
  updated: number | undefined;
  contentHtml: string | undefined;
  enclosure?: { url: string | undefined; type?: string | undefined; length?: number | undefined };
}

export interface ReadFeed {
  title: string | undefined;
  /** rel → href of the feed-level links (RSS atom:link, Atom link, JSON Feed next_url as "next"). */
  links: Record<string, string>;
  items: ReadItem[];
}

const rssParser = new RssParser({
  customFields: {
    feed: [
      ['atom:link', 'atomLinks', { keepArray: true }] as never,
      ['link', 'allLinks', { keepArray: true }] as never,
    ],
    item: [['updated', 'updated'] as never, ['guid', 'guidRaw'] as never, ['enclosure', 'enclosureRaw'] as never],
  },
});

const ms = (text: string | undefined): number | undefined => (text === undefined ? undefined : Date.parse(text));

type RawLink = { $?: Record<string, string> };

function linksOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const link of (raw as RawLink[] | undefined) ?? []) {
    const attrs = link.$;
    if (attrs?.href !== undefined) out[attrs.rel ?? 'alternate'] ??= attrs.href;
  }
  return out;
}

/** RSS 2.0 through rss-parser. */
export async function readRssWithRssParser(xml: string): Promise<ReadFeed> {
  const feed = (await rssParser.parseString(xml)) as unknown as Record<string, unknown> & {
    items: Record<string, unknown>[];
  };
  return {
    title: feed.title as string | undefined,
    links: linksOf(feed.atomLinks),
    items: feed.items.map((item) => {
      const enclosure = item.enclosure as { url: string; type?: string; length?: string } | undefined;
      return {
        id: item.guid as string | undefined,
        title: item.title as string | undefined,
        link: item.link as string | undefined,
        published: ms(item.pubDate as string | undefined),
        updated: undefined,
        contentHtml: item['content:encoded'] as string | undefined,
        ...(enclosure !== undefined
          ? {
              enclosure: {
                url: enclosure.url,
                ...(enclosure.type ? { type: enclosure.type } : {}),
                ...(enclosure.length !== undefined ? { length: Number(enclosure.length) } : {}),
              },
            }
          : {}),
      };
    }),
  };
}

/** Atom 1.0 through rss-parser. */
export async function readAtomWithRssParser(xml: string): Promise<ReadFeed> {
  const feed = (await rssParser.parseString(xml)) as unknown as Record<string, unknown> & {
    items: Record<string, unknown>[];
  };
  return {
    title: feed.title as string | undefined,
    links: linksOf(feed.allLinks),
    items: feed.items.map((item) => ({
      id: item.id as string | undefined,
      title: item.title as string | undefined,
      link: item.link as string | undefined,
      published: ms(item.pubDate as string | undefined),
      updated: ms(item.updated as string | undefined),
      contentHtml: item.content as string | undefined,
    })),
  };
}

/** RSS 2.0 through feedsmith. */
export function readRssWithFeedsmith(xml: string): ReadFeed {
  const feed = parseRssFeed(xml);
  const links: Record<string, string> = {};
  for (const link of feed.atom?.links ?? []) if (link.href !== undefined) links[link.rel ?? 'alternate'] ??= link.href;
  return {
    title: feed.title,
    links,
    items: (feed.items ?? []).map((item) => ({
      id: item.guid?.value,
      title: item.title,
      link: item.link,
      published: ms(item.pubDate),
      updated: undefined,
      contentHtml: item.content?.encoded,
      ...(item.enclosures?.[0] !== undefined
        ? {
            enclosure: {
              url: item.enclosures[0].url,
              ...(item.enclosures[0].type !== undefined ? { type: item.enclosures[0].type } : {}),
              ...(item.enclosures[0].length !== undefined ? { length: Number(item.enclosures[0].length) } : {}),
            },
          }
        : {}),
    })),
  };
}

/** Atom 1.0 through feedsmith. */
export function readAtomWithFeedsmith(xml: string): ReadFeed {
  const feed = parseAtomFeed(xml);
  const links: Record<string, string> = {};
  for (const link of feed.links ?? []) if (link.href !== undefined) links[link.rel ?? 'alternate'] ??= link.href;
  return {
    title: textOf(feed.title),
    links,
    items: (feed.entries ?? []).map((entry) => {
      const enclosure = entry.links?.find((l) => l.rel === 'enclosure');
      return {
        id: entry.id,
        title: textOf(entry.title),
        link: entry.links?.find((l) => (l.rel ?? 'alternate') === 'alternate')?.href,
        published: ms(entry.published),
        updated: ms(entry.updated),
        contentHtml: textOf(entry.content),
        ...(enclosure !== undefined
          ? {
              enclosure: {
                url: enclosure.href,
                ...(enclosure.type !== undefined ? { type: enclosure.type } : {}),
                ...(enclosure.length !== undefined ? { length: Number(enclosure.length) } : {}),
              },
            }
          : {}),
      };
    }),
  };
}

/** JSON Feed through feedsmith (rss-parser reads no JSON Feed). */
export function readJsonFeedWithFeedsmith(json: string): ReadFeed {
  const feed = parseJsonFeed(json);
  return {
    title: feed.title,
    links: feed.next_url !== undefined ? { next: feed.next_url } : {},
    items: (feed.items ?? []).map((item) => ({
      id: item.id,
      title: item.title,
      link: item.url,
      published: ms(item.date_published),
      updated: ms(item.date_modified),
      contentHtml: item.content_html,
      ...(item.attachments?.[0] !== undefined
        ? {
            enclosure: {
              url: item.attachments[0].url,
              type: item.attachments[0].mime_type,
              ...(item.attachments[0].size_in_bytes !== undefined ? { length: item.attachments[0].size_in_bytes } : {}),
            },
          }
        : {}),
    })),
  };
}

function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  return (value as { value?: string }).value;
}
