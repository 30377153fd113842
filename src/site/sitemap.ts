// Sitemaps for crawlers: every HTML page with its last change (sitemaps.org 0.9), split under a
// sitemap index past the protocol's limits, and a Google News sitemap of the last two days' items.
import { isoInZone } from '../adapters/luxon.ts';
import type { Config } from '../config/schema.ts';
import { slugPath } from '../content/slug.ts';
import type { NewsItem } from '../content/types.ts';
import { escapeText } from '../feed/xml.ts';
import type { SentEdition } from '../newsletter/archive.ts';
import { SITE_PAGE_SIZE } from './urls.ts';
import { itemLanguage } from '../audience.ts';
import { languageConfig } from '../config/schema.ts';
import { chunk, groupTags, type ViewContext } from './view.ts';

export const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
export const NEWS_SITEMAP_NS = 'http://www.google.com/schemas/sitemap-news/0.9';

/** The protocol's limits for one sitemap file: 50,000 URLs and 50 MB uncompressed. */
export const SITEMAP_MAX_URLS = 50_000;
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;

/** Google News reads the articles of the last two days, at most 1,000 per news sitemap. */
const NEWS_WINDOW_MS = 2 * 24 * 60 * 60 * 1000;
const NEWS_MAX_URLS = 1000;

export interface SitemapEntry {
  /** Absolute URL of the page. */
  loc: string;
  /** When what the page shows last changed; unknown for a page that lists nothing. */
  lastmod?: Date;
}

export interface SitemapLimits {
  /** URLs per sitemap file (default SITEMAP_MAX_URLS). */
  maxUrls?: number;
  /** Bytes per sitemap file (default SITEMAP_MAX_BYTES). */
  maxBytes?: number;
}

/**
 * Every HTML page the build writes but the 404 page: the history pages, the item pages, the tags
 * index and the tag pages (the site's own), and the digest archive (`editions`). An item page's
 * date is the item's `updated`; a list page's the newest of the items (or editions) it lists.
 */
export function sitemapEntries(
  items: readonly NewsItem[],
  ctx: ViewContext,
  /** undefined: the digest archive is left out (another language's pages, listed with the default's). */
  editions: readonly SentEdition[] | undefined,
): SitemapEntry[] {
  const entries: SitemapEntry[] = [];
  const add = (loc: string, lastmod: Date | undefined): void => {
    entries.push(lastmod === undefined ? { loc } : { loc, lastmod });
  };
  const pages = chunk(items, SITE_PAGE_SIZE);
  for (const [i, pageItems] of pages.entries()) add(ctx.urls.page(i + 1), newest(pageItems));
  for (const item of items) if (item.link === undefined) add(ctx.urls.item(item.slug), item.updated);
  const tags = groupTags(items, ctx);
  add(ctx.urls.tagsIndex, newest(tags.flatMap((t) => t.items)));
  for (const tag of tags) {
    for (const [i, pageItems] of chunk(tag.items, SITE_PAGE_SIZE).entries())
      add(ctx.urls.tagPage(tag.slug, i + 1), newest(pageItems));
  }
  if (editions === undefined) return entries;
  const sent = editions.map((e) => ({ loc: `${ctx.urls.archive}${slugPath(e.slug)}/`, lastmod: e.sentAt ?? e.date }));
  add(ctx.urls.archive, latest(sent.map((e) => e.lastmod)));
  entries.push(...sent);
  return entries;
}

function newest(items: readonly NewsItem[]): Date | undefined {
  return latest(items.map((item) => item.updated));
}

function latest(dates: readonly Date[]): Date | undefined {
  let max: Date | undefined;
  for (const d of dates) if (max === undefined || d.getTime() > max.getTime()) max = d;
  return max;
}

/** Escapes a URL for element content, including the quotes the protocol asks to escape too. */
function escapeLoc(url: string): string {
  return escapeText(url).replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

function urlElement(entry: SitemapEntry, zone: string): string {
  const lastmod = entry.lastmod === undefined ? '' : `<lastmod>${isoInZone(entry.lastmod, zone)}</lastmod>`;
  return `<url><loc>${escapeLoc(entry.loc)}</loc>${lastmod}</url>\n`;
}

/**
 * The sitemap files: `sitemap.xml` as one `<urlset>` while the entries fit in one file, else a
 * `<sitemapindex>` pointing to `sitemap-1.xml`, `sitemap-2.xml`, … each within `limits`.
 * Paths under public/ with their bodies; the same entries give the same bytes.
 */
export function renderSitemaps(
  entries: readonly SitemapEntry[],
  config: Config,
  limits: SitemapLimits = {},
): { path: string; body: string }[] {
  const zone = config.site.timezone;
  const maxUrls = limits.maxUrls ?? SITEMAP_MAX_URLS;
  const maxBytes = limits.maxBytes ?? SITEMAP_MAX_BYTES;
  const head = `${XML_DECLARATION}<urlset xmlns="${SITEMAP_NS}">\n`;
  const tail = '</urlset>\n';
  const frameBytes = Buffer.byteLength(head) + Buffer.byteLength(tail);

  const files: { lines: string[]; lastmod?: Date }[] = [];
  let current: { lines: string[]; bytes: number; lastmod?: Date } | undefined;
  for (const entry of entries) {
    const line = urlElement(entry, zone);
    const bytes = Buffer.byteLength(line);
    if (current === undefined || current.lines.length >= maxUrls || current.bytes + bytes > maxBytes) {
      current = { lines: [], bytes: frameBytes };
      files.push(current);
    }
    current.lines.push(line);
    current.bytes += bytes;
    if (entry.lastmod !== undefined && (current.lastmod === undefined || entry.lastmod > current.lastmod))
      current.lastmod = entry.lastmod;
  }
  if (files.length <= 1) return [{ path: 'sitemap.xml', body: `${head}${files[0]?.lines.join('') ?? ''}${tail}` }];

  const index = files.map((file, i) => {
    const lastmod = file.lastmod === undefined ? '' : `<lastmod>${isoInZone(file.lastmod, zone)}</lastmod>`;
    return `<sitemap><loc>${escapeLoc(`${config.site.url}sitemap-${i + 1}.xml`)}</loc>${lastmod}</sitemap>\n`;
  });
  return [
    {
      path: 'sitemap.xml',
      body: `${XML_DECLARATION}<sitemapindex xmlns="${SITEMAP_NS}">\n${index.join('')}</sitemapindex>\n`,
    },
    ...files.map((file, i) => ({ path: `sitemap-${i + 1}.xml`, body: `${head}${file.lines.join('')}${tail}` })),
  ];
}

/** The items a Google News sitemap lists at `now`: those with a page here, published in the two days before. */
export function newsSitemapItems(items: readonly NewsItem[], now: Date): NewsItem[] {
  const since = now.getTime() - NEWS_WINDOW_MS;
  return items
    .filter((item) => item.link === undefined && item.published.getTime() > since && item.published <= now)
    .sort((a, b) => b.published.getTime() - a.published.getTime())
    .slice(0, NEWS_MAX_URLS);
}

/**
 * `sitemap-news.xml`: the Google News sitemap of `news` (see newsSitemapItems), a `<urlset>`
 * without any `<url>` when there are none.
 */
export function renderNewsSitemap(news: readonly NewsItem[], ctx: ViewContext): string {
  const site = ctx.config.site;
  const urls = news.map(
    (item) =>
      `<url><loc>${escapeLoc(item.url)}</loc><news:news>` +
      `<news:publication><news:name>${escapeText(languageConfig(ctx.config, itemLanguage(item, ctx.config)).title)}` +
      '</news:name>' +
      `<news:language>${newsLanguage(item.lang ?? site.language)}</news:language></news:publication>` +
      `<news:publication_date>${isoInZone(item.published, site.timezone)}</news:publication_date>` +
      `<news:title>${escapeText(item.title)}</news:title></news:news></url>\n`,
  );
  const open = `<urlset xmlns="${SITEMAP_NS}" xmlns:news="${NEWS_SITEMAP_NS}">`;
  return `${XML_DECLARATION}${open}\n${urls.join('')}</urlset>\n`;
}

/**
 * The ISO 639 code Google News asks for, from a language tag: its primary subtag (`ru-KZ` → `ru`),
 * but `zh-cn` or `zh-tw` for Chinese, the two exceptions Google names.
 */
export function newsLanguage(tag: string): string {
  const [primary = '', ...rest] = tag.toLowerCase().split('-');
  if (primary !== 'zh') return primary;
  return rest.some((s) => s === 'hant' || s === 'tw' || s === 'hk' || s === 'mo') ? 'zh-tw' : 'zh-cn';
}
