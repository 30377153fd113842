// View models: everything a template shows, computed from items and config so templates stay free of logic.
import { formatInZone, isoInZone } from '../adapters/luxon.ts';
import { itemLanguage, topicName } from '../audience.ts';
import { type Config, languageConfig } from '../config/schema.ts';
import { translationsOf, type Translation } from '../content/translations.ts';
import type { NewsItem } from '../content/types.ts';
import { type Catalogs, type Messages, readCatalogs } from '../i18n/catalog.ts';
import { type FeedLink, type SiteUrls, siteUrls, tagSlug } from './urls.ts';

export interface TagLink {
  name: string;
  url: string;
}

export interface ItemCard {
  title: string;
  url: string;
  /** True when the item lives elsewhere (`link`): the card links out and names the host. */
  external: boolean;
  host: string;
  dateIso: string;
  dateText: string;
  summary: string;
  image?: { url: string; alt: string };
  tags: TagLink[];
  /** Set only when the item's language differs from the page's. */
  lang?: string;
}

export interface Pagination {
  current: number;
  total: number;
  newer?: string;
  older?: string;
  /** The first and last pages, and those near the current one; `gap` where numbers are left out. */
  pages: ({ n: number; url: string; current: boolean; gap?: undefined } | { gap: true })[];
  /** The page language's message (`t('site.newer')`): what pagination.eta's words come from. */
  t?: Messages['t'];
}

/** A link of the language switch: one language's home page. */
export interface LanguageLink {
  lang: string;
  /** The language's name in its own words (`common.language_name` of its catalog). */
  name: string;
  url: string;
  current: boolean;
}

/** A `<link rel="alternate" hreflang>` of an item page: the same story in a language (the page's own too). */
export interface HreflangLink {
  lang: string;
  href: string;
}

/** A topic on the subscribe form. */
export interface SubscribeTopic {
  id: string;
  name: string;
}

/** Page numbers shown either side of the current one. */
const PAGE_WINDOW = 2;

/** What the layout needs: the `<head>`, the header, the footer and the subscribe form. */
export interface PageFrame {
  lang: string;
  /** Language of the surrounding chrome when it differs from `lang` (an item page in another language). */
  chromeLang?: string;
  /** The document title. */
  title: string;
  description: string;
  canonical?: string;
  noindex: boolean;
  isHome: boolean;
  siteTitle: string;
  siteDescription: string;
  home: string;
  tagsIndex: string;
  archive: string;
  stylesheet: string;
  subscribeAction: string;
  feeds: FeedLink[];
  /** Feeds offered on this page in `<link rel="alternate">`: a tag page offers its own first. */
  alternates: FeedLink[];
  openGraph: { property: string; content: string }[];
  /** Twitter card tags (`<meta name>`); X and others read OpenGraph for what these leave out. */
  twitter: { name: string; content: string }[];
  /** Script-safe JSON-LD (see scriptJson) for a `<script type="application/ld+json">`. */
  jsonLd?: string;
  prev?: string;
  next?: string;
  copyright?: string;
  /** The page language's messages: `t('site.nav_news')`. */
  t?: Messages['t'];
  /** The language switch, on a site in several languages: each language's home page. */
  languages?: LanguageLink[];
  /** An item page's translations, itself included, as `<link rel="alternate" hreflang>`. */
  hreflang?: HreflangLink[];
  /**
   * What the subscribe form asks besides the address, on a site with topics or several languages: the language
   * (the page's) and the topics; none of them checked is everything.
   */
  subscribe?: { language: string; topics: SubscribeTopic[] };
}

export interface TagSummary {
  name: string;
  slug: string;
  url: string;
  items: NewsItem[];
}

export interface ViewContext {
  config: Config;
  urls: SiteUrls;
  stylesheet: string;
  /** The language of the pages rendered with this context (the chrome's). */
  language: string;
  /** That language's title and description. */
  title: string;
  description: string;
  catalogs: Catalogs;
  messages: Messages;
  /** The translations of the published items (see translationsOf). */
  translations: ReadonlyMap<NewsItem, readonly Translation[]>;
}

/** The language folder under public/ of a language's pages: '' for the default, else e.g. `ru/`. */
export function languagePath(config: Pick<Config, 'languages'>, code: string): string {
  return code === config.languages[0]!.code ? '' : `${code}/`;
}

/** The view context of `code`'s pages. */
export function viewContext(
  config: Config,
  code: string,
  options: {
    stylesheet?: string;
    catalogs?: Catalogs;
    translations?: ReadonlyMap<NewsItem, readonly Translation[]>;
  } = {},
): ViewContext {
  const catalogs = options.catalogs ?? readCatalogs(config);
  const words = languageConfig(config, code);
  return {
    config,
    urls: siteUrls(config.site.url, languagePath(config, code)),
    stylesheet: options.stylesheet ?? '',
    language: code,
    title: words.title,
    description: words.description,
    catalogs,
    messages: catalogs.messages(code),
    translations: options.translations ?? new Map(),
  };
}

/** The items of `code`'s pages: on a site in several languages, those of that language; else every one. */
export function languageItems<T extends NewsItem>(items: readonly T[], config: Config, code: string): T[] {
  return config.multilingual ? items.filter((item) => itemLanguage(item, config) === code) : [...items];
}

/** Each language's translations of the published items (only on a site in several languages). */
export { translationsOf };

/**
 * Formats a date for readers in the site's time zone, e.g. "1 October 2021": in the words of the site language's
 * catalog, or (an item in a language the site does not have) in that language's.
 */
export function readerDate(date: Date, ctx: ViewContext, lang: string): string {
  if (ctx.catalogs.languages.includes(lang)) return ctx.catalogs.messages(lang).date(date);
  return formatInZone(date, ctx.config.site.timezone, 'd LLLL yyyy', lang);
}

export function machineDate(date: Date, ctx: ViewContext): string {
  return isoInZone(date, ctx.config.site.timezone);
}

export function tagLinks(tags: readonly string[], ctx: ViewContext): TagLink[] {
  const seen = new Set<string>();
  const links: TagLink[] = [];
  for (const name of tags) {
    const slug = tagSlug(name);
    if (seen.has(slug)) continue;
    seen.add(slug);
    links.push({ name, url: ctx.urls.tag(slug) });
  }
  return links;
}

export function itemCard(item: NewsItem, ctx: ViewContext, pageLang: string): ItemCard {
  const external = item.link !== undefined;
  const url = external ? (item.link as string) : ctx.urls.item(item.slug);
  const card: ItemCard = {
    title: item.title,
    url,
    external,
    host: external ? hostOf(url) : '',
    dateIso: machineDate(item.published, ctx),
    dateText: readerDate(item.published, ctx, pageLang),
    summary: item.summary,
    tags: tagLinks(item.tags, ctx),
  };
  if (item.image) card.image = { url: item.image.url, alt: item.image.alt };
  if (item.lang !== undefined && item.lang !== pageLang) card.lang = item.lang;
  return card;
}

/**
 * itemCard, remembered per item: an item's card is the same on every listing page that shows it
 * (its history page and the pages of each of its tags), so it is made once per render of the site.
 */
export function itemCards(ctx: ViewContext, pageLang: string): (item: NewsItem) => ItemCard {
  const cards = new WeakMap<NewsItem, ItemCard>();
  return (item) => {
    let card = cards.get(item);
    if (card === undefined) {
      card = itemCard(item, ctx, pageLang);
      cards.set(item, card);
    }
    return card;
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

/**
 * Groups items by tag slug. Two spellings of one tag ("UNODC", "unodc") share a page,
 * named by the spelling on the newest item so the label is stable as history grows.
 */
export function groupTags(items: readonly NewsItem[], ctx: ViewContext): TagSummary[] {
  const bySlug = new Map<string, TagSummary>();
  for (const item of items) {
    const seenHere = new Set<string>();
    for (const name of item.tags) {
      const slug = tagSlug(name);
      if (seenHere.has(slug)) continue;
      seenHere.add(slug);
      let tag = bySlug.get(slug);
      if (!tag) {
        tag = { name, slug, url: ctx.urls.tag(slug), items: [] };
        bySlug.set(slug, tag);
      }
      tag.items.push(item);
    }
  }
  const collator = new Intl.Collator(ctx.language, { sensitivity: 'base', numeric: true });
  return [...bySlug.values()].sort(
    (a, b) => collator.compare(a.name, b.name) || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0),
  );
}

export function pagination(
  current: number,
  total: number,
  pageUrl: (n: number) => string,
  t?: Messages['t'],
): Pagination {
  const p: Pagination = {
    current,
    total,
    pages: [],
  };
  // A window, not every page: a long history has thousands of pages, and listing them all on each
  // would make the site grow with the square of its items.
  for (let n = 1; n <= total; n++) {
    if (n === 1 || n === total || Math.abs(n - current) <= PAGE_WINDOW)
      p.pages.push({ n, url: pageUrl(n), current: n === current });
    else if (p.pages.at(-1)?.gap !== true) p.pages.push({ gap: true });
  }
  if (current > 1) p.newer = pageUrl(current - 1);
  if (current < total) p.older = pageUrl(current + 1);
  if (t !== undefined) p.t = t;
  return p;
}

export function chunk<T>(list: readonly T[], size: number): T[][] {
  const pages: T[][] = [];
  for (let i = 0; i < list.length; i += size) pages.push(list.slice(i, i + size));
  return pages.length > 0 ? pages : [[]];
}

export function frame(
  ctx: ViewContext,
  page: Partial<PageFrame> & Pick<PageFrame, 'title' | 'description'>,
): PageFrame {
  const site = ctx.config.site;
  const feeds = ctx.urls.feeds(ctx.title);
  const base: PageFrame = {
    lang: ctx.language,
    noindex: false,
    isHome: false,
    siteTitle: ctx.title,
    siteDescription: ctx.description,
    home: ctx.urls.home,
    tagsIndex: ctx.urls.tagsIndex,
    archive: ctx.urls.archive,
    stylesheet: ctx.stylesheet,
    subscribeAction: ctx.urls.subscribeAction,
    feeds,
    alternates: feeds,
    openGraph: [],
    twitter: [],
    t: (key, values) => ctx.messages.t(key, values),
    ...languageSwitch(ctx),
    ...subscribeChoices(ctx),
    ...page,
  };
  if (site.copyright !== undefined && base.copyright === undefined) base.copyright = site.copyright;
  return base;
}

/** The language switch of a site in several languages: each language's home page, in its own words. */
function languageSwitch(ctx: ViewContext): Pick<PageFrame, 'languages'> {
  const config = ctx.config;
  if (!config.multilingual) return {};
  return {
    languages: config.languages.map((l) => ({
      lang: l.code,
      name: ctx.catalogs.messages(l.code).t('common.language_name'),
      url: siteUrls(config.site.url, languagePath(config, l.code)).home,
      current: l.code === ctx.language,
    })),
  };
}

/** The subscribe form's language and topics, on a site with topics or several languages. */
function subscribeChoices(ctx: ViewContext): Pick<PageFrame, 'subscribe'> {
  const config = ctx.config;
  if (!config.multilingual && config.digest.topics.length === 0) return {};
  return {
    subscribe: {
      language: ctx.language,
      topics: config.digest.topics.map((topic) => ({ id: topic.id, name: topicName(topic, ctx.language, config) })),
    },
  };
}
