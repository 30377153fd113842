// The web archive of sent editions: an index page and one page per edition, as output files under public/.
import { groupFromKey, topicName } from '../audience.ts';
import { languageConfig, type Config } from '../config/schema.ts';
import { isoInZone } from '../adapters/luxon.ts';
import { readCatalogs, type Catalogs, type Messages } from '../i18n/catalog.ts';
import type { OutputFile } from '../output.ts';
import { archivePath, archiveSlotValues, type Digest } from './compose.ts';
import { escapeHtml, escapeSlotValues } from './personalize.ts';
import { fillSlots } from './slots.ts';

/** What the archive needs of a sent edition; a stored Digest is one (one per group of readers). */
export type SentEdition = Pick<Digest, 'editionId' | 'slug' | 'date' | 'subject' | 'itemIds' | 'html'> &
  Partial<Pick<Digest, 'group' | 'lang'>> & {
    /** When the last message went out; the edition's date is shown when absent. */
    sentAt?: Date;
  };

/**
 * Per language, `archive/index.html` (the default language; others under their code, `ru/archive/index.html`),
 * newest first, and one page per edition and group: `archive/<slug>/index.html` for the default language's
 * everything group, `ru/archive/<slug>/`, `archive/<slug>/kazakhstan+operations/` for the others. Each is the
 * email's HTML with the recipient's details and unsubscribe link replaced by a link to subscribe.
 */
export function renderDigestArchive(
  editions: readonly SentEdition[],
  config: Config,
  catalogs: Catalogs = readCatalogs(config),
): OutputFile[] {
  const sorted = [...editions].sort(
    (a, b) =>
      b.date.getTime() - a.date.getTime() ||
      (a.editionId < b.editionId ? 1 : a.editionId > b.editionId ? -1 : 0) ||
      ((a.group ?? '') < (b.group ?? '') ? -1 : (a.group ?? '') > (b.group ?? '') ? 1 : 0),
  );
  const defaultLang = config.languages[0]!.code;
  const langOf = (e: SentEdition): string => (e.group ? groupFromKey(e.group).language : (e.lang ?? defaultLang));
  const files: OutputFile[] = [];
  for (const { code: lang } of config.languages) {
    const own = sorted.filter((e) => langOf(e) === lang);
    // every language's index is there, digests sent or not: its pages link to it
    const messages = catalogs.messages(lang);
    const values = escapeSlotValues(archiveSlotValues(config, messages));
    const prefix = lang === defaultLang ? '' : `${lang}/`;
    files.push({ path: `${prefix}archive/index.html`, body: archiveIndex(own, config, lang, messages) });
    for (const edition of own)
      files.push({ path: `${pagePath(edition, config)}index.html`, body: fillSlots(edition.html, values) });
  }
  return files;
}

/** Where an edition's page of one group is, under site.url. */
function pagePath(edition: SentEdition, config: Config): string {
  return archivePath(edition.slug, edition.group ? groupFromKey(edition.group) : undefined, config);
}

function archiveIndex(editions: readonly SentEdition[], config: Config, lang: string, messages: Messages): string {
  const { site } = config;
  const e = escapeHtml;
  const own = languageConfig(config, lang);
  const prefix = lang === config.languages[0]!.code ? '' : `${lang}/`;
  const base = `${prefix}archive/`;
  const topicNames = (edition: SentEdition): string => {
    const group = edition.group ? groupFromKey(edition.group) : undefined;
    if (!group?.topics) return '';
    const names = group.topics.map((id) => {
      const topic = config.digest.topics.find((t) => t.id === id);
      return topic ? topicName(topic, lang, config) : id;
    });
    return ` (${names.join(', ')})`;
  };
  const list =
    editions.length === 0
      ? `<p>${e(messages.t('digest.archive_empty'))}</p>`
      : `<ol class="editions">\n${editions
          .map((ed) => {
            const n = ed.itemIds.length;
            const href = pagePath(ed, config).slice(base.length);
            return (
              `<li><a href="${e(href)}">${e(ed.subject)}${e(topicNames(ed))}</a><br>` +
              `<time datetime="${e(isoInZone(ed.date, site.timezone))}">` +
              `${e(messages.date(ed.date))}</time> · ` +
              `${e(messages.t('digest.archive_items', { count: n }))}</li>`
            );
          })
          .join('\n')}\n</ol>`;
  const [introBefore = '', introAfter = ''] = messages
    .t('digest.archive_intro', { subscribe: '\u0000' })
    .split('\u0000');
  const title = messages.t('digest.archive_title');
  const siteTitle = own.title;
  const siteHome = `${site.url}${prefix}`;
  return (
    `<!DOCTYPE html>
<html lang="${e(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} · ${e(siteTitle)}</title>
<link rel="alternate" type="application/rss+xml" title="${e(siteTitle)} (RSS)" href="${e(siteHome)}feed.xml">
<style>
body { margin: 0; background: #f2f4f7; color: #1f2933; ` +
    `font: 16px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
header { background: #0b3d6e; padding: 1rem; }
header a { color: #fff; font-size: 1.5rem; font-weight: 700; text-decoration: none; }
main { max-width: 600px; margin: 0 auto; padding: 1rem; background: #fff; }
.editions { padding-left: 1.5rem; }
.editions li { margin: 0 0 1rem; }
a { color: #0b5cad; }
time { color: #52606d; font-size: 0.875rem; }
</style>
</head>
<body>
<header><a href="${e(siteHome)}">${e(siteTitle)}</a></header>
<main>
<h1>${e(title)}</h1>
<p>${e(introBefore)}` +
    `<a href="${e(site.url)}#subscribe-heading">${e(messages.t('digest.subscribe'))}</a>${e(introAfter)}</p>
${list}
</main>
</body>
</html>
`
  );
}
