// Atom 1.0 renderer, written by hand through xml.ts: feed@6's Atom output cannot carry tag: ids
// unchanged, RFC 5005 links, fh:archive, plain-text titles or the images' real MIME types.
import type { Person } from '../content/types.ts';
import { rfc3339 } from './dates.ts';
import type { EntryCache, FeedDocument, FeedEntry } from './model.ts';
import { element, escapeAttr, escapeText, rawElement } from './xml.ts';

const ATOM_TYPE = 'application/atom+xml';
const ATOM_NS = 'http://www.w3.org/2005/Atom';
const FEED_HISTORY_NS = 'http://purl.org/syndication/history/1.0';

/** `cache` holds each entry's `<entry>` element, written once (see EntryCache in model.ts). */
export function renderAtom(doc: FeedDocument, cache: EntryCache = new Map()): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<?xml-stylesheet type="text/xsl" href="${escapeAttr(doc.stylesheetUrl)}"?>`,
    `<feed xmlns="${ATOM_NS}"${doc.archive ? ` xmlns:fh="${FEED_HISTORY_NS}"` : ''}` +
      ` xml:lang="${escapeAttr(doc.language)}">`,
    `  ${element('id', {}, doc.id)}`,
    `  ${element('title', { type: 'text' }, doc.title)}`,
    `  ${element('subtitle', { type: 'text' }, doc.description)}`,
    `  ${element('updated', {}, rfc3339(doc.updated))}`,
    ...person('author', doc.author, '  '),
    `  ${element('link', { rel: 'self', type: ATOM_TYPE, href: doc.selfUrl })}`,
    `  ${element('link', { rel: 'alternate', type: 'text/html', href: doc.homeUrl })}`,
  ];
  if (doc.archive) out.push(`  ${element('link', { rel: 'current', type: ATOM_TYPE, href: doc.currentUrl })}`);
  if (doc.prevArchiveUrl !== undefined)
    out.push(`  ${element('link', { rel: 'prev-archive', type: ATOM_TYPE, href: doc.prevArchiveUrl })}`);
  if (doc.nextArchiveUrl !== undefined)
    out.push(`  ${element('link', { rel: 'next-archive', type: ATOM_TYPE, href: doc.nextArchiveUrl })}`);
  if (doc.hubUrl !== undefined) out.push(`  ${element('link', { rel: 'hub', href: doc.hubUrl })}`);
  if (doc.copyright !== undefined) out.push(`  ${element('rights', { type: 'text' }, doc.copyright)}`);
  if (doc.image !== undefined) out.push(`  ${element('logo', {}, doc.image)}`);
  out.push(`  ${element('generator', {}, 'gazette')}`);
  if (doc.archive) out.push('  <fh:archive/>');
  for (const entry of doc.entries) {
    let xml = cache.get(entry);
    if (xml === undefined) {
      xml = renderEntry(entry, doc.tagsUrl).join('\n');
      cache.set(entry, xml);
    }
    out.push(xml);
  }
  out.push('</feed>', '');
  return out.join('\n');
}

function renderEntry(entry: FeedEntry, tagsUrl: string): string[] {
  const out = [
    entry.lang !== undefined ? `  <entry xml:lang="${escapeAttr(entry.lang)}">` : '  <entry>',
    `    ${element('id', {}, entry.id)}`,
    `    ${element('title', { type: 'text' }, entry.title)}`,
    `    ${element('link', { rel: 'alternate', type: 'text/html', href: entry.url })}`,
  ];
  for (const t of entry.translations ?? [])
    out.push(`    ${element('link', { rel: 'alternate', type: 'text/html', hreflang: t.lang, href: t.url })}`);
  if (entry.image !== undefined) {
    out.push(
      `    ${element('link', {
        rel: 'enclosure',
        type: entry.image.type,
        length: entry.image.length,
        href: entry.image.url,
      })}`,
    );
  }
  out.push(
    `    ${element('published', {}, rfc3339(entry.published))}`,
    `    ${element('updated', {}, rfc3339(entry.updated))}`,
  );
  for (const author of entry.authors) out.push(...person('author', author, '    '));
  for (const tag of entry.tags) out.push(`    ${element('category', { term: tag, scheme: tagsUrl })}`);
  if (entry.summary !== '') out.push(`    ${element('summary', { type: 'text' }, entry.summary)}`);
  out.push(`    ${rawElement('content', { type: 'html' }, escapeText(entry.contentHtml))}`, '  </entry>');
  return out;
}

function person(name: string, p: Person, indent: string): string[] {
  return [
    `${indent}<${name}>`,
    `${indent}  ${element('name', {}, p.name)}`,
    ...(p.email !== undefined ? [`${indent}  ${element('email', {}, p.email)}`] : []),
    ...(p.url !== undefined ? [`${indent}  ${element('uri', {}, p.url)}`] : []),
    `${indent}</${name}>`,
  ];
}
