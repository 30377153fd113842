// import-feed's I/O: fetch or read the feed, scan the content folder, write the new files.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseFrontMatter } from '../adapters/front-matter.ts';
import { parseFeedXml, type ParsedFeed } from '../adapters/rss-parser.ts';
import type { Config } from '../config/schema.ts';
import { readContentFolder } from '../content/load.ts';
import { defaultSlug } from '../content/parse.ts';
import { UsageError } from '../errors.ts';
import { fetchFeed, type FetchFeedOptions } from './fetch.ts';
import { planImport, type ExistingContent, type SkippedItem } from './plan.ts';

export interface ImportFeedOptions {
  /** An http(s) URL or a file path. */
  source: string;
  /** The content folder to write into (and to look for existing items in). */
  contentDir: string;
  config: Config;
  signal?: AbortSignal;
  /** How a URL is fetched: `allowPrivate`, the size cap, and (for tests) the address policy and resolver. */
  fetch?: Omit<FetchFeedOptions, 'signal'>;
}

export interface ImportResult {
  feedTitle: string | undefined;
  /** Paths of the files written, relative to the content folder. */
  created: string[];
  skipped: SkippedItem[];
}

async function readSource(options: ImportFeedOptions): Promise<string> {
  const { source } = options;
  if (/^https?:\/\//i.test(source)) return fetchFeed(source, { ...options.fetch, signal: options.signal });
  try {
    return await readFile(source, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
}

/**
 * Ids, slugs and paths of the items already in the content folder (a file that does not parse still claims its
 * path's id).
 */
export async function scanExisting(contentDir: string): Promise<ExistingContent> {
  const files = await readContentFolder(contentDir).catch((err: unknown) => {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') return [];
    throw err;
  });
  const ids = new Set<string>();
  const slugs = new Set<string>();
  const paths = new Set<string>();
  for (const file of files) {
    paths.add(file.path);
    if (!/\.md$/i.test(file.path)) continue;
    let data: Record<string, unknown> = {};
    try {
      const parsed = parseFrontMatter(new TextDecoder().decode(file.bytes));
      if (parsed.data !== null && typeof parsed.data === 'object') data = parsed.data as Record<string, unknown>;
    } catch {
      // `gazette build` reports broken files; here they only claim their default id and slug.
    }
    ids.add(typeof data.id === 'string' ? data.id.trim() : file.path.replace(/\.md$/i, ''));
    slugs.add(typeof data.slug === 'string' ? data.slug.trim() : defaultSlug(file.path));
  }
  return { ids, slugs, paths };
}

/** Imports every item of an RSS or Atom feed that the content folder does not hold yet. */
export async function importFeed(options: ImportFeedOptions): Promise<ImportResult> {
  const xml = await readSource(options);
  let feed: ParsedFeed;
  try {
    feed = await parseFeedXml(xml);
  } catch (err) {
    throw new UsageError(`${options.source} is not an RSS or Atom feed: ${(err as Error).message.split('\n')[0]}`, {
      cause: err,
    });
  }
  const plan = planImport(feed, await scanExisting(options.contentDir), options.config);
  for (const file of plan.create) {
    const full = path.join(options.contentDir, file.path);
    await mkdir(path.dirname(full), { recursive: true });
    // wx: never overwrite a file that appeared since the scan.
    await writeFile(full, file.text, { flag: 'wx' });
  }
  return { feedTitle: feed.title, created: plan.create.map((f) => f.path), skipped: plan.skipped };
}
