// Reads the content folder from disk and hands it to the pure parser.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../concurrency.ts';
import type { Config } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import type { NewsItem } from './types.ts';
import { parseContent, type SourceFile } from './parse.ts';

// Files read at once: overlaps the reads in the thread pool instead of one after another.
const READ_CONCURRENCY = 16;

/**
 * Every file under `contentDir` (sub-folders included; dot-files and dot-folders
 * skipped), sorted by path. Markdown files are read; other files are only sized,
 * as items reference them but the parser never looks inside.
 */
export async function readContentFolder(contentDir: string): Promise<SourceFile[]> {
  let entries;
  try {
    entries = await readdir(contentDir, { recursive: true, withFileTypes: true });
  } catch (err) {
    throw new UsageError(`cannot read content folder ${contentDir}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
  }
  const wanted: { full: string; rel: string }[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(contentDir, full).split(path.sep).join('/');
    if (rel.split('/').some((part) => part.startsWith('.'))) continue;
    wanted.push({ full, rel });
  }
  const files = await mapLimit(wanted, READ_CONCURRENCY, async ({ full, rel }): Promise<SourceFile> => {
    if (/\.md$/i.test(rel)) return { path: rel, bytes: new Uint8Array(await readFile(full)) };
    const info = await stat(full);
    return { path: rel, bytes: new Uint8Array(0), size: info.size, mtime: info.mtime };
  });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Reads every *.md under `contentDir` and returns the items published at `now`, newest first. */
export async function loadContent(contentDir: string, config: Config, now: Date): Promise<NewsItem[]> {
  return parseContent(await readContentFolder(contentDir), config, now);
}
