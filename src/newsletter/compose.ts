// Items + config + templates → one Digest: subject, compiled HTML and plain text, cut at the per-recipient slots.
import type { Config } from '../config/schema.ts';
import type { NewsItem } from '../content/types.ts';
import { slugify, slugPath } from '../content/slug.ts';
import { formatInZone, isoInZone } from '../adapters/luxon.ts';
import { createTemplateEngine } from '../adapters/eta.ts';
import { compileMjml } from '../adapters/mjml.ts';
import { ConfigError, GazetteError } from '../errors.ts';
import { fillSubject, oneLine, unknownPlaceholders } from './header.ts';
import { createSlotTokens, type SlotValues, type SlottedText } from './slots.ts';
import type { DigestTemplates } from './templates.ts';
import { renderDigestText } from './text.ts';
import type { DigestItemView, DigestView } from './view.ts';

export type { DigestItemView, DigestView } from './view.ts';
import { selectDigestItems, type DigestWindow } from './window.ts';

/** One composed edition. Plain data (see `digestToJson`): compose once, personalize per recipient. */
export interface Digest {
  editionId: string;
  /** Folder of the edition's page in the web archive, e.g. `2021-10-04-12`. */
  slug: string;
  /** The edition's date: the Date header of every message, and the date in the subject. */
  date: Date;
  window: DigestWindow;
  /** One line, never a CR or LF. */
  subject: string;
  /** Ids of the items in the edition, newest first. */
  itemIds: string[];
  /** Absolute URL of the edition's page in the web archive ("view in browser"). */
  archiveUrl: string;
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
}

const DATE_FORMAT = 'd LLLL yyyy';

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
        `(known: {{site}}, {{count}}, {{date}})`,
      {
        file: 'gazette.yaml',
        key: 'digest.subject',
      },
    );
  }
  const slug = editionSlug(editionId, now, config.site.timezone);
  const view = digestView(selected, config, now, slug);

  const sources = [...input.templates.templates.values()];
  const tokens = createSlotTokens([JSON.stringify(view), ...sources]);
  const engine = createTemplateEngine({ templates: input.templates.templates });
  const mjml = engine.render('digest', { ...view, slot: tokens.tokens });
  const html = tokens.split(await compileMjml(mjml));
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
    html,
    text: renderDigestText(view),
  };
}

function webUrl(url: string | undefined): string | undefined {
  return url !== undefined && /^https?:\/\//i.test(url) ? url : undefined;
}

/** The view the templates render: plain strings only, so templates escape every one of them. */
export function digestView(items: readonly NewsItem[], config: Config, now: Date, slug: string): DigestView {
  const { site, digest } = config;
  const locale = site.language;
  const editionDate = formatInZone(now, site.timezone, DATE_FORMAT, locale);
  const subject = fillSubject(digest.subject, { site: site.title, count: items.length, date: editionDate });
  const count = items.length === 0 ? 'No new items' : `${items.length} new ${items.length === 1 ? 'item' : 'items'}`;
  const countLine = `In this digest: ${count.toLowerCase()}.`;
  const views = items.map((item): DigestItemView => {
    const url = webUrl(item.url) ?? site.url;
    const image = item.image && webUrl(item.image.url);
    return {
      title: oneLine(item.title),
      url,
      date: formatInZone(item.published, site.timezone, DATE_FORMAT, locale),
      dateIso: isoInZone(item.published, site.timezone),
      summary: oneLine(item.summary),
      linkLabel: item.link ? `Read more at ${new URL(url).hostname}` : 'Read the full story',
      ...(image ? { image: { url: image, alt: oneLine(item.image!.alt) } } : {}),
    };
  });
  return {
    lang: site.language,
    subject,
    siteTitle: oneLine(site.title),
    siteUrl: site.url,
    siteHost: new URL(site.url).hostname,
    editionDate,
    editionDateIso: isoInZone(now, site.timezone),
    intro: oneLine(digest.intro),
    countLine,
    count,
    archiveUrl: `${site.url}archive/${slugPath(slug)}/`,
    postalAddress: oneLine(digest.postalAddress),
    items: views,
  };
}

/** Slot values for the archived web page: no recipient, and a way to subscribe instead of leaving. */
export function archiveSlotValues(config: Config): SlotValues {
  return {
    greeting: 'Hello,',
    email: 'your address',
    unsubscribeUrl: `${config.site.url}#subscribe-heading`,
    unsubscribeLabel: 'Subscribe',
  };
}
