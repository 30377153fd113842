// The dashboard's per-group parts: an edition's (language, topics) groups, and the choice of whose digest to preview.
import { html, type Markup } from './html.ts';
import type { DashboardEditionGroup, DashboardPreviewChoice } from './port.ts';

/** An edition's groups with their readers and where they stand; nothing for an edition of one group. */
export function editionGroupsSection(groups: readonly DashboardEditionGroup[] | undefined): Markup | string {
  if (!groups || (groups.length <= 1 && !groups.some((g) => g.skipped))) return '';
  return html`<h2>Groups (${groups.length})</h2>
<div class="table-wrap"><table class="groups">
<thead><tr><th>Group</th><th>Recipients</th><th>Items</th><th>Sent</th><th>Pending</th><th>Failed</th></tr></thead>
<tbody>${groups.map((g) =>
    g.skipped
      ? html`<tr data-group="${g.key}"><td><code>${g.key}</code></td><td>${g.recipients}</td>\
<td colspan="4">skipped: nothing new</td></tr>`
      : html`<tr data-group="${g.key}"><td><code>${g.key}</code></td><td>${g.recipients}</td><td>${g.items}</td>\
<td>${g.sent}</td><td>${g.pending}</td><td>${g.failed}</td></tr>`,
  )}</tbody></table></div>`;
}

/** The query string that names a group, for the preview's frame and links. */
export function choiceQuery(choice: DashboardPreviewChoice | undefined): string {
  if (!choice) return '';
  const q = new URLSearchParams();
  if (choice.lang) q.set('lang', choice.lang);
  if (choice.topics) q.set('topics', choice.topics);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** A GET form choosing whose digest the preview shows: a language and topic ids. */
export function previewChoiceForm(
  languages: readonly string[],
  topics: readonly string[],
  choice: DashboardPreviewChoice | undefined,
): Markup | string {
  if (languages.length <= 1 && topics.length === 0) return '';
  return html`<form method="get" action="/admin/preview" class="card form-row preview-group">
  <label for="preview-lang">Language</label>
  <select id="preview-lang" name="lang">${languages.map((l) =>
    l === (choice?.lang ?? languages[0])
      ? html`<option value="${l}" selected>${l}</option>`
      : html`<option value="${l}">${l}</option>`,
  )}</select>
  <label for="preview-topics">Topics</label>
  <input id="preview-topics" name="topics" value="${choice?.topics ?? ''}" placeholder="${topics.join(',')}">
  <button type="submit">Preview this group</button>
</form>`;
}
