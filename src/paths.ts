// Where gazette's own files are: the package root holds templates/ next to src/ (or dist/, the
// compiled bundle, whose modules sit at other depths), so paths are found from the root, never
// relative to the module that asks.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'gazette')
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`gazette's package.json not found above ${from}`);
  }
}

/** The folder holding gazette's package.json. */
export const packageRoot = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The shipped site, digest and dashboard templates. */
export const templatesDir = `${path.join(packageRoot, 'templates')}${path.sep}`;

/** The shipped message catalogs, one `<lang>.yaml` per language. */
export const localesDir = `${path.join(packageRoot, 'locales')}${path.sep}`;
