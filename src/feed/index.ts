// feed/: published items + site config → RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents (pure).
//
// For the whole site: a subscription document per format (feed.xml, atom.xml, feed.json) and the
// complete history as RFC 5005 archive pages under feeds/ (see paging.ts). For every tag: the
// same three documents under tags/<slug>/, holding the tag's newest items. And feed.xsl for
// browsers. Dates come from the items, never from the clock.
import { itemLanguage } from '../audience.ts';
import { type Config, languageConfig } from '../config/schema.ts';
import { translationsOf, type Translation } from '../content/translations.ts';
import type { NewsItem } from '../content/types.ts';
import { type Catalogs, type Messages, readCatalogs } from '../i18n/catalog.ts';
import { slugPath, slugify } from '../content/slug.ts';
import { renderSpecs, type OutputFile, type OutputSpec } from '../output.ts';
import { renderAtom } from './atom.ts';
import { tagPrefix, tagUri } from './ids.ts';
import { renderJsonFeed } from './json-feed.ts';
import {
  emptyFeedDate,
  normalizeUrl,
  toFeedEntry,
  type EntryCache,
  type FeedDocument,
  type FeedEntry,
  type FeedFormat,
} from './model.ts';
import { feedPagePath, renderFeedPage } from './page.ts';
import { planPages, type PagePlan } from './paging.ts';
import { renderRss } from './rss.ts';
import { feedXsl } from './xsl.ts';
import { stripIllegalXmlChars } from './xml.ts';

export { feedPagePath } from './page.ts';
export { planPages } from './paging.ts';
export { tagPrefix, tagUri } from './ids.ts';

/** File names per format: the subscription document and archive page `n` (1 = oldest). */
export const FEED_FILES: Record<FeedFormat, { current: string; archive: (n: number) => string }> = {
  rss: { current: 'feed.xml', archive: (n) => `feeds/rss-${n}.xml` },
  atom: { current: 'atom.xml', archive: (n) => `feeds/atom-${n}.xml` },
  json: { current: 'feed.json', archive: (n) => `feeds/json-${n}.json` },
};

export const FEED_STYLESHEET_PATH = 'feed.xsl';

const SUBSCRIPTION_NAMES = new Set(Object.values(FEED_FILES).map((f) => f.current));

/** A language folder of a site in several languages, e.g. `ru` of `ru/feed.xml` (the language tags config takes). */
const LANGUAGE_FOLDER = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/**
 * Whether `path` (under public/) is a document readers subscribe to: the site's or a tag's feed, any format, of the
 * default language or under a language's folder (`ru/feed.xml`, `ru/tags/<slug>/atom.xml`).
 */
export function isSubscriptionFeed(path: string): boolean {
  const parts = path.split('/');
  if (parts.length > 1 && LANGUAGE_FOLDER.test(parts[0]!) && parts[0] !== 'tags') parts.shift();
  const name = parts.at(-1)!;
  return SUBSCRIPTION_NAMES.has(name) && (parts.length === 1 || (parts.length === 3 && parts[0] === 'tags'));
}

/** The URL a file under public/ is published at, as its feed's self link names it. */
export function publishedUrl(siteUrl: string, path: string): string {
  return siteUrl + path.split('/').map(encodeURIComponent).join('/');
}

const RENDERERS: Record<FeedFormat, (doc: FeedDocument, cache: EntryCache) => string> = {
  rss: renderRss,
  atom: renderAtom,
  json: renderJsonFeed,
};

/** One feed: the whole site, or one tag, in one language. */
interface FeedScope {
  /** Folder under public/ ('', 'tags/<slug>/', 'ru/', 'ru/tags/<slug>/'), unencoded. */
  path: string;
  /** The language's folder under public/: '' for the default language, else e.g. 'ru/'. */
  languagePath: string;
  language: string;
  messages: Messages;
  /** Absolute URL of that folder. */
  baseUrl: string;
  title: string;
  description: string;
  id: string;
  entries: FeedEntry[];
  /**
   * The whole site's feed keeps its complete history as RFC 5005 archive pages; a tag's feed
   * holds the tag's newest `feeds.limit` items (its whole history is on the tag's pages).
   */
  archived: boolean;
}

/**
 * Renders every feed document: the subscription feeds, per-tag feeds, the site's RFC 5005
 * archive pages and the XSL stylesheet. `items` are published items, newest first. Pure and deterministic:
 * items of the same instant are ordered by id whatever order they come in.
 */
export function renderFeeds(items: NewsItem[], config: Config, catalogs?: Catalogs): OutputFile[] {
  return [...renderSpecs(feedSpecs(items, config, createFeedMemo(), catalogs))];
}

/**
 * What a series of builds of one site (one config) can share: each item's feed entry and each
 * entry's serialized form per format. An unchanged item (the same NewsItem object) keeps its
 * entry, so its documents need no new rendering; see `feedSpecs`.
 */
export interface FeedMemo {
  readonly entries: WeakMap<NewsItem, FeedEntry>;
  readonly serialized: Record<FeedFormat, EntryCache>;
  /**
   * Keep the serialized entries for the next build (a long-running worker). Otherwise each
   * format's are dropped once its documents are rendered, so one build holds one format's at most.
   */
  readonly keep: boolean;
}

/** A memo for one build; a worker's next builds reuse it with `keep` set. */
export function createFeedMemo(): FeedMemo {
  return {
    entries: new WeakMap(),
    serialized: { rss: new WeakMap(), atom: new WeakMap(), json: new WeakMap() },
    keep: false,
  };
}

/**
 * Every feed document as a spec whose `deps` are its entries and its place among the pages. A site in several
 * languages has the whole set per language: the default language's at the top, each other's under `<lang>/`,
 * each with that language's items, title and description.
 */
export function* feedSpecs(
  items: NewsItem[],
  config: Config,
  memo: FeedMemo = createFeedMemo(),
  catalogs: Catalogs = readCatalogs(config),
): Generator<OutputSpec> {
  const sorted = [...items].sort(newestFirst);
  // A preview (--base-url) keeps the ids of the real site.
  const prefix = tagPrefix(config.site.productionUrl ?? config.site.url, config.site.established);
  const defaultLanguage = config.languages[0]!.code;
  const translations = translationsOf(sorted, config);
  const entryOf = (item: NewsItem): FeedEntry => {
    // Only the entries of the other languages name their translations: the default language's feeds stay as a
    // single-language site's are.
    const others =
      itemLanguage(item, config) !== defaultLanguage
        ? translations.get(item)?.map((t) => ({ lang: t.lang, url: normalizeUrl(t.url) }))
        : undefined;
    let entry = memo.entries.get(item);
    if (entry === undefined || !sameTranslations(entry.translations, others)) {
      entry = toFeedEntry(item, config, prefix);
      if (others !== undefined) entry.translations = others;
      memo.entries.set(item, entry);
    }
    return entry;
  };
  const site = config.site;
  const scopes: FeedScope[] = [];
  for (const { code } of config.multilingual ? config.languages : config.languages.slice(0, 1)) {
    const own = config.multilingual ? sorted.filter((item) => itemLanguage(item, config) === code) : sorted;
    const entries = own.map(entryOf);
    const languagePath = code === defaultLanguage ? '' : `${code}/`;
    const words = languageConfig(config, code);
    const messages = catalogs.messages(code);
    const common = { languagePath, language: code, messages };
    scopes.push({
      ...common,
      path: languagePath,
      baseUrl: site.url + languagePath,
      title: words.title,
      description: words.description,
      id: tagUri(prefix, `${languagePath}feed`),
      entries,
      archived: true,
    });
    for (const tag of groupByTag(own, entries)) {
      scopes.push({
        ...common,
        path: `${languagePath}tags/${tag.slug}/`,
        baseUrl: `${site.url}${languagePath}tags/${slugPath(tag.slug)}/`,
        title: `${words.title}: ${tag.name}`,
        description: messages.t('site.tag_feed_description', { tag: tag.name, site: words.title }),
        id: tagUri(prefix, `${languagePath}feed/tags/${tag.slug}`),
        entries: tag.entries,
        archived: false,
      });
    }
    const xsl = feedXsl(messages);
    yield { path: languagePath + FEED_STYLESHEET_PATH, deps: [xsl], render: () => xsl };
  }
  const plans = scopes.map(
    (scope): PagePlan<FeedEntry> =>
      scope.archived
        ? planPages(scope.entries, config.feeds.limit, config.feeds.archivePageSize)
        : { current: scope.entries.slice(0, config.feeds.limit), archives: [] },
  );
  for (const format of ['rss', 'atom', 'json'] as const) {
    // One format at a time: its serialized entries serve every scope, then may go.
    const cache = memo.serialized[format];
    for (let i = 0; i < scopes.length; i++) yield* scopeSpecs(scopes[i]!, plans[i]!, config, format, cache);
    if (!memo.keep) memo.serialized[format] = new WeakMap();
  }
}

function sameTranslations(a: readonly Translation[] | undefined, b: readonly Translation[] | undefined): boolean {
  return JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
}

function* scopeSpecs(
  scope: FeedScope,
  plan: PagePlan<FeedEntry>,
  config: Config,
  format: FeedFormat,
  cache: EntryCache,
): Generator<OutputSpec> {
  const lastPage = plan.archives.length;
  {
    const names = FEED_FILES[format];
    const url = (name: string): string => scope.baseUrl + name;
    const parts = (
      name: string,
      entries: FeedEntry[],
      links: { prev?: number; next?: number },
      archive: boolean,
    ): DocumentParts => ({
      format,
      selfUrl: url(name),
      currentUrl: url(names.current),
      ...(links.prev !== undefined ? { prevArchiveUrl: url(names.archive(links.prev)) } : {}),
      ...(links.next !== undefined ? { nextArchiveUrl: url(names.archive(links.next)) } : {}),
      // Archive pages never change, so only the subscription document names the hub.
      ...(config.feeds.websubHub !== undefined && !archive ? { hubUrl: config.feeds.websubHub } : {}),
      archive,
      entries,
    });
    const doc = (
      name: string,
      entries: FeedEntry[],
      links: { prev?: number; next?: number },
      archive: boolean,
    ): OutputSpec => ({
      path: scope.path + name,
      deps: [scope.title, scope.description, links.prev, links.next, archive, ...entries],
      render: () => RENDERERS[format](documentOf(scope, config, parts(name, entries, links, archive)), cache),
    });
    const currentLinks = lastPage > 0 ? { prev: lastPage } : {};
    yield doc(names.current, plan.current, currentLinks, false);
    // what a browser that opens the feed is shown (page.ts); JSON Feed has no such reader
    if (format !== 'json')
      yield {
        path: feedPagePath(scope.path + names.current),
        deps: [scope.title, scope.description, ...plan.current],
        render: () =>
          renderFeedPage(
            documentOf(scope, config, parts(names.current, plan.current, currentLinks, false)),
            config.site.timezone,
            scope.messages,
          ),
      };
    for (let index = 0; index < plan.archives.length; index++) {
      const n = index + 1;
      yield doc(
        names.archive(n),
        plan.archives[index]!,
        { ...(n > 1 ? { prev: n - 1 } : {}), ...(n < lastPage ? { next: n + 1 } : {}) },
        true,
      );
    }
  }
}

type DocumentParts = Pick<
  FeedDocument,
  'format' | 'selfUrl' | 'currentUrl' | 'prevArchiveUrl' | 'nextArchiveUrl' | 'archive' | 'entries'
>;

function documentOf(scope: FeedScope, config: Config, parts: DocumentParts): FeedDocument {
  const site = config.site;
  const newest = (pick: (e: FeedEntry) => Date): Date =>
    parts.entries.reduce<Date | undefined>(
      (max, e) => (max === undefined || pick(e) > max ? pick(e) : max),
      undefined,
    ) ?? emptyFeedDate(config);
  return {
    ...parts,
    id: scope.id,
    title: scope.title,
    description: scope.description,
    language: scope.language,
    author: site.author,
    ...(site.copyright !== undefined ? { copyright: site.copyright } : {}),
    ...(site.image !== undefined ? { image: site.image } : {}),
    homeUrl: scope.baseUrl,
    updated: newest((e) => e.updated),
    published: newest((e) => e.published),
    // Root-relative: an XSLT stylesheet must come from the same origin as the feed, which on a
    // preview server is not site.url's.
    stylesheetUrl: `${new URL(site.url).pathname}${scope.languagePath}${FEED_STYLESHEET_PATH}`,
    tagsUrl: `${site.url}${scope.languagePath}tags/`,
  };
}

interface TagGroup {
  slug: string;
  /** The spelling of the tag on its newest item. */
  name: string;
  entries: FeedEntry[];
}

/** Tags whose names slugify alike share one feed (slugs as the site's tag pages make them). Sorted by slug. */
function groupByTag(items: readonly NewsItem[], entries: readonly FeedEntry[]): TagGroup[] {
  const groups = new Map<string, TagGroup>();
  items.forEach((item, index) => {
    const entry = entries[index]!;
    const seen = new Set<string>();
    for (const tag of item.tags) {
      const name = stripIllegalXmlChars(tag);
      if (name.trim() === '') continue;
      const slug = slugify(tag);
      if (seen.has(slug)) continue;
      seen.add(slug);
      const group = groups.get(slug) ?? { slug, name, entries: [] };
      group.entries.push(entry);
      groups.set(slug, group);
    }
  });
  return [...groups.values()].sort((a, b) => compareText(a.slug, b.slug));
}

function newestFirst(a: NewsItem, b: NewsItem): number {
  return b.published.getTime() - a.published.getTime() || compareText(a.id, b.id);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
