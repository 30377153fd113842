// JSON Feed 1.1 renderer. JSON.stringify does all the escaping; feed@6's json1() would need every
// field rewritten (it says version 1, writes `author`, and has no language, attachments or paging).
import type { Person } from '../content/types.ts';
import { rfc3339 } from './dates.ts';
import type { FeedDocument, FeedEntry } from './model.ts';

const VERSION = 'https://jsonfeed.org/version/1.1';

interface JsonAuthor {
  name: string;
  url?: string;
}

export function renderJsonFeed(doc: FeedDocument): string {
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
    items: doc.entries.map(jsonItem),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
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
