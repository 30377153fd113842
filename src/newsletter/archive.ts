// The web archive of sent editions: an index page and one page per edition, as output files under public/.
import { count } from '../plural.ts';
import type { Config } from '../config/schema.ts';
import { formatInZone, isoInZone } from '../adapters/luxon.ts';
import { slugPath } from '../content/slug.ts';
import type { OutputFile } from '../output.ts';
import { archiveSlotValues, type Digest } from './compose.ts';
import { escapeHtml, escapeSlotValues } from './personalize.ts';
import { fillSlots } from './slots.ts';

/** What the archive needs of a sent edition; a stored Digest is one. */
export type SentEdition = Pick<Digest, 'editionId' | 'slug' | 'date' | 'subject' | 'itemIds' | 'html'> & {
  /** When the last message went out; the edition's date is shown when absent. */
  sentAt?: Date;
};

/**
 * public/archive/index.html (newest first) and public/archive/<slug>/index.html per edition: the
 * email's HTML with the recipient's details and unsubscribe link replaced by a link to subscribe.
 */
export function renderDigestArchive(editions: readonly SentEdition[], config: Config): OutputFile[] {
  const sorted = [...editions].sort(
    (a, b) =>
      b.date.getTime() - a.date.getTime() || (a.editionId < b.editionId ? 1 : a.editionId > b.editionId ? -1 : 0),
  );
  const values = escapeSlotValues(archiveSlotValues(config));
  const files: OutputFile[] = [{ path: 'archive/index.html', body: archiveIndex(sorted, config) }];
  for (const edition of sorted)
    files.push({ path: `archive/${edition.slug}/index.html`, body: fillSlots(edition.html, values) });
  return files;
}

function archiveIndex(editions: readonly SentEdition[], config: Config): string {
  const { site } = config;
  const e = escapeHtml;
  const list =
    editions.length === 0
      ? '<p>No digest has been sent yet.</p>'
      : `<ol class="editions">\n${editions
          .map((ed) => {
            const n = ed.itemIds.length;
            return (
              `<li><a href="${e(slugPath(ed.slug))}/">${e(ed.subject)}</a><br>` +
              `<time datetime="${e(isoInZone(ed.date, site.timezone))}">` +
              `${e(formatInZone(ed.date, site.timezone, 'd LLLL yyyy', site.language))}</time> · ` +
              `${count(n, 'item')}</li>`
            );
          })
          .join('\n')}\n</ol>`;
  return (
    `<!DOCTYPE html>
<html lang="${e(site.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Digest archive · ${e(site.title)}</title>
<link rel="alternate" type="application/rss+xml" title="${e(site.title)} (RSS)" href="${e(site.url)}feed.xml">
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
<header><a href="${e(site.url)}">${e(site.title)}</a></header>
<main>
<h1>Digest archive</h1>
<p>Every news digest sent to subscribers by email, newest first. ` +
    `<a href="${e(site.url)}#subscribe-heading">Subscribe</a> to receive the next one.</p>
${list}
</main>
</body>
</html>
`
  );
}
