// Reads the content folder from disk and hands it to the pure parser; a large folder is
// parsed on every core, each parser thread reading its own share of the files.
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../concurrency.ts';
import { UsageError } from '../errors.ts';
import {
  checkParsedFiles,
  isMarkdown,
  publishedAt,
  type ParsedFile,
  type ParseSettings,
  type SourceFile,
} from './parse.ts';
import { parseInThreads } from './pool.ts';
import { defaultThreads, PARSER_THREAD_THRESHOLD, stopPrestartedThreads, takePrestartDecision } from './threads.ts';
import type { NewsItem } from './types.ts';

// Files read at once (assets, a whole folder): overlaps the reads in the thread pool.
const READ_CONCURRENCY = 16;

export { PARSER_THREAD_THRESHOLD };

export interface LoadOptions {
  /**
   * Parser threads besides the main thread; default one per idle core beyond this one, at most 7 (see
   * defaultThreads).
   */
  threads?: number;
  /** Fewest Markdown files for which parser threads are started (default PARSER_THREAD_THRESHOLD). */
  threadThreshold?: number;
  /** Whether this thread parses files too while parser threads run (default true). */
  mainThread?: boolean;
}

interface FolderEntry {
  full: string;
  rel: string;
}

/** Every file under `contentDir` (dot-files and dot-folders skipped), sorted by relative path. */
async function listContentFolder(contentDir: string): Promise<FolderEntry[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(contentDir, { recursive: true, withFileTypes: true });
  } catch (err) {
    throw new UsageError(`cannot read content folder ${contentDir}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      cause: err,
    });
  }
  const wanted: FolderEntry[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(contentDir, full).split(path.sep).join('/');
    if (rel.split('/').some((part) => part.startsWith('.'))) continue;
    wanted.push({ full, rel });
  }
  return wanted.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** Size and modification time of a file that is not Markdown (the parser never looks inside). */
async function assetFile({ full, rel }: FolderEntry): Promise<SourceFile> {
  const info = await stat(full);
  return { path: rel, bytes: new Uint8Array(0), size: info.size, mtime: info.mtime };
}

/**
 * Every file under `contentDir` (sub-folders included; dot-files and dot-folders
 * skipped), sorted by path. Markdown files are read; other files are only sized,
 * as items reference them but the parser never looks inside.
 */
export async function readContentFolder(contentDir: string): Promise<SourceFile[]> {
  const entries = await listContentFolder(contentDir);
  return mapLimit(
    entries,
    READ_CONCURRENCY,
    async (entry): Promise<SourceFile> =>
      isMarkdown(entry.rel) ? { path: entry.rel, bytes: new Uint8Array(await readFile(entry.full)) } : assetFile(entry),
  );
}

/**
 * Reads and parses every Markdown file under `contentDir` on its own (see parseSourceFile),
 * on parser threads as well as this one when there are many. Returns one result per file,
 * in path order, and the sizes of the other files. Throws only when a file cannot be read
 * or a parser thread fails; content errors are in the results.
 */
export async function parseContentFolder(
  contentDir: string,
  settings: ParseSettings,
  options: LoadOptions = {},
): Promise<{ files: ParsedFile[]; localFiles: Map<string, number> }> {
  const entries = await listContentFolder(contentDir);
  const markdown = entries.filter((e) => isMarkdown(e.rel)).map((e) => e.rel);
  const assets = await mapLimit(
    entries.filter((e) => !isMarkdown(e.rel)),
    READ_CONCURRENCY,
    assetFile,
  );
  const localFiles = new Map(assets.map((f) => [f.path, f.size ?? 0]));
  const decision = takePrestartDecision();
  const wanted = Math.max(0, options.threads ?? decision ?? defaultThreads());
  const threads = markdown.length >= (options.threadThreshold ?? PARSER_THREAD_THRESHOLD) ? wanted : 0;
  // Without parser threads the main thread still goes chunk by chunk: it holds only a chunk's
  // bytes at a time, and lets the event loop run (a server in the same process) in between.
  try {
    const files = await parseInThreads(contentDir, markdown, settings, localFiles, {
      threads,
      ...(threads > 0 && options.mainThread !== undefined ? { mainThread: options.mainThread } : {}),
    });
    return { files, localFiles };
  } finally {
    // Threads started ahead for this parse and not needed after all.
    await stopPrestartedThreads();
  }
}

/** Reads every *.md under `contentDir` and returns the items published at `now`, newest first. */
export async function loadContent(
  contentDir: string,
  settings: ParseSettings,
  now: Date,
  options: LoadOptions = {},
): Promise<NewsItem[]> {
  const { files } = await parseContentFolder(contentDir, settings, options);
  return publishedAt(checkParsedFiles(files, settings), now);
}
