// Adapter for the `feed` package (pinned 6.0.0): renders RSS 2.0, guarding the library's known output bugs.
//
// feed@6 builds its XML with xml-js 1.6, whose serializer has quirks the library passes on. Each is
// neutralised here on the way in, so nothing needs patching on the way out:
// - attribute values are only escaped for `"` (a category `domain` with `&` or `<` breaks the
//   document): every attribute value we pass is escaped for `&`, `<` and `>` first;
// - element text is "desanitized" (`&amp;` turned back into `&` before escaping), so a literal
//   "&amp;" in a title would lose its "amp;": every `&` is pre-escaped once, which that step undoes;
// - only the first `]]>` of a CDATA section is split: later ones are pre-split here;
// - characters XML forbids (C0 controls, U+FFFE, lone surrogates) pass straight through: stripped;
// - `lastBuildDate` falls back to `new Date()`: the caller always supplies it;
// - no `dc:creator` (and `<author>` would need an e-mail address): added as an item extension;
// - only one `atom:link` (self) and no RFC 5005 `fh:archive`: the whole `atom:link` list goes in
//   as one channel extension that replaces the library's, `fh:archive` carries its own namespace;
// - `xmlns:dc` is declared only when an item has `content:encoded`: every item gets content.
// Atom and JSON Feed are rendered by src/feed/atom.ts and src/feed/json-feed.ts instead: feed@6
// throws on ids that are not URLs, says JSON Feed version 1 with `author`, types Atom titles as
// HTML, guesses enclosure MIME types from file extensions and has no archive links for either.
import { Feed, type Extension, type Item } from 'feed';
import { stripIllegalXmlChars } from '../feed/xml.ts';

export interface Rss2Link {
  rel: string;
  href: string;
  type?: string;
}

export interface Rss2Channel {
  title: string;
  /** Absolute URL of the site's HTML page for this feed. */
  link: string;
  description: string;
  language: string;
  copyright?: string;
  /** Absolute URL of the channel image. */
  image?: string;
  lastBuildDate: Date;
  pubDate: Date;
  /** Absolute URL of this very document (atom:link rel="self"). */
  selfUrl: string;
  /** Further atom:link elements, e.g. RFC 5005 prev-archive, next-archive, current. */
  links: Rss2Link[];
  /** Marks the document as an RFC 5005 archive document (`<fh:archive/>`). */
  archive: boolean;
  /** Absolute URL of an XSLT stylesheet for browsers. */
  stylesheet?: string;
}

export interface Rss2Item {
  title: string;
  link: string;
  guid: string;
  /** True only when `guid` is the item's permanent http(s) URL. */
  guidIsPermaLink: boolean;
  pubDate: Date;
  /** HTML. */
  descriptionHtml: string;
  /** HTML; when empty, the description stands in (see the header). */
  contentHtml: string;
  creator?: string;
  categories: { name: string; domain?: string }[];
  enclosure?: { url: string; type: string; length: number };
}

const RSS_SPEC = 'https://www.rssboard.org/rss-specification';
const FEED_HISTORY_NS = 'http://purl.org/syndication/history/1.0';

/** Renders an RSS 2.0 document with content:encoded, dc:creator and atom:link, free of feed@6's bugs. */
export function renderRss2(channel: Rss2Channel, items: readonly Rss2Item[]): string {
  return libraryFeed(channel, items).rss2();
}

/**
 * The same document as `renderRss2(channel, items)`, built from each item's `<item>` element
 * rendered once by `renderRss2Item`: a feed holds many documents (the subscription feed, archive
 * pages, tag feeds) that share items, and the library re-serializes every item of every document.
 * The library writes each `<item>` on its own, at one fixed indentation, between the channel's
 * `atom:link` and the elements added after the items, so a document with one placeholder item
 * is cut at that item and the rendered items go in its place.
 */
export function renderRss2FromFragments(channel: Rss2Channel, fragments: readonly string[]): string {
  if (fragments.length === 0) return renderRss2(channel, []);
  const doc = libraryFeed(channel, [PLACEHOLDER]).rss2();
  const { start, end } = itemSpan(doc);
  return doc.slice(0, start) + fragments.join('') + doc.slice(end);
}

/** One `<item>` element exactly as `renderRss2` writes it inside a document. */
export interface Rss2ItemFragment {
  readonly xml: string;
}

const FRAGMENT_CHANNEL: Rss2Channel = {
  title: 'fragment',
  link: 'https://example.org/',
  description: '',
  language: 'en',
  lastBuildDate: new Date(0),
  pubDate: new Date(0),
  selfUrl: 'https://example.org/feed.xml',
  links: [],
  archive: false,
};

const PLACEHOLDER: Rss2Item = {
  title: 'placeholder',
  link: 'https://example.org/placeholder',
  guid: 'placeholder',
  guidIsPermaLink: false,
  pubDate: new Date(0),
  descriptionHtml: '',
  contentHtml: 'placeholder',
  categories: [],
};

/** Renders one item as it appears inside any document; see `renderRss2FromFragments`. */
export function renderRss2Item(item: Rss2Item): Rss2ItemFragment {
  const doc = libraryFeed(FRAGMENT_CHANNEL, [item]).rss2();
  const { start, end } = itemSpan(doc);
  return { xml: doc.slice(start, end) };
}

/**
 * `renderRss2Item` for many items at once: one document of all of them, cut at its items (the
 * library's per-document work, and xml-js's, done once instead of once per item). The same
 * fragments as one by one; an item with `item>` in any of its text (which CDATA may keep as it is,
 * so the cuts could fall inside it) is rendered alone.
 */
export function renderRss2Items(items: readonly Rss2Item[]): Rss2ItemFragment[] {
  const fragments: (Rss2ItemFragment | undefined)[] = items.map((item) =>
    mentionsItemTag(item) ? renderRss2Item(item) : undefined,
  );
  const batch = items.filter((_, i) => fragments[i] === undefined);
  if (batch.length > 0) {
    const doc = libraryFeed(FRAGMENT_CHANNEL, batch).rss2();
    const spans = itemSpans(doc);
    if (spans.length !== batch.length)
      throw new Error(`feed library output has ${spans.length} <item> elements where ${batch.length} were expected`);
    let next = 0;
    for (let i = 0; i < fragments.length; i++)
      if (fragments[i] === undefined) fragments[i] = { xml: doc.slice(spans[next]!.start, spans[next++]!.end) };
  }
  return fragments as Rss2ItemFragment[];
}

function mentionsItemTag(item: Rss2Item): boolean {
  const texts = [
    item.title,
    item.link,
    item.guid,
    item.descriptionHtml,
    item.contentHtml,
    item.creator ?? '',
    item.enclosure?.url ?? '',
    item.enclosure?.type ?? '',
  ];
  for (const category of item.categories) texts.push(category.name, category.domain ?? '');
  return texts.some((t) => t.includes('item>'));
}

/** Each `<item>` element of a document: where it starts (the white space before it included) and ends. */
function itemSpans(doc: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  for (let open = doc.indexOf('<item>'); open >= 0; open = doc.indexOf('<item>', open + 1)) {
    const close = doc.indexOf('</item>', open);
    if (close < 0) break;
    spans.push({ start: withIndent(doc, open), end: close + '</item>'.length });
    open = close;
  }
  return spans;
}

/** Where the only `<item>` element of a one-item document starts (its line break included) and ends. */
function itemSpan(doc: string): { start: number; end: number } {
  // Channel elements are escaped text, so the first "<item>" tag is the item's own.
  const open = doc.indexOf('<item>');
  const close = doc.lastIndexOf('</item>');
  if (open < 0 || close < open) throw new Error('feed library output has no <item> element where one was expected');
  return { start: withIndent(doc, open), end: close + '</item>'.length };
}

/** Where the line holding the tag at `open` starts: the line break and indentation before it. */
function withIndent(doc: string, open: number): number {
  let start = open;
  while (start > 0 && (doc[start - 1] === ' ' || doc[start - 1] === '\n')) start--;
  return start;
}

function libraryFeed(channel: Rss2Channel, items: readonly Rss2Item[]): Feed {
  const feed = new Feed({
    title: text(channel.title),
    link: url(channel.link),
    description: text(channel.description),
    language: text(channel.language),
    ...(channel.copyright !== undefined ? { copyright: text(channel.copyright) } : {}),
    ...(channel.image !== undefined ? { image: text(url(channel.image)) } : {}),
    updated: channel.lastBuildDate,
    generator: 'gazette',
    docs: RSS_SPEC,
    // Only here to make the library declare xmlns:atom; the extension below replaces its link.
    feed: url(channel.selfUrl),
    ...(channel.stylesheet !== undefined ? { stylesheet: attr(url(channel.stylesheet)) } : {}),
  });
  const atomLinks = [{ rel: 'self', href: channel.selfUrl, type: 'application/rss+xml' }, ...channel.links].map(
    (link) => ({
      _attributes: {
        href: attr(url(link.href)),
        rel: attr(link.rel),
        ...(link.type !== undefined ? { type: attr(link.type) } : {}),
      },
    }),
  );
  feed.addExtension({ name: 'atom:link', objects: atomLinks as unknown as Record<string, unknown> });
  feed.addExtension({ name: 'pubDate', objects: { _text: channel.pubDate.toUTCString() } });
  if (channel.archive) {
    feed.addExtension({ name: 'fh:archive', objects: { _attributes: { 'xmlns:fh': FEED_HISTORY_NS } } });
  }
  for (const item of items) feed.addItem(toLibraryItem(item));
  return feed;
}

function toLibraryItem(item: Rss2Item): Item {
  const extensions: Extension[] = [];
  if (item.creator !== undefined && item.creator !== '') {
    extensions.push({ name: 'dc:creator', objects: { _text: text(item.creator) } });
  }
  const content = item.contentHtml.trim() !== '' ? item.contentHtml : item.descriptionHtml;
  return {
    title: cdata(item.title),
    link: url(item.link),
    // The library writes `guid` with isPermaLink="false" and, without guid or id, the link with "true".
    ...(item.guidIsPermaLink ? {} : { guid: text(item.guid) }),
    date: item.pubDate,
    published: item.pubDate,
    ...(item.descriptionHtml !== '' ? { description: cdata(item.descriptionHtml) } : {}),
    content: cdata(content === '' ? ' ' : content),
    category: item.categories.map((c) => ({
      name: text(c.name),
      ...(c.domain !== undefined ? { domain: attr(c.domain) } : {}),
    })),
    ...(item.enclosure !== undefined
      ? { enclosure: { url: url(item.enclosure.url), type: attr(item.enclosure.type), length: item.enclosure.length } }
      : {}),
    extensions,
  };
}

/** Element text: xml-js turns every `&amp;` back into `&` before escaping, so escape `&` once to undo it. */
function text(value: string): string {
  return stripIllegalXmlChars(value).replace(/&/g, '&amp;');
}

/** Attribute value: xml-js escapes only `"`. */
function attr(value: string): string {
  return stripIllegalXmlChars(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * CDATA content: xml-js splits only the first `]]>`. Splitting every later one here leaves the
 * first for xml-js to split, since the text before it is unchanged.
 */
function cdata(value: string): string {
  const clean = stripIllegalXmlChars(value);
  const first = clean.indexOf(']]>');
  if (first < 0) return clean;
  const head = clean.slice(0, first + 3);
  return head + clean.slice(first + 3).replaceAll(']]>', ']]]]><![CDATA[>');
}

/** URLs go through the library's own `new URL()` and `&` escaping; only forbidden characters are ours to drop. */
function url(value: string): string {
  return stripIllegalXmlChars(value);
}

/**
 * The library itself, without any of the guards above: only for tests that pin its known bugs, so
 * that a release fixing one shows up as a failing test and its guard can go.
 */
export { Feed as UnguardedFeed };
