// The overview's tile of active subscribers by language and by topic (a site with several languages or topics).
import { html } from './html.ts';

/** What the tile shows; see src/subscribers/counts.ts. */
export interface DashboardReaderCounts {
  byLanguage: readonly { code: string; count: number }[];
  byTopic: readonly { id: string; name: string; count: number }[];
  everything: number;
}

/** The tile, or nothing for a site with one language and no topics. */
export function readerCountsTile(counts: DashboardReaderCounts | undefined) {
  if (counts === undefined || (counts.byLanguage.length < 2 && counts.byTopic.length === 0)) return '';
  const languages =
    counts.byLanguage.length < 2
      ? ''
      : html`<h3>By language</h3><dl class="states">${counts.byLanguage.map(
          (l) => html`<div><dt>${l.code}</dt><dd data-readers-language="${l.code}">${l.count}</dd></div>`,
        )}</dl>`;
  const topics =
    counts.byTopic.length === 0
      ? ''
      : html`<h3>By topic</h3><dl class="states">${counts.byTopic.map(
          (t) => html`<div><dt>${t.name}</dt><dd data-readers-topic="${t.id}">${t.count}</dd></div>`,
        )}<div><dt>everything</dt><dd data-readers-everything>${counts.everything}</dd></div></dl>`;
  return html`<section class="card tile tile-wide">\
<h2>Active subscribers by choice</h2>${languages}${topics}</section>`;
}
