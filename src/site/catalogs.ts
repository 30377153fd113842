// The message catalogs a render uses when its caller loaded none (a test, a single render): gazette's own, read
// once. A build loads the newsroom's (loadCatalogs, with its locales_dir) and passes them down.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { buildCatalogs, type Catalogs, type CatalogSource } from '../i18n/catalog.ts';
import { localesDir } from '../paths.ts';

const cache = new Map<string, Catalogs>();

function source(lang: string, dirs: readonly string[]): CatalogSource | undefined {
  for (const dir of dirs)
    for (const name of [lang, lang.split('-')[0]!]) {
      const file = path.join(dir, `${name}.yaml`);
      try {
        return { lang: name, file, text: readFileSync(file, 'utf8') };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  return undefined;
}

/** The catalogs of `config`'s languages from its locales_dir and gazette's locales/, compiled once per config shape. */
export function defaultCatalogs(
  config: Pick<Config, 'languages' | 'localesDir'> & { site: { timezone: string } },
): Catalogs {
  const languages = config.languages.map((l) => l.code);
  const key = JSON.stringify([languages, config.localesDir, config.site.timezone]);
  let catalogs = cache.get(key);
  if (catalogs === undefined) {
    const dirs = [...(config.localesDir ? [config.localesDir] : []), localesDir];
    const reference = source('en', [localesDir])!;
    const sources: CatalogSource[] = [];
    for (const lang of languages) {
      const found = source(lang, dirs);
      if (found !== undefined && !sources.some((s) => s.lang === found.lang)) sources.push(found);
    }
    catalogs = buildCatalogs(sources, { reference, languages, zone: config.site.timezone });
    cache.set(key, catalogs);
  }
  return catalogs;
}
