// Reads a share of the content folder's Markdown files and parses each on its own; the same
// code runs on the main thread and in the parser threads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSourceFile, type ParsedFile, type ParseSettings } from './parse.ts';

/**
 * Reads the files `paths` (relative to `contentDir`, forward slashes) and parses each; a file that
 * cannot be read throws. Each file is read with a plain synchronous call just before it is parsed:
 * a chunk's files are small and usually in the page cache, and a thread that handed its reads to
 * the thread pool sat idle waiting for them (the pool is shared by every thread of the process).
 */
export async function readAndParseFiles(
  contentDir: string,
  paths: readonly string[],
  settings: ParseSettings,
  localFiles: ReadonlyMap<string, number>,
): Promise<ParsedFile[]> {
  return paths.map((rel) =>
    parseSourceFile(
      { path: rel, bytes: new Uint8Array(readFileSync(path.join(contentDir, rel))) },
      settings,
      localFiles,
    ),
  );
}
