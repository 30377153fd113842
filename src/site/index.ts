// The static site: home page with history pages, item pages, tag pages and 404, rendered from NewsItem[].
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createTemplateEngine, type TemplateEngine } from '../adapters/eta.ts';
import type { Config } from '../config/schema.ts';
import type { NewsItem } from '../content/types.ts';
import { GazetteError } from '../errors.ts';
import { resolveTemplates } from '../template-files.ts';
import { renderSpecs, type OutputFile, type OutputSpec } from '../output.ts';
import { newsArticleJsonLd } from './structured-data.ts';
import { type Catalogs, readCatalogs } from '../i18n/catalog.ts';
import { languageSitePaths, SITE_PAGE_SIZE } from './urls.ts';
import {
  chunk,
  frame,
  languageItems,
  languagePath,
  translationsOf,
  viewContext,
  type PageFrame,
  groupTags,
  itemCards,
  type ItemCard,
  machineDate,
  pagination,
  readerDate,
  tagLinks,
  type ViewContext,
} from './view.ts';

export { SITE_PAGE_SIZE } from './urls.ts';
export { discoverySpecs, NEWS_SITEMAP_PATH, type DiscoveryOptions } from './discovery.ts';

/** Templates and static assets, read once from the templates folder. */
export interface SiteTemplates {
  /** Template sources by file name without `.eta`, e.g. `layout`, `index`, `item`. */
  readonly templates: ReadonlyMap<string, string>;
  /** Static files by their path under public/, e.g. `static/style.css`. */
  readonly assets: ReadonlyMap<string, Uint8Array>;
  /** Where each template was read from, by name, for error messages; e.g. `templates/item.eta`. */
  readonly files?: ReadonlyMap<string, string>;
  /** An override in templates_dir that replaces nothing, one line each. */
  readonly warnings?: readonly string[];
}

/** The templates every site build needs; a folder without one of them is reported before rendering. */
export const SITE_TEMPLATE_NAMES = [
  'layout',
  'index',
  'item',
  'tag',
  'tags',
  'not-found',
  'item-card',
  'subscribe',
  'pagination',
] as const;

const STYLESHEET = 'static/style.css';

/**
 * Reads `dir/*.eta` and everything under `dir/static/` once, each file from `override` (the newsroom's
 * templates_dir) when it has one of that name. The only I/O of the site module.
 * Templates whose name starts with `digest` belong to the newsletter and are not loaded.
 */
export async function loadSiteTemplates(dir: string, override?: string): Promise<SiteTemplates> {
  const templates = new Map<string, string>();
  const assets = new Map<string, Uint8Array>();
  const files = new Map<string, string>();
  let warnings: string[];
  try {
    const resolved = await resolveTemplates(
      dir,
      override,
      (name) => name.startsWith('static/') || (/^[^/]+\.eta$/.test(name) && !name.startsWith('digest')),
    );
    warnings = resolved.warnings;
    for (const [name, found] of resolved.files) {
      if (name.startsWith('static/')) assets.set(name, new Uint8Array(await readFile(found.file)));
      else {
        templates.set(name.slice(0, -'.eta'.length), await readFile(found.file, 'utf8'));
        files.set(name.slice(0, -'.eta'.length), found.display);
      }
    }
  } catch (err) {
    throw new GazetteError(
      'TEMPLATES_UNREADABLE',
      `cannot read site templates from ${dir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const missing = SITE_TEMPLATE_NAMES.filter((name) => !templates.has(name));
  if (missing.length > 0) {
    throw new GazetteError(
      'TEMPLATES_MISSING',
      `site templates missing in ${dir}: ${missing.map((m) => `${m}.eta`).join(', ')}`,
    );
  }
  return { templates, assets, files, warnings };
}

/**
 * Renders every page of the site and copies the static assets. Pure: the same
 * items, config and templates give byte-identical files, sorted by path.
 * `items` are the published items, newest first.
 */
export function renderSite(
  items: NewsItem[],
  config: Config,
  templates: SiteTemplates,
  catalogs?: Catalogs,
): OutputFile[] {
  return [...renderSpecs(siteSpecs(items, config, templates, catalogs))].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}

// Templates compiled once per set: a worker renders from the same set build after build.
const engines = new WeakMap<SiteTemplates, TemplateEngine>();

/**
 * Every page and asset of the site as a spec whose `deps` are the items it shows and its place among the pages.
 * A site in several languages has the pages of each: the default language's at the top, each other's under
 * `<lang>/`, in that language's words and with that language's items.
 */
export function* siteSpecs(
  items: NewsItem[],
  config: Config,
  templates: SiteTemplates,
  catalogs: Catalogs = readCatalogs(config),
): Generator<OutputSpec> {
  let engine = engines.get(templates);
  if (engine === undefined) {
    engine = createTemplateEngine({
      templates: templates.templates,
      ...(templates.files ? { files: templates.files } : {}),
    });
    engines.set(templates, engine);
  }
  const css = templates.assets.get(STYLESHEET);
  // The content hash in the query lets servers cache the stylesheet forever and still ship changes.
  const version = css ? `?v=${createHash('sha256').update(css).digest('hex').slice(0, 10)}` : '';
  const basePath = new URL(config.site.url).pathname;
  const translations = translationsOf(items, config);
  const languages = config.multilingual ? config.languages : config.languages.slice(0, 1);
  for (const { code } of languages) {
    const ctx = viewContext(config, code, {
      stylesheet: `${basePath}${STYLESHEET}${version}`,
      catalogs,
      translations,
    });
    const paths = languageSitePaths(languagePath(config, code));
    const own = languageItems(items, config, code);
    const card = itemCards(ctx, code);
    yield* historySpecs(own, ctx, engine, card, paths);
    for (const item of own) {
      if (item.link === undefined)
        yield {
          path: paths.item(item.slug),
          deps: [item, ...(translations.get(item) ?? []).flatMap((t) => [t.lang, t.url])],
          render: () => renderItem(item, ctx, engine),
        };
    }
    yield* tagSpecs(own, ctx, engine, card, paths);
    if (code === config.languages[0]!.code)
      yield { path: paths.notFound, deps: [], render: () => renderNotFound(ctx, engine) };
  }
  for (const [path, body] of templates.assets) yield { path, deps: [body], render: () => body };
}

type SitePaths = ReturnType<typeof languageSitePaths>;

function* historySpecs(
  items: NewsItem[],
  ctx: ViewContext,
  engine: TemplateEngine,
  card: (item: NewsItem) => ItemCard,
  paths: SitePaths,
): Generator<OutputSpec> {
  const m = ctx.messages;
  const pages = chunk(items, SITE_PAGE_SIZE);
  for (let i = 0; i < pages.length; i++) {
    const pageItems = pages[i]!;
    const n = i + 1;
    const render = (): string => {
      const nav = pagination(n, pages.length, ctx.urls.page, m.t);
      const page = frame(ctx, {
        title: n === 1 ? ctx.title : m.t('site.home_page_title', { site: ctx.title, n, total: pages.length }),
        description: ctx.description,
        canonical: ctx.urls.page(n),
        isHome: n === 1,
        prev: nav.newer,
        next: nav.older,
        ...social(ctx, {
          type: 'website',
          title: ctx.title,
          description: ctx.description,
          url: ctx.urls.page(n),
        }),
      });
      return engine.render('index', {
        page,
        heading: n === 1 ? m.t('site.latest_news') : m.t('site.news_page', { n, total: pages.length }),
        cards: pageItems.map(card),
        pagination: nav,
      });
    };
    yield { path: paths.page(n), deps: [pages.length, ...pageItems], render };
  }
}

function renderItem(item: NewsItem, ctx: ViewContext, engine: TemplateEngine): string {
  const site = ctx.config.site;
  const lang = item.lang ?? ctx.language;
  const url = ctx.urls.item(item.slug);
  const translations = ctx.translations.get(item);
  const author = item.author ?? site.author;
  const meta = social(ctx, { type: 'article', title: item.title, description: item.summary, url, image: item.image });
  meta.openGraph.push(
    { property: 'article:published_time', content: machineDate(item.published, ctx) },
    { property: 'article:modified_time', content: machineDate(item.updated, ctx) },
  );
  for (const tag of item.tags) meta.openGraph.push({ property: 'article:tag', content: tag });
  const page = frame(ctx, {
    lang,
    chromeLang: lang !== ctx.language ? ctx.language : undefined,
    title: `${item.title} | ${ctx.title}`,
    description: item.summary,
    canonical: url,
    ...meta,
    jsonLd: newsArticleJsonLd(item, ctx),
    ...(translations !== undefined
      ? { hreflang: [{ lang, href: url }, ...translations.map((t) => ({ lang: t.lang, href: t.url }))] }
      : {}),
  });
  return engine.render('item', {
    page,
    item: {
      title: item.title,
      url,
      dateIso: machineDate(item.published, ctx),
      dateText: readerDate(item.published, ctx, lang),
      updated:
        item.updated.getTime() !== item.published.getTime()
          ? { dateIso: machineDate(item.updated, ctx), dateText: readerDate(item.updated, ctx, lang) }
          : undefined,
      author: { name: author.name, url: author.url },
      image: item.image ? { url: item.image.url, alt: item.image.alt } : undefined,
      contentHtml: item.contentHtml,
      tags: tagLinks(item.tags, ctx),
    },
  });
}

function* tagSpecs(
  items: NewsItem[],
  ctx: ViewContext,
  engine: TemplateEngine,
  card: (item: NewsItem) => ItemCard,
  paths: SitePaths,
): Generator<OutputSpec> {
  const m = ctx.messages;
  const tags = groupTags(items, ctx);
  for (const tag of tags) {
    const pages = chunk(tag.items, SITE_PAGE_SIZE);
    const tagFeeds = ctx.urls.tagFeeds(ctx.title, tag.name, tag.slug);
    for (let i = 0; i < pages.length; i++) {
      const pageItems = pages[i]!;
      const n = i + 1;
      const render = (): string => {
        const pageUrl = (k: number): string => ctx.urls.tagPage(tag.slug, k);
        const nav = pagination(n, pages.length, pageUrl, m.t);
        const suffix = n === 1 ? '' : m.t('site.page_suffix', { n, total: pages.length });
        const page = frame(ctx, {
          title: `${tag.name}${suffix} | ${ctx.title}`,
          description: m.t('site.tag_description', { tag: tag.name, site: ctx.title }),
          canonical: pageUrl(n),
          alternates: [...tagFeeds, ...ctx.urls.feeds(ctx.title)],
          prev: nav.newer,
          next: nav.older,
          ...social(ctx, {
            type: 'website',
            title: `${tag.name} | ${ctx.title}`,
            description: ctx.description,
            url: pageUrl(n),
          }),
        });
        return engine.render('tag', {
          page,
          tag: { name: tag.name, count: tag.items.length, feeds: tagFeeds },
          heading: `${tag.name}${suffix}`,
          cards: pageItems.map(card),
          pagination: nav,
        });
      };
      yield {
        path: paths.tagPage(tag.slug, n),
        deps: [tag.name, tag.items.length, pages.length, ...pageItems],
        render,
      };
    }
  }
  const render = (): string => {
    const page = frame(ctx, {
      title: `${m.t('site.tags')} | ${ctx.title}`,
      description: m.t('site.tags_description', { site: ctx.title }),
      canonical: ctx.urls.tagsIndex,
      ...social(ctx, {
        type: 'website',
        title: `${m.t('site.tags')} | ${ctx.title}`,
        description: ctx.description,
        url: ctx.urls.tagsIndex,
      }),
    });
    return engine.render('tags', {
      page,
      tags: tags.map((t) => ({ name: t.name, url: t.url, count: t.items.length })),
    });
  };
  yield { path: paths.tagsIndex, deps: tags.flatMap((t) => [t.name, t.url, t.items.length]), render };
}

function renderNotFound(ctx: ViewContext, engine: TemplateEngine): string {
  const page = frame(ctx, {
    title: `${ctx.messages.t('site.page_not_found')} | ${ctx.title}`,
    description: ctx.description,
    noindex: true,
  });
  return engine.render('not-found', { page });
}

/**
 * OpenGraph and Twitter card tags of a page. The image is the page's own, else `site.image`; a
 * large card only for a page's own image, since the site's image is a logo.
 */
function social(
  ctx: ViewContext,
  og: { type: string; title: string; description: string; url: string; image?: { url: string; alt: string } },
): Pick<PageFrame, 'openGraph' | 'twitter'> {
  const site = ctx.config.site;
  const openGraph = [
    { property: 'og:type', content: og.type },
    { property: 'og:site_name', content: ctx.title },
    { property: 'og:title', content: og.title },
    { property: 'og:description', content: og.description },
    { property: 'og:url', content: og.url },
  ];
  const twitter = [
    { name: 'twitter:card', content: og.image ? 'summary_large_image' : 'summary' },
    { name: 'twitter:title', content: og.title },
    { name: 'twitter:description', content: og.description },
  ];
  const image = og.image ?? (site.image !== undefined ? { url: site.image, alt: ctx.title } : undefined);
  if (image) {
    openGraph.push({ property: 'og:image', content: image.url });
    twitter.push({ name: 'twitter:image', content: image.url });
    if (image.alt !== '') {
      openGraph.push({ property: 'og:image:alt', content: image.alt });
      twitter.push({ name: 'twitter:image:alt', content: image.alt });
    }
  }
  return { openGraph, twitter };
}
