// The build use-case's pure half: published items + config + templates → every file of public/.
import type { Config } from '../config/schema.ts';
import type { Catalogs } from '../i18n/catalog.ts';
import type { NewsItem } from '../content/types.ts';
import { createFeedMemo, feedSpecs, type FeedMemo } from '../feed/index.ts';
import { renderDigestArchive, type SentEdition } from '../newsletter/index.ts';
import type { OutputFile, OutputSpec } from '../output.ts';
import { discoverySpecs, siteSpecs, type SiteTemplates } from '../site/index.ts';

export interface OutputOptions {
  /** The build's time: the news sitemap lists the items published in the two days before it. */
  now: Date;
  /** The local files items reference, already read by the caller. */
  assets?: readonly OutputFile[];
  /** The sent digest editions for public/archive/ (an empty archive when none). */
  sentEditions?: readonly SentEdition[];
  /** What consecutive builds of one site share. */
  memo?: FeedMemo;
  /** URLs per sitemap file before sitemap.xml becomes an index (default 50,000, the protocol's limit). */
  sitemapMaxUrls?: number;
  /** The message catalogs of the site's languages (default: gazette's own, see readCatalogs). */
  catalogs?: Catalogs;
}

/**
 * Every output file as a spec, in a fixed order: feeds, site pages, static assets, the archive of
 * the sent digest editions, the local files items reference, then the sitemaps and robots.txt.
 * Pure: the same input gives byte-identical files. The writer (src/build/write.ts) renders each
 * as it writes it, checks the paths, and on an update renders only the specs whose `deps` changed.
 */
export function* outputSpecs(
  items: NewsItem[],
  config: Config,
  templates: SiteTemplates,
  options: OutputOptions,
): Generator<OutputSpec> {
  const sentEditions = options.sentEditions ?? [];
  yield* feedSpecs(items, config, options.memo ?? createFeedMemo(), options.catalogs);
  yield* siteSpecs(items, config, templates, options.catalogs);
  for (const file of renderDigestArchive(sentEditions, config, options.catalogs))
    yield { path: file.path, deps: [file.body], render: () => file.body };
  for (const file of options.assets ?? []) yield { path: file.path, deps: [file.body], render: () => file.body };
  yield* discoverySpecs(
    items,
    config,
    {
      now: options.now,
      sentEditions,
      ...(options.sitemapMaxUrls !== undefined ? { maxUrls: options.sitemapMaxUrls } : {}),
    },
    options.catalogs,
  );
}
