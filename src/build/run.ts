// The build use-case: content folder → items → every output file → public/, swapped in atomically.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { loadContent } from '../content/load.ts';
import type { NewsItem } from '../content/types.ts';
import { GazetteError } from '../errors.ts';
import type { SentEdition } from '../newsletter/index.ts';
import type { OutputFile } from '../output.ts';
import { loadSiteTemplates } from '../site/index.ts';
import { outputFiles } from './render.ts';
import { writeOutputAtomically } from './write.ts';

export interface BuildOptions {
  config: Config;
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
}

export interface BuildResult {
  /** Published items. */
  items: number;
  files: number;
  bytes: number;
  /** Wall-clock time of the build; reported to the operator, never written to output. */
  durationMs: number;
  outDir: string;
  buildDir: string;
  /** The output was already live with identical content. */
  unchanged: boolean;
}

/** Reads the local files items reference, to publish them next to the item pages. */
async function readAssets(items: readonly NewsItem[], contentDir: string): Promise<OutputFile[]> {
  const files: OutputFile[] = [];
  for (const item of items) {
    for (const asset of item.assets ?? []) {
      try {
        files.push({ path: asset.path, body: new Uint8Array(await readFile(path.join(contentDir, asset.source))) });
      } catch (err) {
        throw new GazetteError('ASSET_UNREADABLE', `cannot read ${asset.source}, referenced by ${item.sourcePath}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  return files;
}

/**
 * Builds the site: any error (bad content, templates, rendering, disk) is thrown
 * before public/ is touched, so a failed build leaves the previous output as it was.
 */
export async function runBuild(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const items = await loadContent(options.contentDir, options.config, options.now);
  const templates = await loadSiteTemplates(options.templatesDir);
  const assets = await readAssets(items, options.contentDir);
  const files = outputFiles(items, options.config, templates, assets, options.sentEditions ?? []);
  const written = await writeOutputAtomically(files, { outDir: options.outDir, ...(options.buildsDir ? { buildsDir: options.buildsDir } : {}) });
  return {
    items: items.length,
    files: written.files,
    bytes: written.bytes,
    durationMs: Math.round(performance.now() - started),
    outDir: path.resolve(options.outDir),
    buildDir: written.buildDir,
    unchanged: written.unchanged,
  };
}
