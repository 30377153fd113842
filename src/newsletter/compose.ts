// Items + config + templates → one Digest: subject, compiled HTML and plain text, cut at the per-recipient slots.
import { languageConfig, type Config } from '../config/schema.ts';
import type { ReaderGroup } from '../audience.ts';
import { loadCatalogs, type Catalogs, type Messages } from '../i18n/catalog.ts';
import type { NewsItem } from '../content/types.ts';
import { slugify, slugPath } from '../content/slug.ts';
import { formatInZone, isoInZone } from '../adapters/luxon.ts';
import { createTemplateEngine, type TemplateEngine, type TemplateEngineOptions } from '../adapters/eta.ts';
import { compileMjml, MjmlError } from '../adapters/mjml.ts';
import { ConfigError, GazetteError } from '../errors.ts';
import { fillSubject, oneLine, SUBJECT_PLACEHOLDERS, unknownPlaceholders } from './header.ts';
import { byteLength, collapseWhitespace, HTML_BUDGET_BYTES } from './html-size.ts';
import { createSlotTokens, type SlotValues, type SlottedText } from './slots.ts';
import { DIGEST_TEXT_TEMPLATE, type DigestTemplates } from './templates.ts';
import { digestTextData } from './text.ts';
import { builtinEnglish, digestStrings, digestWords, type DigestWords } from './words.ts';
import type { DigestItemView, DigestLinkView, DigestView } from './view.ts';

export type { DigestItemView, DigestLinkView, DigestView } from './view.ts';
import { selectDigestItems, type DigestWindow } from './window.ts';

/** One composed edition. Plain data (see `digestToJson`): compose once, personalize per recipient. */
export interface Digest {
  editionId: string;
  /** Folder of the edition's page in the web archive, e.g. `2021-10-04-12`. */
  slug: string;
  /** The edition's date: the date in the subject and the archive (each message is dated as it is sent). */
  date: Date;
  window: DigestWindow;
  /** One line, never a CR or LF. */
  subject: string;
  /** Ids of the items in the edition, newest first. */
  itemIds: string[];
  /** Absolute URL of the edition's page in the web archive ("view in browser"). */
  archiveUrl: string;
  /** The readers' group key (src/audience.ts); absent: the edition's one digest, made before groups. */
  group?: string;
  /** The digest's language; absent: the site's default. */
  lang?: string;
  /** How a reader is greeted and the unsubscribe link is labelled; absent: in English. */
  words?: DigestWords;
  /** Compiled HTML, cut at the slots; slot values must be HTML-escaped (`personalize` does it). */
  html: SlottedText;
  /** Plain-text part, cut at the slots. */
  text: SlottedText;
}

export interface ComposeDigestInput {
  /** The published items; those outside `window` are left out. */
  items: readonly NewsItem[];
  config: Config;
  editionId: string;
  window: DigestWindow;
  /** The edition's date. */
  now: Date;
  templates: DigestTemplates;
  /** Compose even when no item falls in the window. */
  force?: boolean;
  /**
   * Where "view in your browser" points; default the edition's own archive page. A preview or a test copy has no
   * page of its own, so it points to the archive's index, which exists.
   */
  archiveUrl?: string;
  /** Whose digest it is: their language and topics. Default: the default language, everything. */
  group?: ReaderGroup;
  /** The site's message catalogs; default: loadCatalogs(config). */
  catalogs?: Catalogs;
}

/** Where a group's page of an edition is in the web archive, under site.url: `ru/archive/<slug>/kazakhstan/`. */
export function archivePath(
  slug: string,
  group: Pick<ReaderGroup, 'language' | 'topics'> | undefined,
  config: Config,
): string {
  const prefix = group === undefined || group.language === config.languages[0]!.code ? '' : `${group.language}/`;
  const topics = group?.topics ? `${group.topics.map((t) => slugify(t)).join('+')}/` : '';
  return `${prefix}archive/${slugPath(slug)}/${topics}`;
}

/** The archive folder of an edition: its date in the site's time zone, then its id. */
export function editionSlug(editionId: string, date: Date, timezone: string): string {
  return `${formatInZone(date, timezone, 'yyyy-MM-dd')}-${slugify(editionId)}`;
}

/**
 * Composes an edition: the MJML is rendered and compiled once here, never per recipient.
 * Throws DIGEST_EMPTY when no item falls in the window, unless `force`.
 */
export async function composeDigest(input: ComposeDigestInput): Promise<Digest> {
  const { config, editionId, now, window } = input;
  const selected = selectDigestItems(input.items, window);
  if (selected.length === 0 && !input.force) {
    throw new GazetteError(
      'DIGEST_EMPTY',
      `no items published between ${window.start.toISOString()} and ${window.end.toISOString()}`,
    );
  }
  if (oneLine(editionId) === '') throw new GazetteError('DIGEST_EDITION_ID', 'an edition needs a non-empty id');
  const unknown = unknownPlaceholders(config.digest.subject);
  if (unknown.length > 0) {
    throw new ConfigError(
      `digest.subject: unknown placeholder ${unknown.map((n) => `{{${n}}}`).join(', ')} ` +
        `(known: ${SUBJECT_PLACEHOLDERS.map((n) => `{{${n}}}`).join(', ')})`,
      {
        file: 'gazette.yaml',
        key: 'digest.subject',
      },
    );
  }
  const slug = editionSlug(editionId, now, config.site.timezone);
  const messages = (input.catalogs ?? (await loadCatalogs(config))).messages(
    input.group?.language ?? config.languages[0]!.code,
  );
  const whole = {
    ...digestView(selected, config, now, slug, { messages, ...(input.group ? { group: input.group } : {}) }),
    ...(input.archiveUrl ? { archiveUrl: input.archiveUrl } : {}),
  };

  const sources = [...input.templates.templates.values()];
  // every view tried holds a part of the whole one's strings, so the whole one's tokens suit them all
  const tokens = createSlotTokens([JSON.stringify(whole), ...sources]);
  const { markup, text } = byKind(input.templates);
  const engine = createTemplateEngine(markup);
  // plain text keeps the line breaks a markup template's tags would drop
  const textEngine = createTemplateEngine({ ...text, trimNewlines: false });
  const compile = async (v: DigestView): Promise<string> => {
    const data = { ...v, slot: tokens.tokens };
    try {
      return collapseWhitespace(await compileMjml(engine.render('digest', data)));
    } catch (err) {
      throw err instanceof MjmlError ? inTemplates(err, engine, data) : err;
    }
  };
  const { view, compiled } = await fitted(whole, compile);
  const html = tokens.split(compiled);
  const missing = (['email', 'unsubscribeUrl'] as const).filter((s) => !html.slots.includes(s));
  if (missing.length > 0) {
    throw new GazetteError(
      'TEMPLATES_INVALID',
      `the digest templates must show ${missing.map((s) => `it.slot.${s}`).join(' and ')} ` +
        `(every message needs the recipient's unsubscribe link)`,
    );
  }

  return {
    editionId,
    slug,
    date: new Date(now.getTime()),
    window: { start: new Date(window.start.getTime()), end: new Date(window.end.getTime()) },
    subject: view.subject,
    itemIds: selected.map((i) => i.id),
    archiveUrl: view.archiveUrl,
    ...(input.group ? { group: input.group.key, lang: input.group.language, words: digestWords(messages) } : {}),
    html,
    text: tokens.split(textEngine.render(DIGEST_TEXT_TEMPLATE, digestTextData(view, tokens.tokens))),
  };
}

/**
 * The MJML validator counts lines of the document the templates assembled; a reader of the error needs the
 * template file and its own line, as the first issue's `file:line`.
 */
function inTemplates(err: MjmlError, engine: TemplateEngine, data: object): MjmlError {
  const first = err.issues[0];
  const where = first && engine.locate('digest', data, first.line);
  if (!first || !where) return err;
  const others = err.issues.slice(1).map((i) => {
    const at = engine.locate('digest', data, i.line);
    return `${at ? `${at.file}:${at.line}` : `line ${i.line}`} <${i.tagName}>: ${i.message}`;
  });
  const detail = [`<${first.tagName}>: ${first.message}`, ...others].join('; ');
  return new MjmlError(`${where.file}:${where.line}: not valid MJML: ${detail}`, err.issues, {
    cause: err,
    file: where.file,
    line: where.line,
  });
}

/** The MJML layout and partials, and the text part's templates, each for an engine of its own. */
function byKind(t: DigestTemplates): Record<'markup' | 'text', TemplateEngineOptions> {
  const pick = (text: boolean): TemplateEngineOptions => ({
    templates: new Map([...t.templates].filter(([name]) => name.endsWith('.txt') === text)),
    ...(t.files ? { files: t.files } : {}),
  });
  return { markup: pick(false), text: pick(true) };
}

function webUrl(url: string | undefined): string | undefined {
  return url !== undefined && /^https?:\/\//i.test(url) ? url : undefined;
}

const PREHEADER_LENGTH = 140;

/** The first `full` items in full, the next `listed` as linked titles, the rest only counted. */
function cutView(whole: DigestView, full: number, listed = whole.items.length - full): DigestView {
  const links = whole.items.slice(full, full + listed).map(
    (i): DigestLinkView => ({
      title: i.title,
      url: i.url,
      lang: i.lang,
    }),
  );
  return { ...whole, items: whole.items.slice(0, full), more: links, omitted: whole.items.length - full - listed };
}

/**
 * The largest `k` in 0…max whose compiled HTML fits the budget, found from the sizes at `max` and 0
 * (an item's share taken as even, then stepped down by what is still over); undefined when 0 does not fit.
 */
async function largestFitting(
  max: number,
  compile: (k: number) => Promise<string>,
): Promise<{ k: number; html: string } | undefined> {
  const top = await compile(max);
  if (byteLength(top) <= HTML_BUDGET_BYTES) return { k: max, html: top };
  const bottom = await compile(0);
  if (byteLength(bottom) > HTML_BUDGET_BYTES) return undefined;
  const each = (byteLength(top) - byteLength(bottom)) / max;
  let k = Math.min(max - 1, Math.floor((HTML_BUDGET_BYTES - byteLength(bottom)) / each));
  for (;;) {
    if (k <= 0) return { k: 0, html: bottom };
    const html = await compile(k);
    const over = byteLength(html) - HTML_BUDGET_BYTES;
    if (over <= 0) return { k, html };
    k -= Math.max(1, Math.ceil(over / each));
  }
}

/**
 * The view as the message shows it, under Gmail's clipping size with the footer inside: every item in
 * full when they fit; else the first ones in full and the rest as linked titles; else (titles alone too
 * many) as many titles as fit and a count of the others. The edition's web page link follows them.
 */
async function fitted(
  whole: DigestView,
  compile: (view: DigestView) => Promise<string>,
): Promise<{ view: DigestView; compiled: string }> {
  const n = whole.items.length;
  const full = await largestFitting(n, (k) => compile(cutView(whole, k)));
  if (full) return { view: cutView(whole, full.k), compiled: full.html };
  const titles = await largestFitting(n, (t) => compile(cutView(whole, 0, t)));
  if (titles) return { view: cutView(whole, 0, titles.k), compiled: titles.html };
  const bare = cutView(whole, 0, 0);
  return { view: bare, compiled: await compile(bare) };
}

/**
 * The view the templates render: plain strings only, so templates escape every one of them. In the language of
 * `options.group` (default: the site's default), with the words of `options.messages` (default: gazette's English).
 */
export function digestView(
  items: readonly NewsItem[],
  config: Config,
  now: Date,
  slug: string,
  options: { messages?: Messages; group?: ReaderGroup } = {},
): DigestView {
  const { site } = config;
  const language = options.group?.language ?? config.languages[0]!.code;
  const own = languageConfig(config, language);
  const messages = options.messages ?? builtinEnglish(config);
  const siteTitle = oneLine(own.title);
  const siteHost = new URL(site.url).hostname;
  const editionDate = messages.date(now);
  const subject = fillSubject(own.subject, {
    site: own.title,
    count: items.length,
    date: editionDate,
    items:
      items.length === 0 ? messages.t('digest.no_items_subject') : messages.t('common.items', { count: items.length }),
  });
  const count =
    items.length === 0 ? messages.t('digest.no_items') : messages.t('common.items', { count: items.length });
  const countLine = messages.t('digest.count_line', { count: count.toLowerCase() });
  const views = items.map((item): DigestItemView => {
    const url = webUrl(item.url) ?? site.url;
    const image = item.image && webUrl(item.image.url);
    const title = oneLine(item.title);
    const linkLabel = item.link
      ? messages.t('digest.read_more_at', { host: new URL(url).hostname })
      : messages.t('digest.read_full_story');
    return {
      title,
      url,
      lang: oneLine(item.lang ?? '') || language,
      date: messages.date(item.published),
      dateIso: isoInZone(item.published, site.timezone),
      summary: oneLine(item.summary),
      linkLabel,
      linkName: `${linkLabel}: ${title}`,
      ...(image ? { image: { url: image, alt: oneLine(item.image!.alt) } } : {}),
    };
  });
  const intro = oneLine(own.intro);
  return {
    lang: language,
    subject,
    preheader: preheader(intro || views.map((v) => v.title).join(' · ') || countLine),
    siteTitle,
    siteUrl: site.url,
    siteHost,
    editionDate,
    editionDateIso: isoInZone(now, site.timezone),
    intro,
    countLine,
    count,
    archiveUrl: `${site.url}${archivePath(slug, options.group, config)}`,
    postalAddress: oneLine(own.postalAddress),
    items: views,
    more: [],
    omitted: 0,
    t: digestStrings(messages, { title: siteTitle, host: siteHost }),
  };
}

/** At most PREHEADER_LENGTH characters (code points), cut at a space with an ellipsis. */
function preheader(text: string): string {
  const chars = [...text];
  if (chars.length <= PREHEADER_LENGTH) return text;
  const head = chars.slice(0, PREHEADER_LENGTH - 1).join('');
  const space = head.lastIndexOf(' ');
  return `${(space > PREHEADER_LENGTH / 2 ? head.slice(0, space) : head).replace(/[\s·,;:.]+$/u, '')}…`;
}

/** Slot values for the archived web page: no recipient, and a way to subscribe instead of leaving. */
export function archiveSlotValues(config: Config, messages: Messages = builtinEnglish(config)): SlotValues {
  const subscribe = `${config.site.url}#subscribe-heading`;
  return {
    greeting: messages.t('digest.greeting'),
    email: messages.t('digest.your_address'),
    unsubscribeUrl: subscribe,
    unsubscribeLabel: messages.t('digest.subscribe'),
    preferencesUrl: subscribe,
  };
}
