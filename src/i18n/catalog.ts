// Message catalogs: every string a reader sees, one YAML file per language, ICU MessageFormat messages.
//
// gazette's own catalogs are in locales/ (`en.yaml` is the reference: it holds every key); a newsroom's
// `locales_dir` may replace one or add a language with one file. Loading checks each catalog against the
// reference, so a missing key, an unknown one, a message that does not parse or one that uses an argument
// the reference does not give is an error naming the file and the key, before anything is built or sent.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  compileMessage,
  MessageSyntaxError,
  type CompiledMessage,
  type MessageValues,
} from '../adapters/intl-messageformat.ts';
import { formatInZone } from '../adapters/luxon.ts';
import { parseYaml, YamlSyntaxError } from '../adapters/yaml.ts';
import type { Config } from '../config/schema.ts';
import { GazetteError } from '../errors.ts';
import { localesDir as builtinLocalesDir } from '../paths.ts';

export type { MessageValues } from '../adapters/intl-messageformat.ts';

/** A catalog is wrong or missing; `file` and `key` name what. */
export class CatalogError extends GazetteError {
  readonly file: string;
  readonly key: string | undefined;
  constructor(code: string, message: string, options: { file: string; key?: string; cause?: unknown }) {
    super(code, message, options);
    this.file = options.file;
    this.key = options.key;
  }
}

/** Keys under `format.` are luxon date formats (https://moment.github.io/luxon/#/formatting), not messages. */
const FORMAT_PREFIX = 'format.';

/** The strings of one language. */
export interface Messages {
  /** The language code, e.g. `ru`. */
  readonly lang: string;
  /** The message `key` with `values` filled in; plain text (escape it for HTML). */
  t(key: string, values?: MessageValues): string;
  /** A day in the site's time zone in this language's words: "4 October 2021", "4 октября 2021". */
  date(date: Date): string;
  /** A moment, to the minute, in the site's time zone, with the zone named. */
  dateTime(date: Date): string;
}

/** Every language's strings, checked against the reference catalog. */
export interface Catalogs {
  /** The site's languages, the default first. */
  readonly languages: readonly string[];
  /** The strings of `lang`; an unknown language gets the default's. */
  messages(lang?: string): Messages;
}

/** One catalog file's text. */
export interface CatalogSource {
  lang: string;
  /** As shown in errors, e.g. `locales/ru.yaml`. */
  file: string;
  text: string;
}

/** Flattens nested maps to dotted keys; every leaf must be a string. */
function flatten(value: unknown, file: string, prefix: string, into: Map<string, string>): Map<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new CatalogError('CATALOG_INVALID', `${file}: must be a map of keys to messages`, { file });
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'string') into.set(key, v);
    // a section left with nothing but comments is empty: its keys are then reported missing, one by one
    else if (v === null) continue;
    else if (typeof v === 'object' && !Array.isArray(v)) flatten(v, file, key, into);
    else
      throw new CatalogError('CATALOG_INVALID', `${file}: ${key}: must be a message (text) or a map of them`, {
        file,
        key,
      });
  }
  return into;
}

function parseCatalog(source: CatalogSource): Map<string, string> {
  let data: unknown;
  try {
    data = parseYaml(source.text);
  } catch (err) {
    const line = err instanceof YamlSyntaxError && err.line !== undefined ? `:${err.line}` : '';
    throw new CatalogError('CATALOG_INVALID', `${source.file}${line}: invalid YAML: ${(err as Error).message}`, {
      file: source.file,
      cause: err,
    });
  }
  return flatten(data ?? {}, source.file, '', new Map());
}

interface Compiled {
  file: string;
  messages: Map<string, CompiledMessage>;
  formats: Map<string, string>;
}

function compileCatalog(source: CatalogSource): Compiled {
  const flat = parseCatalog(source);
  const messages = new Map<string, CompiledMessage>();
  const formats = new Map<string, string>();
  for (const [key, text] of flat) {
    if (key.startsWith(FORMAT_PREFIX)) {
      formats.set(key, text);
      continue;
    }
    let compiled: CompiledMessage;
    try {
      compiled = compileMessage(text, source.lang);
    } catch (err) {
      if (!(err instanceof MessageSyntaxError)) throw err;
      throw new CatalogError('CATALOG_INVALID', `${source.file}: ${key}: not an ICU message: ${err.message}`, {
        file: source.file,
        key,
        cause: err,
      });
    }
    messages.set(key, compiled);
  }
  return { file: source.file, messages, formats };
}

function checkAgainst(catalog: Compiled, reference: Compiled): void {
  const keysOf = (c: Compiled) => [...c.messages.keys(), ...c.formats.keys()];
  const theirs = new Set(keysOf(catalog));
  const missing = keysOf(reference).filter((k) => !theirs.has(k));
  if (missing.length > 0) {
    throw new CatalogError(
      'CATALOG_KEY_MISSING',
      `${catalog.file}: missing key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k}"`).join(', ')}` +
        ` (every key of ${reference.file} is needed)`,
      { file: catalog.file, key: missing[0]! },
    );
  }
  const ours = new Set(keysOf(reference));
  const unknown = keysOf(catalog).filter((k) => !ours.has(k));
  if (unknown.length > 0) {
    throw new CatalogError(
      'CATALOG_KEY_UNKNOWN',
      `${catalog.file}: unknown key "${unknown[0]}" (not in ${reference.file})`,
      { file: catalog.file, key: unknown[0]! },
    );
  }
  for (const [key, message] of catalog.messages) {
    const given = new Set(reference.messages.get(key)!.argumentNames);
    const extra = message.argumentNames.find((a) => !given.has(a));
    if (extra !== undefined)
      throw new CatalogError(
        'CATALOG_INVALID',
        `${catalog.file}: ${key}: uses {${extra}}, which ${reference.file} does not` +
          ` (it has ${[...given].map((a) => `{${a}}`).join(', ') || 'none'})`,
        { file: catalog.file, key },
      );
  }
}

/** The catalog a language uses: its own, or its base language's (`ru` for `ru-KZ`). */
function catalogFor(lang: string, available: ReadonlyMap<string, Compiled>): Compiled | undefined {
  return available.get(lang) ?? available.get(lang.split('-')[0]!);
}

/**
 * Compiles and checks catalogs (pure): each of `sources` against `reference` (gazette's en); every
 * language's catalog; `zone` is the site's time zone, for dates.
 */
export function buildCatalogs(
  sources: readonly CatalogSource[],
  options: { reference: CatalogSource; languages: readonly string[]; zone: string; settingFile?: string },
): Catalogs {
  const reference = compileCatalog(options.reference);
  const compiled = new Map<string, Compiled>();
  for (const source of sources) {
    const catalog = compileCatalog(source);
    checkAgainst(catalog, reference);
    compiled.set(source.lang, catalog);
  }
  const byLanguage = new Map<string, Messages>();
  for (const lang of options.languages) {
    const catalog = catalogFor(lang, compiled);
    if (catalog === undefined)
      throw new CatalogError(
        'CATALOG_MISSING',
        `${options.settingFile ?? 'gazette.yaml'}: site.languages: no catalog for "${lang}"` +
          ` (add ${lang}.yaml to locales_dir)`,
        { file: options.settingFile ?? 'gazette.yaml', key: 'site.languages' },
      );
    byLanguage.set(lang, messagesOf(lang, catalog, options.zone));
  }
  const fallback = byLanguage.get(options.languages[0]!)!;
  return {
    languages: options.languages,
    messages: (lang) => (lang === undefined ? fallback : (byLanguage.get(lang) ?? fallback)),
  };
}

function messagesOf(lang: string, catalog: Compiled, zone: string): Messages {
  const format = (key: string) => catalog.formats.get(key)!;
  return {
    lang,
    t(key, values) {
      const message = catalog.messages.get(key);
      if (message === undefined)
        throw new GazetteError(
          'MESSAGE_UNKNOWN',
          `no message "${key}" in ${catalog.file} (nor in the reference catalog)`,
        );
      return message.format(values);
    },
    date: (date) => formatInZone(date, zone, format('format.date'), lang),
    dateTime: (date) => formatInZone(date, zone, format('format.date_time'), lang),
  };
}

/** Where a language's catalog is read from: the newsroom's locales_dir first, then gazette's. */
function readCatalog(lang: string, dirs: readonly string[]): CatalogSource | undefined {
  for (const dir of dirs) {
    for (const name of [lang, lang.split('-')[0]!]) {
      const file = path.join(dir, `${name}.yaml`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new CatalogError('CATALOG_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, {
          file,
          cause: err,
        });
      }
      const shown = path.relative(process.cwd(), file);
      return { lang: name, file: shown.startsWith('..') ? file : shown, text };
    }
  }
  return undefined;
}

/** What choosing the catalogs needs of gazette.yaml: the languages, the newsroom's locales_dir and the time zone. */
export type CatalogSettings = { languages: readonly { code: string }[] } & Partial<Pick<Config, 'localesDir'>> & {
    site: { timezone: string };
  };

// A worker builds again and again from the same files: catalogs are compiled once per set of texts.
const loaded = new Map<string, Catalogs>();

/**
 * Reads and checks the catalogs of every language of `config` (and the reference): a few small files, read at once
 * so that a render given no catalogs can still have them. Compiled once per set of texts.
 */
export function readCatalogs(
  config: CatalogSettings,
  options: { builtinDir?: string; configFile?: string } = {},
): Catalogs {
  const builtin = options.builtinDir ?? builtinLocalesDir;
  const dirs = [...(config.localesDir ? [config.localesDir] : []), builtin];
  const languages = config.languages.map((l) => l.code);
  // the reference is always gazette's own: a newsroom's en.yaml may reword keys, not drop them
  const reference = readCatalog('en', [builtin]);
  if (reference === undefined)
    throw new CatalogError('CATALOG_MISSING', `no en.yaml in ${builtin}: it is the reference catalog`, {
      file: path.join(builtin, 'en.yaml'),
    });
  const sources: CatalogSource[] = [];
  for (const lang of languages) {
    const source = readCatalog(lang, dirs);
    if (source && !sources.some((s) => s.lang === source.lang)) sources.push(source);
  }
  const key = JSON.stringify([reference, sources, languages, config.site.timezone, options.configFile]);
  let catalogs = loaded.get(key);
  if (catalogs === undefined) {
    catalogs = buildCatalogs(sources, {
      reference,
      languages,
      zone: config.site.timezone,
      ...(options.configFile ? { settingFile: options.configFile } : {}),
    });
    if (loaded.size > 16) loaded.clear();
    loaded.set(key, catalogs);
  }
  return catalogs;
}

/** readCatalogs, for callers that already await their I/O. */
export async function loadCatalogs(
  config: CatalogSettings,
  options: { builtinDir?: string; configFile?: string } = {},
): Promise<Catalogs> {
  return readCatalogs(config, options);
}
