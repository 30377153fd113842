// Content files → NewsItem[]: decoding, front matter, validation, rendering. Pure: no I/O, `now` passed in.
import path from 'node:path';
import { itemLanguage, unknownLanguageProblem } from '../audience.ts';
import type { Config, LanguageConfig } from '../config/schema.ts';
import { ContentError, ContentErrors } from '../errors.ts';
import { parseFrontMatter, YamlSyntaxError } from '../adapters/front-matter.ts';
import { parseContentDate } from '../adapters/luxon.ts';
import { checkFrontMatter, type FrontMatter } from './front-matter.ts';
import { imageExtensions, imageTypeOf } from './image-type.ts';
import {
  absoluteUrl,
  deriveSummary,
  localReference,
  renderBody,
  type LocalReference,
  type ResolveContext,
} from './render.ts';
import { slugify, slugPath } from './slug.ts';
import { cleanLine, stripControlChars } from './text.ts';
import type { ItemAsset, ItemImage, NewsItem, Person } from './types.ts';

/** A file of the content folder, already read. */
export interface SourceFile {
  /** Path relative to the content folder, forward slashes, e.g. `2021/2021-10-01-meeting.md`. */
  path: string;
  /** The file's bytes. Only Markdown (`*.md`) files are parsed; others may leave this empty and give `size`. */
  bytes: Uint8Array;
  /** Size in bytes when `bytes` was not read (images and other assets). */
  size?: number;
  mtime?: Date;
}

const dateShape = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * The URL of an item's page on the site: under `<lang>/` when `lang` is given (an item of a language other than
 * the default one of a site in several languages).
 */
export function itemPageUrl(siteUrl: string, slug: string, lang?: string): string {
  return `${siteUrl}${lang === undefined ? '' : `${lang}/`}news/${slugPath(slug)}/`;
}

/** The folder under `news/` of the site (or of `<lang>/`) an item's page is in, e.g. `ru/news/slug`. */
function pageFolder(slug: string, lang: string | undefined): string {
  return `${lang === undefined ? '' : `${lang}/`}news/${slug}`;
}

/** The language folder an item's page lives under: none for the default language (or a single-language site). */
function folderLanguage(lang: string | undefined, settings: LanguageSettings): string | undefined {
  const languages = settings.languages;
  if (languages === undefined || languages.length < 2) return undefined;
  const language = itemLanguage(lang === undefined ? {} : { lang }, { languages: languages as Config['languages'] });
  return language === languages[0]!.code ? undefined : language;
}

/** Default slug: the file name without extension and without a leading `YYYY-MM-DD-`. */
export function defaultSlug(sourcePath: string): string {
  const base = path.posix.basename(sourcePath).replace(/\.md$/i, '');
  return slugify(base.replace(/^\d{4}-\d{2}-\d{2}-(?=.)/, ''));
}

/** Only Markdown files are parsed; the others are assets. */
export function isMarkdown(p: string): boolean {
  return /\.md$/i.test(p);
}

/** Line (1-based, in the file) of a top-level front-matter key, when it can be found. */
function lineOfKey(lines: readonly string[], closing: number, field: string): number | undefined {
  const key = field.split('.')[0]!;
  const pattern = new RegExp(`^(["']?)${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1\\s*:`);
  for (let i = 1; i < closing; i++) if (pattern.test(lines[i]!)) return i + 1;
  return undefined;
}

// Decoders keep no state between whole-input decode() calls, so one of each serves every file.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

/** First line that holds a byte sequence which is not UTF-8 (approximate: the first U+FFFD). */
function lineOfInvalidUtf8(bytes: Uint8Array): number {
  const lossy = lossyUtf8.decode(bytes);
  const at = lossy.indexOf('\uFFFD');
  return at < 0 ? 1 : lossy.slice(0, at).split('\n').length;
}

/** How much of each file to make into its item. */
export interface ParseOptions {
  /**
   * false: the Markdown body is not rendered, so the items have an empty contentHtml, no
   * summary unless the front matter gives one, and only the front matter's image as an asset.
   * The checks, and so the errors, are the same (rendering finds none): what counting or dating
   * the items needs, at a fraction of the cost.
   */
  bodies?: boolean;
}

/** What parsing one Markdown file on its own gives: its item, or the errors that name it. */
export type ParsedFile =
  | { path: string; item: NewsItem; errors?: undefined }
  | { path: string; item?: undefined; errors: ContentError[] };

/** The site's languages, the default first (a Config has them); none: one language. */
export interface LanguageSettings {
  languages?: readonly Pick<LanguageConfig, 'code'>[];
  /** Several languages: an item's `lang` must be one of them. */
  multilingual?: boolean;
}

/** The settings a content file is parsed against (a Config has them). */
export interface ParseSettings extends LanguageSettings {
  site: Pick<Config['site'], 'url' | 'timezone'>;
}

/**
 * Parses one Markdown file on its own: decoding, front matter, validation, Markdown,
 * sanitizing, summary. `localFiles` are the other files of the content folder (path →
 * size in bytes, see localFilesOf) that the item may reference. Checks across files
 * (duplicate ids and slugs) are left to checkParsedFiles.
 */
export function parseSourceFile(
  file: SourceFile,
  settings: ParseSettings,
  localFiles: ReadonlyMap<string, number>,
  options: ParseOptions = {},
): ParsedFile {
  const errors: ContentError[] = [];
  const item = parseFile(file, settings, localFiles, errors, options);
  return item !== undefined && errors.length === 0 ? { path: file.path, item } : { path: file.path, errors };
}

function parseFile(
  file: SourceFile,
  config: ParseSettings,
  localFiles: ReadonlyMap<string, number>,
  errors: ContentError[],
  options: ParseOptions,
): NewsItem | undefined {
  const fail = (code: string, message: string, where: { field?: string; line?: number } = {}): undefined => {
    errors.push(new ContentError(code, message, { file: file.path, ...where }));
    return undefined;
  };

  if (file.bytes.length === 0) return fail('EMPTY_FILE', 'the file is empty');
  let text: string;
  try {
    text = strictUtf8.decode(file.bytes);
  } catch (err) {
    errors.push(
      new ContentError('NOT_UTF8', 'the file is not valid UTF-8 text', {
        file: file.path,
        line: lineOfInvalidUtf8(file.bytes),
        cause: err,
      }),
    );
    return undefined;
  }
  if (text.trim() === '') return fail('EMPTY_FILE', 'the file holds only whitespace');

  const lines = frontMatterLines(text);
  if (lines[0]!.trimEnd() !== '---') {
    return fail(
      'NO_FRONT_MATTER',
      'no front matter: the file must start with a "---" line, then YAML fields (title, date, …), then a "---" line',
      { line: 1 },
    );
  }
  const closing = lines.findIndex((l, i) => i > 0 && l.trimEnd() === '---');
  if (closing < 0)
    return fail('UNCLOSED_FRONT_MATTER', 'the front matter opened on line 1 is never closed by a "---" line', {
      line: 1,
    });

  let data: unknown;
  let body: string;
  try {
    ({ data, body } = parseFrontMatter(text));
  } catch (err) {
    const line = err instanceof YamlSyntaxError ? err.line : undefined;
    errors.push(
      new ContentError('INVALID_YAML', `invalid YAML in front matter: ${(err as Error).message}`, {
        file: file.path,
        line,
        cause: err,
      }),
    );
    return undefined;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return fail(
      'INVALID_FRONT_MATTER',
      'the front matter must be YAML fields (key: value), not a single value or a list',
      { line: 2 },
    );
  }

  const checked = checkFrontMatter(data as Record<string, unknown>);
  if (!checked.ok) {
    for (const p of checked.problems)
      fail(p.code, p.message, { field: p.field, line: lineOfKey(lines, closing, p.field) });
    return undefined;
  }
  const fm: FrontMatter = checked.value;
  const before = errors.length;

  const date = (field: 'date' | 'updated', value: string): Date | undefined => {
    const parsed = parseContentDate(value, config.site.timezone);
    if (parsed) return parsed;
    const line = lineOfKey(lines, closing, field);
    if (dateShape.test(value.trim())) fail('IMPOSSIBLE_DATE', `"${value}" is not a real date or time`, { field, line });
    else
      fail('INVALID_DATE', `must be a date like 2021-10-01 or 2021-10-01T09:30:00+05:00, got "${value}"`, {
        field,
        line,
      });
    return undefined;
  };
  const published = date('date', fm.date);
  const updated = fm.updated === undefined ? published && new Date(published) : date('updated', fm.updated);
  if (published && updated && updated < published) {
    fail('INVALID_VALUE', 'updated must not be earlier than date', {
      field: 'updated',
      line: lineOfKey(lines, closing, 'updated'),
    });
  }

  const slug = fm.slug ?? defaultSlug(file.path);
  if (fm.slug !== undefined && slugify(fm.slug) !== fm.slug) {
    fail('INVALID_VALUE', `must be a URL slug (lower-case letters, digits and hyphens), e.g. "${slugify(fm.slug)}"`, {
      field: 'slug',
      line: lineOfKey(lines, closing, 'slug'),
    });
  }

  if (config.languages !== undefined) {
    const problem = unknownLanguageProblem(fm.lang === undefined ? {} : { lang: fm.lang }, {
      languages: config.languages as Config['languages'],
      multilingual: config.multilingual ?? false,
    });
    if (problem !== undefined)
      fail('UNKNOWN_LANGUAGE', problem, { field: 'lang', line: lineOfKey(lines, closing, 'lang') });
  }
  const folderLang = folderLanguage(fm.lang, config);
  const pageUrl = itemPageUrl(config.site.url, slug, folderLang);
  const ctx: ResolveContext = { pageUrl, sourcePath: file.path, localFiles };
  const references = new Map<string, LocalReference>();

  let image: ItemImage | undefined;
  if (fm.image !== undefined) {
    const url = absoluteUrl(fm.image, pageUrl);
    const type = imageTypeOf(fm.image);
    const line = lineOfKey(lines, closing, 'image');
    if (url === undefined || !/^https?:/.test(url))
      fail('INVALID_VALUE', `must be an http(s) URL or a path, got "${fm.image}"`, { field: 'image', line });
    else if (type === undefined)
      fail('INVALID_VALUE', `must name an image file (${imageExtensions.join(', ')}), got "${fm.image}"`, {
        field: 'image',
        line,
      });
    else {
      const local = localReference(fm.image, ctx);
      if (local) references.set(local.source, local);
      const localFile = local ? localFiles.get(local.source) : undefined;
      image = {
        url,
        alt: cleanLine(fm.image_alt ?? ''),
        type,
        ...(localFile !== undefined ? { length: localFile } : {}),
      };
    }
  } else if (fm.image_alt !== undefined) {
    fail('INVALID_VALUE', 'image_alt is set but image is not', {
      field: 'image_alt',
      line: lineOfKey(lines, closing, 'image_alt'),
    });
  }

  if (errors.length > before || !published || !updated) return undefined;

  // Control characters go before Markdown sees them: it would turn NUL into U+FFFD.
  const rendered = options.bodies === false ? undefined : renderBody(stripControlChars(body), ctx);
  for (const r of rendered?.references ?? []) references.set(r.source, r);
  const assets: ItemAsset[] = [...references.values()]
    .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0))
    .map((r) => ({ source: r.source, path: `${pageFolder(slug, folderLang)}/${r.relative}` }));

  // Normalized, so feeds and pages never carry a raw control character or space from the file.
  const link = fm.link === undefined ? undefined : new URL(fm.link).href;
  const summary = cleanLine(fm.summary ?? '');
  const item: NewsItem = {
    id: fm.id !== undefined ? cleanLine(fm.id) : file.path.replace(/\.md$/i, ''),
    slug,
    sourcePath: file.path,
    title: cleanLine(fm.title),
    published,
    updated,
    summary: summary !== '' || rendered === undefined ? summary : deriveSummary(rendered),
    contentHtml: rendered?.html ?? '',
    tags: uniqueTags(fm.tags ?? []),
    url: link ?? pageUrl,
    draft: fm.draft ?? false,
  };
  const author = person(fm.author);
  if (author) item.author = author;
  if (image) item.image = image;
  if (link !== undefined) item.link = link;
  if (fm.lang !== undefined) item.lang = fm.lang;
  if (fm.translation_of !== undefined) item.translationOf = cleanLine(fm.translation_of);
  if (assets.length > 0) item.assets = assets;
  return item;
}

// A line break, `---` and only whitespace to the end of its line: what trimEnd() leaves as `---`.
const closingLine = /\n---[^\S\n]*(?:\n|$)/;

/**
 * The lines of `text` up to and including the first line that is `---` with trailing
 * whitespace (the front matter's closing line), or every line when there is none: the
 * same lines as splitting the whole file, without splitting a long body.
 */
function frontMatterLines(text: string): string[] {
  const m = closingLine.exec(text);
  return (m === null ? text : text.slice(0, m.index + m[0].length)).split(/\r?\n/);
}

function person(author: FrontMatter['author']): Person | undefined {
  if (author === undefined) return undefined;
  if (typeof author === 'string') return { name: cleanLine(author) };
  const p: Person = { name: cleanLine(author.name) };
  if (author.email !== undefined) p.email = author.email;
  if (author.url !== undefined) p.url = new URL(author.url).href;
  return p;
}

/** Tags cleaned and de-duplicated by slug (two spellings of one tag would share a tag page). */
function uniqueTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of tags) {
    const tag = cleanLine(raw);
    const key = slugify(tag);
    if (tag === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(tag);
  }
  return out;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest first; items of the same instant in a stable order by id. */
export function compareItems(a: NewsItem, b: NewsItem): number {
  return b.published.getTime() - a.published.getTime() || compareText(a.id, b.id);
}

/** The files of `files` other than Markdown, which items may reference: path → size in bytes. */
export function localFilesOf(files: readonly SourceFile[]): Map<string, number> {
  const local = new Map<string, number>();
  for (const f of [...files].sort((a, b) => compareText(a.path, b.path)))
    if (!isMarkdown(f.path)) local.set(f.path, f.size ?? f.bytes.length);
  return local;
}

/**
 * The checks across files, over every Markdown file of the content folder parsed on its
 * own (in any order): each file's errors, in path order, and then a second file with an
 * id or slug that an earlier path already has (slugs of two languages may be alike: their
 * pages are in different folders), and a `translation_of` that names no item or an item of
 * the same language. Returns every valid item (drafts and future items included) newest
 * first; throws ContentErrors holding every error.
 */
export function checkParsedFiles(parsed: Iterable<ParsedFile>, settings: LanguageSettings = {}): NewsItem[] {
  const sorted = [...parsed].sort((a, b) => compareText(a.path, b.path));
  const errors: ContentError[] = [];
  const items: NewsItem[] = [];
  const byId = new Map<string, string>();
  const bySlug = new Map<string, string>();
  for (const file of sorted) {
    if (file.item === undefined) {
      errors.push(...file.errors);
      continue;
    }
    const { item } = file;
    const folder = pageFolder(item.slug, folderLanguage(item.lang, settings));
    const sameId = byId.get(item.id);
    const sameSlug = bySlug.get(folder);
    if (sameId !== undefined) {
      errors.push(
        new ContentError('DUPLICATE_ID', `id "${item.id}" is also the id of ${sameId}`, {
          file: file.path,
          field: 'id',
        }),
      );
    }
    if (sameSlug !== undefined) {
      errors.push(
        new ContentError('DUPLICATE_SLUG', `slug "${item.slug}" is also the slug of ${sameSlug}`, {
          file: file.path,
          field: 'slug',
        }),
      );
    }
    if (sameId !== undefined || sameSlug !== undefined) continue;
    byId.set(item.id, file.path);
    bySlug.set(folder, file.path);
    items.push(item);
  }
  errors.push(...translationErrors(items, settings));
  if (errors.length > 0) throw new ContentErrors(errors);
  return items.sort(compareItems);
}

/** `translation_of` must name another item, of another language. */
function translationErrors(items: readonly NewsItem[], settings: LanguageSettings): ContentError[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  // a single-language site takes items in any language: their own `lang`, else the site's
  const languageOf = (item: NewsItem): string =>
    settings.multilingual && settings.languages !== undefined
      ? itemLanguage(item.lang === undefined ? {} : { lang: item.lang }, {
          languages: settings.languages as Config['languages'],
        })
      : (item.lang ?? settings.languages?.[0]?.code ?? '');
  const errors: ContentError[] = [];
  for (const item of items) {
    if (item.translationOf === undefined) continue;
    const original = byId.get(item.translationOf);
    const where = { file: item.sourcePath, field: 'translation_of' };
    if (original === undefined)
      errors.push(new ContentError('UNKNOWN_TRANSLATION', `no item has the id "${item.translationOf}"`, where));
    else if (original === item) errors.push(new ContentError('INVALID_TRANSLATION', 'names the item itself', where));
    else if (languageOf(original) === languageOf(item))
      errors.push(
        new ContentError(
          'INVALID_TRANSLATION',
          `"${item.translationOf}" (${original.sourcePath}) is in the same language, "${languageOf(item) || '(none)'}"`,
          where,
        ),
      );
  }
  return errors;
}

/**
 * The Markdown files of `markdownPaths` whose item may reference the file `assetPath`: an item
 * references files only in its own folder and below, so only those in a folder that holds the
 * asset, directly or in a sub-folder. When an asset is added, removed or resized, these are the
 * files to parse again (the image's length and the item's assets come from it).
 */
export function filesThatMayReference(assetPath: string, markdownPaths: Iterable<string>): string[] {
  const out: string[] = [];
  for (const p of markdownPaths) {
    const dir = path.posix.dirname(p);
    if (dir === '.' || assetPath.startsWith(`${dir}/`)) out.push(p);
  }
  return out;
}

/** The items of `items` published at `now`: no drafts, nothing dated after `now`; order kept. */
export function publishedAt(items: readonly NewsItem[], now: Date): NewsItem[] {
  return items.filter((i) => !i.draft && i.published.getTime() <= now.getTime());
}

/**
 * Parses every Markdown file of `files` and returns the items published at `now`
 * (no drafts, nothing dated after `now`), newest first. Other files are assets
 * that items may reference. Throws ContentErrors holding every error of the run.
 */
export function parseContent(
  files: readonly SourceFile[],
  config: ParseSettings,
  now: Date,
  options: ParseOptions = {},
): NewsItem[] {
  const localFiles = localFilesOf(files);
  const parsed: ParsedFile[] = [];
  for (const file of files) if (isMarkdown(file.path)) parsed.push(parseSourceFile(file, config, localFiles, options));
  return publishedAt(checkParsedFiles(parsed, config), now);
}
