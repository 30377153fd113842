// A feed as a web page: what a person who opens feed.xml or atom.xml in a browser is shown (see the README).
//
// Browsers are dropping XSLT, and none applies it to application/rss+xml; so the build writes this page beside
// each subscription feed (feed.xml → feed.xml.html) and gazette's server answers a browser's navigation to the
// feed's URL with it, while feed readers get the feed's bytes as before.
import { escapeAttr, escapeText } from './xml.ts';
import type { Messages } from '../i18n/catalog.ts';
import type { FeedDocument } from './model.ts';

/** Where the page of the feed document at `feedPath` is written. */
export function feedPagePath(feedPath: string): string {
  return `${feedPath}.html`;
}

/** The page for one feed document: what a feed is, the address to subscribe to, and its items as links. */
export function renderFeedPage(doc: FeedDocument, timezone: string, m: Messages): string {
  const day = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const kind = doc.format === 'atom' ? 'Atom' : 'RSS';
  const items = doc.entries
    .map((entry) => {
      const author = entry.authors.map((a) => a.name).join(', ');
      return (
        '<article>\n' +
        `<h2><a href="${escapeAttr(entry.url)}">${escapeText(entry.title)}</a></h2>\n` +
        `<p class="meta"><time datetime="${entry.published.toISOString()}">${day.format(entry.published)}</time>` +
        `${author === '' ? '' : ` · ${escapeText(author)}`}</p>\n` +
        (entry.summary === '' ? '' : `<p>${escapeText(entry.summary)}</p>\n`) +
        '</article>'
      );
    })
    .join('\n');
  return `<!DOCTYPE html>
<html lang="${escapeAttr(doc.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeText(m.t('site.feed_page_title', { title: doc.title, kind }))}</title>
<link rel="alternate" type="${doc.format === 'atom' ? 'application/atom+xml' : 'application/rss+xml'}" \
title="${escapeAttr(doc.title)}" href="${escapeAttr(doc.selfUrl)}">
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem; color: #1b1b1b; }
.note { background: #fff8d6; border: 1px solid #e6d27a; border-radius: 6px; padding: 0.75rem 1rem; }
.note code { display: block; overflow-wrap: anywhere; background: #fff; padding: 0.4rem; margin-top: 0.4rem; }
article { border-bottom: 1px solid #ddd; padding: 0.75rem 0; }
article h2 { font-size: 1.15rem; margin: 0 0 0.25rem; }
.meta { color: #555; font-size: 0.9rem; margin: 0; }
@media (prefers-color-scheme: dark) {
  body { background: #161616; color: #e8e8e8; }
  a { color: #8ab4f8; }
  .note { background: #3a3318; border-color: #6b5d22; }
  .note code { background: #161616; }
  .meta { color: #aaa; }
}
</style>
</head>
<body>
<main>
<div class="note">
<p><strong>${escapeText(m.t('site.feed_web_feed'))}</strong> (${kind}). \
${escapeText(m.t('site.feed_copy_address'))}</p>
<code>${escapeText(doc.selfUrl)}</code>
</div>
<h1><a href="${escapeAttr(doc.homeUrl)}">${escapeText(doc.title)}</a></h1>
<p>${escapeText(doc.description)}</p>
${items}
</main>
</body>
</html>
`;
}
