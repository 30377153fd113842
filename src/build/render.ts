// The build use-case's pure half: published items + config + templates → every file of public/.
import type { Config } from '../config/schema.ts';
import type { NewsItem } from '../content/types.ts';
import { GazetteError } from '../errors.ts';
import { createFeedMemo, feedSpecs, type FeedMemo } from '../feed/index.ts';
import { renderDigestArchive, type SentEdition } from '../newsletter/index.ts';
import { renderSpecs, type OutputFile, type OutputSpec } from '../output.ts';
import { siteSpecs, type SiteTemplates } from '../site/index.ts';

/** A path under public/ that cannot escape it or clash with a folder of the same name. */
function checkPath(path: string): void {
  const bad = path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0') || path.split('/').some((p) => p === '' || p === '.' || p === '..');
  if (bad) throw new GazetteError('OUTPUT_PATH_INVALID', `the build produced an invalid output path "${path}"`);
}

/**
 * Every output file, one at a time, in a fixed order: feeds, site pages, static assets, the archive
 * of the sent digest editions (`sentEditions`, an empty archive when none) and the local files
 * items reference (`assets`, already read by the caller). Pure: the same input gives
 * byte-identical files. The writer (src/build/write.ts) checks the paths as they come.
 */
export function outputFiles(
  items: NewsItem[],
  config: Config,
  templates: SiteTemplates,
  assets: readonly OutputFile[] = [],
  sentEditions: readonly SentEdition[] = [],
): Generator<OutputFile> {
  return renderSpecs(outputSpecs(items, config, templates, assets, sentEditions));
}

/**
 * The files of `outputFiles` as specs, for a build that renders only what changed since the last
 * one (see src/build/update.ts); `memo` carries what consecutive builds of one site share.
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
  for (const file of renderDigestArchive(sentEditions, config)) yield { path: file.path, deps: [file.body], render: () => file.body };
  for (const file of assets) yield { path: file.path, deps: [file.body], render: () => file.body };
}

/**
 * Every output file at once, sorted by path (see `outputFiles`). Two producers claiming one path
 * is an error, not a silent overwrite.
 */
export function renderOutput(
  items: NewsItem[],
  config: Config,
  templates: SiteTemplates,
  assets: readonly OutputFile[] = [],
  sentEditions: readonly SentEdition[] = [],
): OutputFile[] {
  const byPath = new Map<string, OutputFile>();
  for (const file of outputFiles(items, config, templates, assets, sentEditions)) {
    checkPath(file.path);
    if (byPath.has(file.path)) throw new GazetteError('OUTPUT_PATH_CONFLICT', `two outputs claim the same path "${file.path}"`);
    byPath.set(file.path, file);
  }
  const sorted = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // A file and a folder of the same name cannot both exist on disk.
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.path.startsWith(`${sorted[i - 1]!.path}/`)) {
      throw new GazetteError('OUTPUT_PATH_CONFLICT', `"${sorted[i - 1]!.path}" is both a file and a folder in the output`);
    }
  }
  return sorted;
}
