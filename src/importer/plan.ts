// Pure half of import-feed: items of a parsed feed + what the content folder holds → files to create.
import { createHash } from 'node:crypto';
import { isoInZone, formatInZone } from '../adapters/luxon.ts';
import type { ParsedFeed, ParsedFeedItem } from '../adapters/rss-parser.ts';
import { sanitizeHtml } from '../adapters/sanitize.ts';
import type { Config } from '../config/schema.ts';
import { absoluteUrl } from '../content/render.ts';
import { slugify } from '../content/slug.ts';
import { cleanLine, stripControlChars } from '../content/text.ts';

/** What the content folder already holds, so an import never duplicates an item or a slug. */
export interface ExistingContent {
  ids: ReadonlySet<string>;
  slugs: ReadonlySet<string>;
  /** Paths relative to the content folder, forward slashes. */
  paths: ReadonlySet<string>;
}

export interface PlannedFile {
  /** Path relative to the content folder, e.g. `2021/2021-10-01-meeting.md`. */
  path: string;
  id: string;
  text: string;
}

export interface SkippedItem {
  id: string | undefined;
  title: string | undefined;
  reason: 'exists' | 'no-date';
}

export interface ImportPlan {
  create: PlannedFile[];
  skipped: SkippedItem[];
}

/** JSON strings are valid YAML 1.2 scalars: quoting that needs no YAML writer and escapes everything. */
function yamlValue(value: string | string[]): string {
  return Array.isArray(value) ? `[${value.map((v) => JSON.stringify(v)).join(', ')}]` : JSON.stringify(value);
}

/**
 * HTML as a Markdown body that Markdown leaves alone: inside one HTML block (a `<div>` with
 * no blank line) nothing is parsed as Markdown. Blank lines become `&#10;`, which keeps
 * the exact whitespace inside <pre> and is plain whitespace elsewhere.
 */
export function htmlAsMarkdown(html: string): string {
  let body = stripControlChars(html).replace(/\r\n?/g, '\n').trim();
  if (body === '') return '';
  for (let previous = ''; previous !== body; ) {
    previous = body;
    body = body.replace(/\n([ \t]*)\n/g, '\n$1&#10;');
  }
  return `<div>\n${body}\n</div>\n`;
}

/** A stable id for an item whose feed gives neither guid/id nor link. */
function fallbackId(item: ParsedFeedItem): string {
  const hash = createHash('sha256')
    .update(`${item.title ?? ''}\n${item.isoDate ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  return `urn:sha256:${hash}`;
}

/**
 * Plans one content file per new feed item. An item whose id (guid, Atom id, else
 * link) is already in the content folder, or earlier in the same feed, is skipped,
 * so importing twice creates nothing the second time.
 */
export function planImport(feed: ParsedFeed, existing: ExistingContent, config: Config): ImportPlan {
  const ids = new Set(existing.ids);
  const slugs = new Set(existing.slugs);
  const paths = new Set(existing.paths);
  const plan: ImportPlan = { create: [], skipped: [] };
  for (const item of feed.items) {
    const id = cleanLine(item.id ?? '') || cleanLine(item.link ?? '') || fallbackId(item);
    const title = cleanLine(item.title ?? '');
    if (ids.has(id)) {
      plan.skipped.push({ id, title, reason: 'exists' });
      continue;
    }
    const date = item.isoDate ? new Date(item.isoDate) : undefined;
    if (!date || Number.isNaN(date.getTime())) {
      plan.skipped.push({ id, title, reason: 'no-date' });
      continue;
    }
    const zone = config.site.timezone;
    const day = formatInZone(date, zone, 'yyyy-LL-dd');
    const slugBase = slugify(title || id)
      .slice(0, 60)
      .replace(/-+$/, '');
    let slug = slugBase;
    for (let n = 2; slugs.has(slug) || paths.has(`${day.slice(0, 4)}/${day}-${slug}.md`); n++)
      slug = `${slugBase}-${n}`;
    const path = `${day.slice(0, 4)}/${day}-${slug}.md`;

    const fields: [string, string | string[]][] = [
      ['title', title || '(untitled)'],
      ['date', isoInZone(date, zone)],
      ['id', id],
    ];
    const author = cleanLine(item.author ?? '');
    if (author) fields.push(['author', author]);
    const tags = [...new Set(item.categories.map(cleanLine).filter((t) => t !== ''))];
    if (tags.length > 0) fields.push(['tags', tags]);
    const front = fields.map(([k, v]) => `${k}: ${yamlValue(v)}`).join('\n');
    // Relative links in the old feed point into the old site, not to where the item will live.
    const base = absoluteUrl(item.link ?? '', feed.link ?? '') ?? feed.link;
    const raw = item.contentHtml ?? item.summary ?? '';
    const html = base ? sanitizeHtml(raw, { resolveUrl: (url) => absoluteUrl(url, base) }) : raw;
    const text = `---\n${front}\n---\n\n${htmlAsMarkdown(html)}`;

    ids.add(id);
    slugs.add(slug);
    paths.add(path);
    plan.create.push({ path, id, text });
  }
  return plan;
}
