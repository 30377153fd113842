// The build use-case's pure half: published items + config + templates → every file of public/.
import type { Config } from '../config/schema.ts';
import type { NewsItem } from '../content/types.ts';
import { createFeedMemo, feedSpecs, type FeedMemo } from '../feed/index.ts';
import { renderDigestArchive, type SentEdition } from '../newsletter/index.ts';
import type { OutputFile, OutputSpec } from '../output.ts';
import { siteSpecs, type SiteTemplates } from '../site/index.ts';

/**
 * Every output file as a spec, in a fixed order: feeds, site pages, static assets, the archive of
 * the sent digest editions (`sentEditions`, an empty archive when none) and the local files items
 * reference (`assets`, already read by the caller). Pure: the same input gives byte-identical
 * files. The writer (src/build/write.ts) renders each as it writes it, checks the paths, and on an
 * update renders only the specs whose `deps` changed; `memo` carries what consecutive builds of
 * one site share.
 */
export function* outputSpecs(
  items: NewsItem[],
  config: Config,
  templates: SiteTemplates,
  assets: readonly OutputFile[] = [],
  sentEditions: readonly SentEdition[] = [],
  memo: FeedMemo = createFeedMemo(),
): Generator<OutputSpec> {
  yield* feedSpecs(items, config, memo);
  yield* siteSpecs(items, config, templates);
  for (const file of renderDigestArchive(sentEditions, config))
    yield { path: file.path, deps: [file.body], render: () => file.body };
  for (const file of assets) yield { path: file.path, deps: [file.body], render: () => file.body };
}
