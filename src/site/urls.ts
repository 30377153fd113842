// Where each page of the site lives: output paths under public/ and the absolute URLs that point at them.
import { slugPath, slugify } from '../content/slug.ts';

/** Items per index or tag page: ~300 items make 25 pages. */
export const SITE_PAGE_SIZE = 12;

export interface FeedLink {
  /** MIME type for `<link rel="alternate" type>`. */
  type: string;
  /** Human name of the format, e.g. "RSS". */
  format: string;
  /** Title shown by browsers and feed readers that discover the feed. */
  title: string;
  href: string;
}

/** The URL scheme of the site, derived from `site.url` (which always ends with a slash). */
export interface SiteUrls {
  home: string;
  /** Path part of `site.url`, e.g. `/` or `/news-site/`: for links that must work at any depth and on any host. */
  basePath: string;
  tagsIndex: string;
  archive: string;
  subscribeAction: string;
  /** 1-based page of the history; page 1 is the home page. */
  page(n: number): string;
  item(slug: string): string;
  tag(tagSlug: string): string;
  tagPage(tagSlug: string, n: number): string;
  feeds(siteTitle: string): FeedLink[];
  tagFeeds(siteTitle: string, tagName: string, tagSlug: string): FeedLink[];
}

/**
 * The URLs of one language's pages: `languagePath` is '' for the default language, else its folder (`ru/`), under
 * which its home, history, item, tag pages, feeds and digest archive are; the subscribe form is the site's.
 */
export function siteUrls(siteUrl: string, languagePath = ''): SiteUrls {
  const root = siteUrl.endsWith('/') ? siteUrl : `${siteUrl}/`;
  const base = root + languagePath;
  const basePath = new URL(root).pathname;
  const feedSet = (prefix: string, title: string): FeedLink[] => [
    { type: 'application/rss+xml', format: 'RSS', title: `${title} (RSS)`, href: `${prefix}feed.xml` },
    { type: 'application/atom+xml', format: 'Atom', title: `${title} (Atom)`, href: `${prefix}atom.xml` },
    { type: 'application/feed+json', format: 'JSON Feed', title: `${title} (JSON Feed)`, href: `${prefix}feed.json` },
  ];
  const tag = (tagSlug: string): string => `${base}tags/${slugPath(tagSlug)}/`;
  return {
    home: base,
    basePath,
    tagsIndex: `${base}tags/`,
    archive: `${base}archive/`,
    // Relative to the host, not to site.url's host: a form on a preview server posts to that server.
    subscribeAction: `${basePath}subscribe`,
    page: (n) => (n <= 1 ? base : `${base}page/${n}/`),
    item: (slug) => `${base}news/${slugPath(slug)}/`,
    tag,
    tagPage: (tagSlug, n) => (n <= 1 ? tag(tagSlug) : `${tag(tagSlug)}page/${n}/`),
    feeds: (siteTitle) => feedSet(base, siteTitle),
    tagFeeds: (siteTitle, tagName, tagSlug) => feedSet(tag(tagSlug), `${siteTitle}: ${tagName}`),
  };
}

/** Output paths under public/ of one language's pages (`languagePath` as for siteUrls). */
export function languageSitePaths(languagePath: string) {
  const p = languagePath;
  return {
    page: (n: number): string => (n <= 1 ? `${p}index.html` : `${p}page/${n}/index.html`),
    item: (slug: string): string => `${p}news/${slug}/index.html`,
    tagPage: (tagSlug: string, n: number): string =>
      n <= 1 ? `${p}tags/${tagSlug}/index.html` : `${p}tags/${tagSlug}/page/${n}/index.html`,
    tagsIndex: `${p}tags/index.html`,
    notFound: `${p}404.html`,
  };
}

/** Output paths under public/ (unencoded: the file system holds the Unicode name the URL encodes). */
export const sitePaths = languageSitePaths('');

/** The slug of a tag: the same function the feeds use, so tag pages and tag feeds share a folder. */
export function tagSlug(tag: string): string {
  return slugify(tag);
}
