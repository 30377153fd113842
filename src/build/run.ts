// The build use-case: content folder → items → every output file → public/, swapped in atomically.
import { isPublishedFile } from '../content/published-files.ts';
import { contentWarnings, formatWarning } from '../content/warnings.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkTopicTags } from '../audience.ts';
import type { Config } from '../config/schema.ts';
import { loadCatalogs } from '../i18n/catalog.ts';
import {
  checkParsedFiles,
  isMarkdown,
  parseContentFolder,
  parseSourceFile,
  publishedAt,
  type ParsedFile,
} from '../content/index.ts';
import type { NewsItem } from '../content/types.ts';
import { GazetteError } from '../errors.ts';
import { createFeedMemo, type FeedMemo } from '../feed/index.ts';
import type { SentEdition } from '../newsletter/index.ts';
import type { OutputFile } from '../output.ts';
import { loadSiteTemplates, type SiteTemplates } from '../site/index.ts';
import { outputSpecs, type OutputOptions } from './render.ts';
import { updateBuildInPlace, writeSpecsAtomically, type LiveBuild } from './write.ts';

export interface BuildOptions {
  config: Config;
  /** The config's file, as errors name it (default gazette.yaml). */
  configFile?: string;
  contentDir: string;
  outDir: string;
  /** Folder of the site templates (templates/ at the repository root). */
  templatesDir: string;
  /** Where build folders live; see src/build/write.ts. */
  buildsDir?: string;
  /** Items dated after `now` are not published yet. */
  now: Date;
  /** Digest editions sent so far, for public/archive/ (see `readSentEditions`); none: an empty archive. */
  sentEditions?: readonly SentEdition[];
  /** The id of what the live build holds after updates in place (SiteState.live.id). */
  liveContent?: string;
  /** URLs per sitemap file before sitemap.xml becomes an index of several (default 50,000). */
  sitemapMaxUrls?: number;
}

export interface BuildResult {
  /** Published items. */
  items: number;
  files: number;
  /** Bytes written (all of them for a full build, the replaced files' for an update). */
  bytes: number;
  /** Wall-clock time of the build; reported to the operator, never written to output. */
  durationMs: number;
  outDir: string;
  buildDir: string;
  /** Hash of the whole output. */
  id: string;
  /** The output was already live with identical content. */
  unchanged: boolean;
  /** Files replaced or deleted in place (an update, see `updateBuild`); undefined for a full build. */
  updated?: { written: number; removed: number };
  /** What the build accepted but an editor should fix (`contentWarnings`). */
  warnings?: string[];
}

/**
 * What a long-running process keeps between builds of one site so the next build reads, parses
 * and renders only what changed: every Markdown file's parse, the templates, the local files
 * items reference, the feed entries already serialized, and the live build's manifest.
 */
export interface SiteState {
  parsed: Map<string, ParsedFile>;
  localFiles: Map<string, number>;
  templates: SiteTemplates;
  assets: Map<string, Uint8Array>;
  memo: FeedMemo;
  live: LiveBuild;
  /** Every valid item, drafts and items dated later included, newest first. */
  items: NewsItem[];
}

/**
 * Reads the local files items reference that `known` does not hold yet, to publish them next to the item pages;
 * only the types isPublishedFile allows (the others get a warning, see contentWarnings).
 */
async function readAssets(
  items: readonly NewsItem[],
  contentDir: string,
  known: Map<string, Uint8Array>,
): Promise<OutputFile[]> {
  const files: OutputFile[] = [];
  for (const item of items) {
    for (const asset of item.assets ?? []) {
      if (!isPublishedFile(asset.source)) continue;
      let body = known.get(asset.source);
      if (body === undefined) {
        try {
          body = new Uint8Array(await readFile(path.join(contentDir, asset.source)));
        } catch (err) {
          throw new GazetteError(
            'ASSET_UNREADABLE',
            `cannot read ${asset.source}, referenced by ${item.sourcePath}: ${(err as Error).message}`,
            { cause: err },
          );
        }
        known.set(asset.source, body);
      }
      files.push({ path: asset.path, body });
    }
  }
  return files;
}

/**
 * What a build checks of the config against the content before writing anything: every topic's tag is one some
 * item carries; and it loads the catalogs of the site's languages.
 */
async function checkSite(all: readonly NewsItem[], options: BuildOptions): Promise<OutputOptions['catalogs']> {
  const file = options.configFile ?? 'gazette.yaml';
  checkTopicTags(all, options.config, file);
  return loadCatalogs(options.config, { configFile: file });
}

function outputOptions(options: BuildOptions, catalogs?: OutputOptions['catalogs']): OutputOptions {
  return {
    now: options.now,
    ...(catalogs !== undefined ? { catalogs } : {}),
    sentEditions: options.sentEditions ?? [],
    ...(options.sitemapMaxUrls !== undefined ? { sitemapMaxUrls: options.sitemapMaxUrls } : {}),
  };
}

/**
 * Builds the site: any error (bad content, templates, rendering, disk) is thrown
 * before public/ is touched, so a failed build leaves the previous output as it was.
 */
export async function runBuild(options: BuildOptions): Promise<BuildResult> {
  return (await fullBuild(options)).result;
}

/** `runBuild`, also returning the state a later `updateBuild` starts from. */
export async function fullBuild(options: BuildOptions): Promise<{ result: BuildResult; state: SiteState }> {
  const started = performance.now();
  const { files, localFiles } = await parseContentFolder(options.contentDir, options.config);
  const all = checkParsedFiles(files, options.config);
  const catalogs = await checkSite(all, options);
  const items = publishedAt(all, options.now);
  const templates = await loadSiteTemplates(options.templatesDir, options.config.templatesDir);
  const known = new Map<string, Uint8Array>();
  const assets = await readAssets(items, options.contentDir, known);
  const memo = createFeedMemo();
  const specs = outputSpecs(items, options.config, templates, { ...outputOptions(options, catalogs), assets, memo });
  const written = await writeSpecsAtomically(specs, {
    outDir: options.outDir,
    ...(options.buildsDir ? { buildsDir: options.buildsDir } : {}),
    ...(options.liveContent !== undefined ? { liveContent: options.liveContent } : {}),
  });
  const state: SiteState = {
    parsed: new Map(files.map((f) => [f.path, f])),
    localFiles,
    templates,
    assets: known,
    memo,
    live: { buildDir: written.buildDir, manifest: written.manifest, id: written.id },
    items: all,
  };
  const result: BuildResult = {
    items: items.length,
    files: written.files,
    bytes: written.bytes,
    durationMs: Math.round(performance.now() - started),
    outDir: path.resolve(options.outDir),
    buildDir: written.buildDir,
    id: written.id,
    unchanged: written.unchanged,
    warnings: [...(templates.warnings ?? []), ...contentWarnings(items).map(formatWarning)],
  };
  return { result, state };
}

/**
 * Brings the live build of `state` up to date after Markdown files changed (`changed`: paths
 * relative to the content folder; a missing file was deleted) or time passed (`options.now`):
 * parses only the changed files, renders only the files whose items or places changed and
 * replaces them in place (see updateBuildInPlace). Resolves with undefined when a full build is
 * the right way: too much changed, or a file that is not Markdown. `state.parsed` always takes
 * the changed files (so a bad file keeps failing until it is fixed); bad content throws
 * ContentErrors and leaves the output as it was; any other failure leaves `state` unusable
 * (build in full next).
 */
export async function updateBuild(
  state: SiteState,
  changed: readonly string[],
  options: BuildOptions,
  /** Largest share of the files an update may change before a full build is asked for (default 0.25). */
  maxShare?: number,
): Promise<{ result: BuildResult; state: SiteState } | undefined> {
  const started = performance.now();
  const parsed = state.parsed;
  if (changed.some((rel) => !isMarkdown(rel))) return undefined;
  for (const rel of changed) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(path.join(options.contentDir, rel)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      parsed.delete(rel);
      continue;
    }
    parsed.set(rel, parseSourceFile({ path: rel, bytes }, options.config, state.localFiles));
  }
  const all = checkParsedFiles(parsed.values(), options.config);
  const catalogs = await checkSite(all, options);
  const items = publishedAt(all, options.now);
  const assets = await readAssets(items, options.contentDir, state.assets);
  // Updates follow one another: each keeps the entries it serialized for the next.
  const memo = state.memo.keep ? state.memo : { ...state.memo, keep: true };
  const specs = outputSpecs(items, options.config, state.templates, {
    ...outputOptions(options, catalogs),
    assets,
    memo,
  });
  const update = await updateBuildInPlace(state.live, specs, maxShare !== undefined ? { maxShare } : {});
  if (update.kind === 'too-many') return undefined;
  const next: SiteState = {
    ...state,
    memo,
    live: { buildDir: state.live.buildDir, manifest: update.manifest, id: update.id },
    items: all,
  };
  const result: BuildResult = {
    items: items.length,
    files: update.files,
    bytes: 0,
    durationMs: Math.round(performance.now() - started),
    outDir: path.resolve(options.outDir),
    buildDir: state.live.buildDir,
    id: update.id,
    unchanged: update.kind === 'unchanged',
    warnings: [...(state.templates.warnings ?? []), ...contentWarnings(items).map(formatWarning)],
    ...(update.kind === 'updated'
      ? { updated: { written: update.written.length, removed: update.removed.length } }
      : {}),
  };
  return { result, state: next };
}
