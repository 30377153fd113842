// What crawlers read before the pages: sitemap.xml (or its index and parts), sitemap-news.xml and robots.txt.
import type { Config } from '../config/schema.ts';
import type { NewsItem } from '../content/types.ts';
import type { SentEdition } from '../newsletter/archive.ts';
import type { OutputSpec } from '../output.ts';
import { renderRobots } from './robots.ts';
import { newsSitemapItems, renderNewsSitemap, renderSitemaps, sitemapEntries, type SitemapLimits } from './sitemap.ts';
import type { Catalogs } from '../i18n/catalog.ts';
import { languageItems, viewContext } from './view.ts';

export interface DiscoveryOptions extends SitemapLimits {
  /** The build's time: the news sitemap lists the items published in the two days before it. */
  now: Date;
  /** The sent digest editions, whose archive pages the sitemap lists. */
  sentEditions: readonly SentEdition[];
}

export const NEWS_SITEMAP_PATH = 'sitemap-news.xml';

/** The sitemaps and robots.txt for `items` (published, newest first) as specs. Pure. */
export function* discoverySpecs(
  items: readonly NewsItem[],
  config: Config,
  options: DiscoveryOptions,
  catalogs?: Catalogs,
): Generator<OutputSpec> {
  const languages = config.multilingual ? config.languages : config.languages.slice(0, 1);
  const contexts = languages.map((l) => viewContext(config, l.code, catalogs ? { catalogs } : {}));
  const ctx = contexts[0]!;
  const limits: SitemapLimits = {
    ...(options.maxUrls !== undefined ? { maxUrls: options.maxUrls } : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
  };
  // Rendered here, not lazily: the body is cheap next to the pages, and it is what an update compares.
  // One sitemap for every language: the default language's pages and the digest archive, then each other's pages.
  const entries = contexts.flatMap((c, i) =>
    sitemapEntries(languageItems(items, config, c.language), c, i === 0 ? options.sentEditions : undefined),
  );
  for (const file of renderSitemaps(entries, config, limits))
    yield { path: file.path, deps: [file.body], render: () => file.body };
  // A news sitemap must list at least one article (its schema wants a <url>): with nothing that recent there is
  // none, and robots.txt names only the sitemap.
  const news = newsSitemapItems(items, options.now);
  if (news.length > 0)
    yield {
      path: NEWS_SITEMAP_PATH,
      deps: [config.site.title, config.site.language, config.site.url, ...news],
      render: () => renderNewsSitemap(news, ctx),
    };
  const robots = renderRobots([
    `${config.site.url}sitemap.xml`,
    ...(news.length > 0 ? [`${config.site.url}${NEWS_SITEMAP_PATH}`] : []),
  ]);
  yield { path: 'robots.txt', deps: [robots], render: () => robots };
}
