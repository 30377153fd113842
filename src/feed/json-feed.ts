// JSON Feed 1.1 renderer. JSON.stringify does all the escaping; feed@6's json1() would need every
// field rewritten (it says version 1, writes `author`, and has no language, attachments or paging).
import type { Person } from '../content/types.ts';
import { rfc3339 } from './dates.ts';
import type { EntryCache, FeedDocument, FeedEntry } from './model.ts';

const VERSION = 'https://jsonfeed.org/version/1.1';

interface JsonAuthor {
  name: string;
  url?: string;
}

// Stands in for the items in the serialized feed; JSON.stringify writes it as "\u0000items".
const ITEMS_SLOT = '\u0000items';
const ITEMS_SLOT_JSON = JSON.stringify(ITEMS_SLOT);
// Items sit two levels deep in the document, indented by two spaces a level.
const ITEM_INDENT = '    ';

/**
 * `cache` holds each item's JSON, written once and indented for its place in the document (see
 * EntryCache in model.ts); the result is what JSON.stringify(feed, null, 2) writes for the whole.
 */
export function renderJsonFeed(doc: FeedDocument, cache: EntryCache = new Map()): string {
  const feed = {
    version: VERSION,
    title: doc.title,
    home_page_url: doc.homeUrl,
    // feed_url identifies the feed, so archive pages carry the subscription document's URL.
    feed_url: doc.currentUrl,
    description: doc.description,
    ...(doc.image !== undefined ? { icon: doc.image } : {}),
    authors: [jsonAuthor(doc.author)],
    language: doc.language,
    // JSON Feed pages towards older items: the same direction as RFC 5005's prev-archive.
    ...(doc.prevArchiveUrl !== undefined ? { next_url: doc.prevArchiveUrl } : {}),
    ...(doc.hubUrl !== undefined ? { hubs: [{ type: 'WebSub', url: doc.hubUrl }] } : {}),
    items: ITEMS_SLOT,
  };
  const items = doc.entries.map((entry) => {
    let json = cache.get(entry);
    if (json === undefined) {
      // Every line break JSON.stringify writes is its own (it escapes those inside strings).
      json = ITEM_INDENT + JSON.stringify(jsonItem(entry), null, 2).replaceAll('\n', `\n${ITEM_INDENT}`);
      cache.set(entry, json);
    }
    return json;
  });
  const list = items.length === 0 ? '[]' : `[\n${items.join(',\n')}\n  ]`;
  const text = JSON.stringify(feed, null, 2);
  // `items` is the last member, after every string a feed's text could hold.
  const at = text.lastIndexOf(ITEMS_SLOT_JSON);
  return `${text.slice(0, at)}${list}${text.slice(at + ITEMS_SLOT_JSON.length)}\n`;
}

function jsonItem(entry: FeedEntry): Record<string, unknown> {
  return {
    id: entry.id,
    url: entry.url,
    ...(entry.externalUrl !== undefined ? { external_url: entry.externalUrl } : {}),
    title: entry.title,
    content_html: entry.contentHtml,
    ...(entry.summary !== '' ? { summary: entry.summary } : {}),
    ...(entry.image !== undefined ? { image: entry.image.url } : {}),
    date_published: rfc3339(entry.published),
    date_modified: rfc3339(entry.updated),
    authors: entry.authors.map(jsonAuthor),
    ...(entry.tags.length > 0 ? { tags: entry.tags } : {}),
    ...(entry.lang !== undefined ? { language: entry.lang } : {}),
    ...(entry.image !== undefined
      ? {
          attachments: [
            {
              url: entry.image.url,
              mime_type: entry.image.type,
              ...(entry.image.alt !== '' ? { title: entry.image.alt } : {}),
              ...(entry.image.length !== undefined ? { size_in_bytes: entry.image.length } : {}),
            },
          ],
        }
      : {}),
  };
}

/** JSON Feed authors have no e-mail field; a mailto: URL is the spec's suggested stand-in. */
function jsonAuthor(person: Person): JsonAuthor {
  const url = person.url ?? (person.email !== undefined ? `mailto:${person.email}` : undefined);
  return { name: person.name, ...(url !== undefined ? { url } : {}) };
}
