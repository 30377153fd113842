// Reads a share of the content folder's Markdown files and parses each on its own; the same
// code runs on the main thread and in the parser threads.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../concurrency.ts';
import { parseSourceFile, type ParsedFile, type ParseSettings } from './parse.ts';

// Files read at once: overlaps the reads in the thread pool instead of one after another.
export const READ_CONCURRENCY = 16;

/** Reads the files `paths` (relative to `contentDir`, forward slashes) and parses each; a file that cannot be read throws. */
export async function readAndParseFiles(
  contentDir: string,
  paths: readonly string[],
  settings: ParseSettings,
  localFiles: ReadonlyMap<string, number>,
): Promise<ParsedFile[]> {
  const sources = await mapLimit(paths, READ_CONCURRENCY, async (rel) => ({ path: rel, bytes: new Uint8Array(await readFile(path.join(contentDir, rel))) }));
  return sources.map((file) => parseSourceFile(file, settings, localFiles));
}
