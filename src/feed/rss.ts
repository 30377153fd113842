// RSS 2.0 renderer: a FeedDocument through the `feed` adapter, with RFC 5005 links as atom:link.
import { renderRss2FromFragments, renderRss2Items, type Rss2Item, type Rss2Link } from '../adapters/feed.ts';
import type { EntryCache, FeedDocument, FeedEntry } from './model.ts';
import { plainTextToHtml } from './xml.ts';

const RSS_TYPE = 'application/rss+xml';

/**
 * `cache` holds each entry's `<item>` element, rendered once and reused by every document that
 * holds the entry (see EntryCache in model.ts).
 */
export function renderRss(doc: FeedDocument, cache: EntryCache = new Map()): string {
  const links: Rss2Link[] = [];
  if (doc.archive) links.push({ rel: 'current', href: doc.currentUrl, type: RSS_TYPE });
  if (doc.prevArchiveUrl !== undefined) links.push({ rel: 'prev-archive', href: doc.prevArchiveUrl, type: RSS_TYPE });
  if (doc.nextArchiveUrl !== undefined) links.push({ rel: 'next-archive', href: doc.nextArchiveUrl, type: RSS_TYPE });
  if (doc.hubUrl !== undefined) links.push({ rel: 'hub', href: doc.hubUrl });
  // The entries no document rendered yet, rendered together.
  const fresh = doc.entries.filter((entry) => !cache.has(entry));
  renderRss2Items(fresh.map((entry) => toItem(entry, doc.tagsUrl))).forEach((fragment, i) => {
    cache.set(fresh[i]!, fragment.xml);
  });
  const fragments = doc.entries.map((entry) => cache.get(entry)!);
  const xml = renderRss2FromFragments(
    {
      title: doc.title,
      link: doc.homeUrl,
      description: doc.description,
      language: doc.language,
      ...(doc.copyright !== undefined ? { copyright: doc.copyright } : {}),
      ...(doc.image !== undefined ? { image: doc.image } : {}),
      lastBuildDate: doc.updated,
      pubDate: doc.published,
      selfUrl: doc.selfUrl,
      links,
      archive: doc.archive,
      stylesheet: doc.stylesheetUrl,
    },
    fragments,
  );
  return `${xml}\n`;
}

function toItem(entry: FeedEntry, tagsUrl: string): Rss2Item {
  return {
    title: entry.title,
    link: entry.url,
    guid: entry.id,
    guidIsPermaLink: false,
    pubDate: entry.published,
    // RSS descriptions are HTML; the summary is plain text, so "<" in it must not become markup.
    descriptionHtml: entry.summary === '' ? '' : plainTextToHtml(entry.summary),
    contentHtml: entry.contentHtml,
    ...(entry.authors[0] !== undefined ? { creator: entry.authors[0].name } : {}),
    categories: entry.tags.map((name) => ({ name, domain: tagsUrl })),
    ...(entry.image !== undefined
      ? { enclosure: { url: entry.image.url, type: entry.image.type, length: entry.image.length ?? 0 } }
      : {}),
  };
}
