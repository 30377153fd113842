// RSS 2.0 renderer, written by hand through xml.ts like atom.ts: feed@6 writes the channel elements
// it does not know (pubDate, RFC 5005's fh:archive) after the items, where the RSS Profile wants none,
// and titles as CDATA, where plain text wants character references.
import { rfc822 } from './dates.ts';
import type { EntryCache, FeedDocument, FeedEntry } from './model.ts';
import { cdata, element, escapeAttr, escapeText, plainTextToHtml, rawElement } from './xml.ts';

const RSS_TYPE = 'application/rss+xml';
const RSS_SPEC = 'https://www.rssboard.org/rss-specification';
const NAMESPACES =
  'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"' +
  ' xmlns:atom="http://www.w3.org/2005/Atom"';
const FEED_HISTORY_NS = 'http://purl.org/syndication/history/1.0';
const IN_CHANNEL = '        ';
const IN_ITEM = '            ';

/**
 * `cache` holds each entry's `<item>` element, written once and reused by every document that
 * holds the entry (see EntryCache in model.ts).
 */
export function renderRss(doc: FeedDocument, cache: EntryCache = new Map()): string {
  const links: { rel: string; href: string }[] = [{ rel: 'self', href: doc.selfUrl }];
  if (doc.archive) links.push({ rel: 'current', href: doc.currentUrl });
  if (doc.prevArchiveUrl !== undefined) links.push({ rel: 'prev-archive', href: doc.prevArchiveUrl });
  if (doc.nextArchiveUrl !== undefined) links.push({ rel: 'next-archive', href: doc.nextArchiveUrl });
  const hub = doc.hubUrl;
  // Every channel element comes before the first item, as the RSS Profile asks.
  const out: string[] = [
    `<?xml version="1.0" encoding="utf-8"?><?xml-stylesheet href="${escapeAttr(doc.stylesheetUrl)}" type="text/xsl"?>`,
    `<rss version="2.0" ${NAMESPACES}>`,
    '    <channel>',
    `${IN_CHANNEL}${element('title', {}, doc.title)}`,
    `${IN_CHANNEL}${rawElement('link', {}, escapeText(doc.homeUrl))}`,
    `${IN_CHANNEL}${element('description', {}, doc.description)}`,
    `${IN_CHANNEL}${element('lastBuildDate', {}, rfc822(doc.updated))}`,
    `${IN_CHANNEL}${element('pubDate', {}, rfc822(doc.published))}`,
    `${IN_CHANNEL}${element('docs', {}, RSS_SPEC)}`,
    `${IN_CHANNEL}${element('generator', {}, 'gazette')}`,
    `${IN_CHANNEL}${element('language', {}, doc.language)}`,
  ];
  if (doc.image !== undefined) {
    out.push(
      `${IN_CHANNEL}<image>`,
      `${IN_ITEM}${element('title', {}, doc.title)}`,
      `${IN_ITEM}${rawElement('url', {}, escapeText(doc.image))}`,
      `${IN_ITEM}${rawElement('link', {}, escapeText(doc.homeUrl))}`,
      `${IN_CHANNEL}</image>`,
    );
  }
  if (doc.copyright !== undefined) out.push(`${IN_CHANNEL}${element('copyright', {}, doc.copyright)}`);
  for (const link of links)
    out.push(`${IN_CHANNEL}${element('atom:link', { href: link.href, rel: link.rel, type: RSS_TYPE })}`);
  // WebSub: where readers subscribe for pushes of this feed (feeds.websub_hub)
  if (hub !== undefined) out.push(`${IN_CHANNEL}${element('atom:link', { href: hub, rel: 'hub' })}`);
  if (doc.archive) out.push(`${IN_CHANNEL}${element('fh:archive', { 'xmlns:fh': FEED_HISTORY_NS })}`);
  for (const entry of doc.entries) {
    let xml = cache.get(entry);
    if (xml === undefined) {
      xml = renderItem(entry, doc.tagsUrl).join('\n');
      cache.set(entry, xml);
    }
    out.push(xml);
  }
  out.push('    </channel>', '</rss>', '');
  return out.join('\n');
}

function renderItem(entry: FeedEntry, tagsUrl: string): string[] {
  // RSS descriptions are HTML; the summary is plain text, so "<" in it must not become markup.
  const description = entry.summary === '' ? '' : plainTextToHtml(entry.summary);
  const content = entry.contentHtml.trim() !== '' ? entry.contentHtml : description;
  const out = [`${IN_CHANNEL}<item>`];
  if (entry.title !== '') out.push(`${IN_ITEM}${element('title', {}, entry.title)}`);
  out.push(
    `${IN_ITEM}${rawElement('link', {}, escapeText(entry.url))}`,
    // The id is a tag: URI, not the item's URL.
    `${IN_ITEM}${element('guid', { isPermaLink: 'false' }, entry.id)}`,
    `${IN_ITEM}${element('pubDate', {}, rfc822(entry.published))}`,
  );
  if (description !== '') out.push(`${IN_ITEM}${rawElement('description', {}, cdata(description))}`);
  if (content !== '') out.push(`${IN_ITEM}${rawElement('content:encoded', {}, cdata(content))}`);
  for (const tag of entry.tags) out.push(`${IN_ITEM}${element('category', { domain: tagsUrl }, tag)}`);
  if (entry.image !== undefined) {
    const { url, type, length } = entry.image;
    out.push(`${IN_ITEM}${element('enclosure', { length: length ?? 0, type, url })}`);
  }
  const creator = entry.authors[0]?.name;
  if (creator !== undefined && creator !== '') out.push(`${IN_ITEM}${element('dc:creator', {}, creator)}`);
  out.push(`${IN_CHANNEL}</item>`);
  return out;
}
