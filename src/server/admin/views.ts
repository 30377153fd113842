// The dashboard's pages: plain server-rendered HTML, every value escaped, readable without JavaScript.
import { readerCountsTile } from './reader-counts.ts';
import { count } from '../../plural.ts';
import { formatInZone } from '../../adapters/luxon.ts';
import type { SubscriberState } from '../ports.ts';
import { html, type Markup } from './html.ts';
import { choiceQuery, editionGroupsSection, previewChoiceForm } from './groups-view.ts';
import type {
  AuditRecord,
  DashboardDigest,
  DashboardImportReport,
  DashboardEdition,
  DashboardEditionDetail,
  DashboardOverview,
  DashboardSubscriber,
  DeliveryTally,
} from './port.ts';

export interface ViewContext {
  siteTitle: string;
  language: string;
  timezone: string;
  /** The session's CSRF token; absent on the login page. */
  csrf?: string;
  /** A one-line notice above the page (an action's outcome). */
  notice?: { kind: 'ok' | 'error'; text: string } | undefined;
}

export const SUBSCRIBER_STATE_NAMES: readonly SubscriberState[] = ['active', 'pending', 'unsubscribed', 'bounced'];

/** The bar's segments in drawing order; pending includes rows being sent right now. */
const SEGMENTS = ['sent', 'failed', 'retry', 'uncertain', 'pending'] as const;

type Section = 'overview' | 'editions' | 'preview' | 'send' | 'subscribers' | 'audit' | 'none';

function when(date: Date | null, zone: string): string {
  return date === null ? '–' : formatInZone(date, zone, 'yyyy-LL-dd HH:mm');
}

function csrfField(ctx: ViewContext): Markup {
  return html`<input type="hidden" name="csrf" value="${ctx.csrf ?? ''}">`;
}

function layout(ctx: ViewContext, title: string, section: Section, body: Markup): string {
  const link = (href: string, name: Section, label: string) =>
    html`<a href="${href}"${name === section ? html` aria-current="page"` : ''}>${label}</a>`;
  const nav =
    ctx.csrf === undefined
      ? ''
      : html`<nav class="admin-nav" aria-label="Dashboard">
  ${link('/admin', 'overview', 'Overview')}
  ${link('/admin/editions', 'editions', 'Editions')}
  ${link('/admin/preview', 'preview', 'Preview')}
  ${link('/admin/send', 'send', 'Send now')}
  ${link('/admin/subscribers', 'subscribers', 'Subscribers')}
  ${link('/admin/audit', 'audit', 'Audit log')}
  <form method="post" action="/admin/logout" class="logout">${csrfField(ctx)}\
<button type="submit" class="link">Log out</button></form>
</nav>`;
  const notice = ctx.notice
    ? html`<p class="notice notice-${ctx.notice.kind}" role="status">${ctx.notice.text}</p>`
    : '';
  return html`<!doctype html>
<html lang="${ctx.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · ${ctx.siteTitle} admin</title>
<link rel="stylesheet" href="/admin/assets/admin.css">
<script src="/admin/assets/admin.js" defer></script>
</head>
<body class="admin">
<header class="admin-header"><div class="admin-wrap">
  <p class="admin-brand"><a href="/admin">${ctx.siteTitle}</a> <span>admin</span></p>
  ${nav}
</div></header>
<main class="admin-wrap" id="main">
${notice}
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`.value;
}

export function loginPage(ctx: ViewContext, wrong: boolean): string {
  return layout(
    { ...ctx, notice: wrong ? { kind: 'error', text: 'That token is not right.' } : ctx.notice },
    'Log in',
    'none',
    html`<form method="post" action="/admin/login" class="card form-narrow">
  <label for="token">Admin token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  <button type="submit">Log in</button>
  <p class="hint">The value of ADMIN_TOKEN on the server.</p>
</form>`,
  );
}

function percentDone(e: DashboardEdition): number {
  if (e.recipients === 0) return e.state === 'sent' ? 100 : 0;
  return Math.floor((100 * (e.counts.sent + e.counts.failed)) / e.recipients);
}

/** Segment widths out of 1000 for the stacked bar. */
function segmentWidths(e: DashboardEdition): Record<(typeof SEGMENTS)[number], number> {
  const c = e.counts;
  const total = Math.max(1, e.recipients, c.sent + c.failed + c.retry + c.uncertain + c.pending + c.sending);
  const value = {
    sent: c.sent,
    failed: c.failed,
    retry: c.retry,
    uncertain: c.uncertain,
    pending: c.pending + c.sending,
  };
  return Object.fromEntries(SEGMENTS.map((s) => [s, Math.round((1000 * value[s]) / total)])) as Record<
    (typeof SEGMENTS)[number],
    number
  >;
}

/** What the live script reads: the same figures the page renders. */
export function editionProgressJson(e: DashboardEdition): Record<string, unknown> {
  return {
    id: e.id,
    state: e.state,
    subject: e.subject,
    recipients: e.recipients,
    counts: e.counts,
    percent: percentDone(e),
    widths: segmentWidths(e),
  };
}

function tallyCount(counts: DeliveryTally, s: (typeof SEGMENTS)[number]): number {
  return s === 'pending' ? counts.pending + counts.sending : counts[s];
}

function progress(e: DashboardEdition): Markup {
  const widths = segmentWidths(e);
  let x = 0;
  const rects = SEGMENTS.map((s) => {
    const r = html`<rect class="seg seg-${s}" data-seg="${s}" x="${x}" y="0" width="${widths[s]}" height="10"></rect>`;
    x += widths[s];
    return r;
  });
  const percent = percentDone(e);
  return html`<div class="progress" data-edition="${e.id}">
  <svg class="bar" viewBox="0 0 1000 10" preserveAspectRatio="none" role="img" aria-label="${percent}% done">\
${rects}</svg>
  <p class="tally"><strong class="percent" data-percent>${percent}%</strong>
    <span class="state state-${e.state}" data-state>${e.state}</span>
    ${SEGMENTS.map(
      (s) =>
        html`<span class="count count-${s}"><span class="dot dot-${s}"></span>\
<span data-count="${s}">${tallyCount(e.counts, s)}</span> ${s}</span> `,
    )}
    <span class="count">of ${e.recipients}</span></p>
</div>`;
}

function editionActions(ctx: ViewContext, e: DashboardEdition, deadInFlight = false): Markup {
  // `data-while`: the live script hides the button once the edition leaves that state
  const action = (path: string, label: string, kind: string, state?: string) =>
    html`<form method="post" action="/admin/editions/${e.id}/${path}" class="inline"\
${state ? html` data-while="${state}"` : ''}>${csrfField(ctx)}<button type="submit" class="${kind}">${label}</button>\
</form>`;
  const open = e.state === 'sending' || e.state === 'paused';
  // cancelling is for good: the form asks for a tick first, with or without JavaScript
  const cancel = html`<form method="post" action="/admin/editions/${e.id}/cancel" class="inline cancel">
    ${csrfField(ctx)}<label><input type="checkbox" name="confirm" value="yes" required> for good</label>
    <button type="submit" class="danger">Cancel edition</button></form>`;
  return html`<div class="actions">
  ${e.state === 'sending' ? action('pause', 'Pause', 'secondary', 'sending') : ''}
  ${e.state === 'paused' ? action('resume', 'Resume', '', 'paused') : ''}
  ${e.state === 'sending' && deadInFlight ? action('resume', 'Recover and resume', '', 'sending') : ''}
  ${e.counts.uncertain > 0 ? action('resend-uncertain', `Re-send ${e.counts.uncertain} uncertain`, 'secondary') : ''}
  ${open ? cancel : ''}
</div>`;
}

export function overviewPage(ctx: ViewContext, o: DashboardOverview, latest: DashboardEdition | undefined): string {
  const items =
    'error' in o.items
      ? html`<p class="figure error-text">${o.items.error}</p>`
      : html`<p class="figure" data-figure="items">${o.items.published}</p>\
<p class="hint">${o.items.scheduled} scheduled</p>`;
  const subscribers = html`<dl class="states">${SUBSCRIBER_STATE_NAMES.map(
    (s) => html`<div><dt>${s}</dt><dd data-subscribers="${s}">${o.subscribers[s]}</dd></div>`,
  )}</dl>`;
  const build = o.lastBuild
    ? html`<p class="figure-small">${when(o.lastBuild.at, ctx.timezone)}</p><p class="hint">${o.lastBuild.id}</p>`
    : html`<p class="figure-small">none yet</p>`;
  const buildError = o.lastBuildError ? html`<p class="error-text">Last attempt failed: ${o.lastBuildError}</p>` : '';
  const next = o.nextEdition
    ? html`<p class="figure-small">${when(o.nextEdition.at, ctx.timezone)}</p>\
<p class="hint">slot ${o.nextEdition.slot}</p>`
    : html`<p class="figure-small">none scheduled</p>`;
  const last = latest
    ? html`<section class="card"><h2><a href="/admin/editions/${latest.id}">#${latest.id} ${latest.subject}</a></h2>\
${progress(latest)}</section>`
    : html`<p>No edition yet.</p>`;
  return layout(
    ctx,
    'Overview',
    'overview',
    html`<div class="tiles">
  <section class="card tile"><h2>Items published</h2>${items}</section>
  <section class="card tile tile-wide"><h2>Subscribers</h2>${subscribers}</section>
  ${readerCountsTile(o.readers)}
  <section class="card tile"><h2>Last build</h2>${build}${buildError}</section>
  <section class="card tile"><h2>Next scheduled edition</h2>${next}</section>
</div>
<h2>Latest edition</h2>
${last}
<p class="times">Times in ${ctx.timezone}.</p>`,
  );
}

export function editionsPage(ctx: ViewContext, editions: readonly DashboardEdition[]): string {
  const rows = editions.map(
    (e) => html`<section class="card edition" id="edition-${e.id}">
  <h2><a href="/admin/editions/${e.id}">#${e.id} ${e.subject}</a></h2>
  <p class="meta">${e.slot ? `slot ${e.slot}` : 'sent by hand'} · created ${when(e.createdAt, ctx.timezone)}\
${e.completedAt ? ` · completed ${when(e.completedAt, ctx.timezone)}` : ''}</p>
  ${progress(e)}
  ${e.pausedReason ? html`<p class="error-text">Paused: ${e.pausedReason}</p>` : ''}
  ${editionActions(ctx, e)}
</section>`,
  );
  return layout(
    ctx,
    'Editions',
    'editions',
    html`<div data-live="/admin/editions.json">${
      rows.length > 0 ? rows : html`<p>No edition yet. <a href="/admin/send">Send one now</a>.</p>`
    }</div>`,
  );
}

export function editionPage(ctx: ViewContext, e: DashboardEditionDetail): string {
  const failures =
    e.failures.length === 0
      ? html`<p>No failures.</p>`
      : html`<div class="table-wrap"><table>
<thead><tr><th>Address</th><th>Status</th><th>Attempts</th><th>Server reply</th></tr></thead>
<tbody>${e.failures.map(
          (f) =>
            html`<tr><td>${f.email}</td><td>${f.status}\
${f.nextAttemptAt ? html`<br><small>next ${when(f.nextAttemptAt, ctx.timezone)}</small>` : ''}</td>\
<td>${f.attempts}</td><td class="reply">${f.responseCode !== null ? html`<code>${f.responseCode}</code> ` : ''}\
${f.error ?? ''}</td></tr>`,
        )}</tbody></table></div>`;
  const uncertain =
    e.uncertain.length === 0
      ? ''
      : html`<h2>Uncertain (${e.uncertain.length})</h2>
<p>A sender stopped while sending these: they may or may not have arrived. Those sent again may have arrived twice.</p>
<ul class="plain">${e.uncertain.map(
          (u) =>
            html`<li>${u.email} <small>claimed by ${u.claimedBy ?? '?'}, found in flight at
              ${when(u.claimedAt, ctx.timezone)}; ${u.resent ? 'sent again' : 'held'}</small></li>`,
        )}</ul>`;
  const returned =
    e.events.length === 0
      ? ''
      : html`<h2>What came back (${e.events.length})</h2>
<div class="table-wrap"><table>
<thead><tr><th>When</th><th>What</th><th>Address</th><th>Diagnostic</th></tr></thead>
<tbody>${e.events.map(
          (ev) =>
            html`<tr><td>${when(ev.at, ctx.timezone)}</td>\
<td>${ev.type === 'bounce' ? `${ev.class ?? ''} bounce` : ev.type}</td><td>${ev.email ?? '?'}</td>\
<td class="reply">${ev.diagnostic ?? ''}</td></tr>`,
        )}</tbody></table></div>`;
  const inFlight =
    e.inFlight.length === 0
      ? ''
      : html`<h2>In flight</h2>
<ul class="plain in-flight">${e.inFlight.map(
          (h) =>
            html`<li>${h.rows} held by <code>${h.holder}</code>:
              <span class="${h.alive ? 'alive' : 'error-text'}">${h.alive ? 'alive' : 'dead'} (${h.reason})</span>
              ${h.alive ? '' : ' — Resume recovers them'}</li>`,
        )}</ul>`;
  return layout(
    ctx,
    `Edition #${e.id}`,
    'editions',
    html`<div data-live="/admin/editions.json"><section class="card edition">
  <h2>${e.subject}</h2>
  <p class="meta">${e.slot ? `slot ${e.slot}` : 'sent by hand'} · created ${when(e.createdAt, ctx.timezone)}\
 · started ${when(e.startedAt, ctx.timezone)} · completed ${when(e.completedAt, ctx.timezone)}</p>
  ${progress(e)}
  ${e.pausedReason ? html`<p class="error-text">Paused: ${e.pausedReason}</p>` : ''}
  ${editionActions(
    ctx,
    e,
    e.inFlight.some((h) => !h.alive),
  )}
</section></div>
${editionGroupsSection(e.groups)}
${inFlight}
${returned}
<h2>Failures and retries (${e.failures.length})</h2>
${failures}
${uncertain}`,
  );
}

function emptyDigest(ctx: ViewContext, d: { windowStart: Date; windowEnd: Date }): Markup {
  return html`<p class="card">No item was published between ${when(d.windowStart, ctx.timezone)}\
 and ${when(d.windowEnd, ctx.timezone)}: there is nothing to send.</p>`;
}

export function previewPage(ctx: ViewContext, d: DashboardDigest): string {
  const chooser = previewChoiceForm(d.languages ?? [], d.topics ?? [], d.choice);
  if (d.empty) return layout(ctx, 'Next digest', 'preview', html`${chooser}${emptyDigest(ctx, d)}`);
  return layout(
    ctx,
    'Next digest',
    'preview',
    html`${chooser}<p class="meta">Subject: <strong data-subject>${d.subject}</strong>\
 · ${count(d.items, 'item')} · ${count(d.recipients, 'active subscriber')}\
 · items from ${when(d.windowStart, ctx.timezone)} to ${when(d.windowEnd, ctx.timezone)}</p>
<h2>HTML part</h2>
<iframe class="preview" src="/admin/preview/digest.html${choiceQuery(d.choice)}" sandbox\
 title="The digest's HTML part as a reader sees it"></iframe>
<h2>Text part</h2>
<pre class="text-part">${d.text}</pre>
<h2>Send a test copy</h2>
<form method="post" action="/admin/test" class="card form-row">${csrfField(ctx)}
  <label for="test-address">Address</label>
  <input id="test-address" name="address" type="email" required placeholder="you@example.org">
  <button type="submit">Send test copy</button>
</form>`,
  );
}

export function sendConfirmPage(ctx: ViewContext, d: DashboardDigest): string {
  const stillOpen = d.open
    ? html`<p>Edition <a href="/admin/editions/${d.open.id}">#${d.open.id}</a> is still ${d.open.state}.</p>`
    : '';
  if (d.empty) return layout(ctx, 'Send now', 'send', html`${emptyDigest(ctx, d)}${stillOpen}`);
  // an edition still open: sending lands on it, unless a second edition is confirmed a second time
  const open = d.open
    ? html`<p class="error-text">Edition <a href="/admin/editions/${d.open.id}">#${d.open.id}</a> is still
  ${d.open.state}. Sending now takes you to it and creates nothing, unless you also tick the box below.</p>
  <label class="second"><input type="checkbox" name="concurrent" value="yes"> Yes, send a second edition while
  #${d.open.id} is ${d.open.state}: its readers get both</label>`
    : '';
  return layout(
    ctx,
    'Send now',
    'send',
    html`<section class="card confirm">
  <p>This creates an edition and sends it at once:</p>
  <dl class="facts">
    <div><dt>Subject</dt><dd data-subject>${d.subject}</dd></div>
    <div><dt>Items</dt><dd>${d.items}</dd></div>
    <div><dt>Recipients</dt><dd data-recipients>${d.recipients}</dd></div>
  </dl>
  <form method="post" action="/admin/send" class="inline">${csrfField(ctx)}
    <input type="hidden" name="confirm" value="yes">${open}
    <button type="submit">Send to ${count(d.recipients, 'subscriber')}</button></form>
  <a href="/admin/preview" class="button secondary">Preview first</a>
</section>`,
  );
}

/** A subscriber's latest bounce, complaint or unsubscribe by mail, under their state. */
function lastEvent(ctx: ViewContext, s: DashboardSubscriber): Markup | string {
  const e = s.lastEvent;
  if (!e) return '';
  const what =
    e.type === 'bounce' ? `${e.class ?? ''} bounce` : e.type === 'unsubscribe' ? 'unsubscribed by mail' : e.type;
  return html`<br><small class="event">${what} ${when(e.at, ctx.timezone)}${e.status ? ` · ${e.status}` : ''}\
${e.diagnostic ? html`<br>${e.diagnostic.slice(0, 120)}` : ''}</small>`;
}

export function subscribersPage(
  ctx: ViewContext,
  list: readonly DashboardSubscriber[],
  query: { search: string; state: SubscriberState | ''; offset: number; limit: number },
): string {
  const option = (value: string, label: string) =>
    html`<option value="${value}"${query.state === value ? html` selected` : ''}>${label}</option>`;
  const page = (offset: number) => {
    const params = new URLSearchParams();
    if (query.search) params.set('q', query.search);
    if (query.state) params.set('state', query.state);
    if (offset > 0) params.set('offset', String(offset));
    const s = params.toString();
    return `/admin/subscribers${s ? `?${s}` : ''}`;
  };
  // data-label: the column's name, shown beside each value when a narrow screen stacks a row's cells
  const rows = list.map(
    (s) => html`<tr><td data-label="Address" class="address"><a href="${subscriberHref(s.email)}">${s.email}</a></td>\
<td data-label="Name">${s.name ?? ''}</td>\
<td data-label="State"><span class="state state-${s.state}">${s.state}</span>${lastEvent(ctx, s)}</td>\
<td data-label="Source">${s.source}</td><td data-label="Added" class="nowrap">${when(s.createdAt, ctx.timezone)}</td>
<td class="row-actions">${subscriberActions(ctx, s, 'list')}</td></tr>`,
  );
  return layout(
    ctx,
    'Subscribers',
    'subscribers',
    html`<div class="toolbar">
<form method="get" action="/admin/subscribers" class="form-row search">
  <label for="q" class="visually-hidden">Search</label>
  <input id="q" name="q" type="search" value="${query.search}" placeholder="Search addresses and names">
  <label for="state" class="visually-hidden">State</label>
  <select id="state" name="state">${option('', 'any state')}${SUBSCRIBER_STATE_NAMES.map((s) => option(s, s))}</select>
  <button type="submit" class="secondary">Search</button>
</form>
<p class="toolbar-links"><a class="button secondary" href="/admin/subscribers/import">Import CSV</a>
<a class="button secondary" href="/admin/subscribers.csv" download>Export CSV</a></p>
</div>
<form method="post" action="/admin/subscribers/add" class="card form-row">${csrfField(ctx)}
  <label for="add-email">Add an active subscriber</label>
  <input id="add-email" name="email" type="email" required placeholder="reader@example.org">
  <button type="submit">Add</button>
</form>
${
  list.length === 0
    ? html`<p>No subscriber matches.</p>`
    : html`<div class="table-wrap"><table class="stack">
<thead><tr><th>Address</th><th>Name</th><th>State</th><th>Source</th><th>Added</th>\
<th><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
<p class="pager">${
      query.offset > 0 ? html`<a href="${page(Math.max(0, query.offset - query.limit))}">← Previous</a> ` : ''
    }\
${list.length === query.limit ? html`<a href="${page(query.offset + query.limit)}">Next →</a>` : ''}</p>`,
  );
}

function subscriberHref(email: string): string {
  return `/admin/subscriber?email=${encodeURIComponent(email)}`;
}

/** Unsubscribe (kept, reversible by a new subscription) beside Remove (for good, after a confirmation page). */
function subscriberActions(ctx: ViewContext, s: DashboardSubscriber, back: 'list' | 'subscriber'): Markup {
  const unsubscribe =
    s.state === 'unsubscribed'
      ? ''
      : html`<form method="post" action="/admin/subscribers/unsubscribe" class="inline">${csrfField(ctx)}\
<input type="hidden" name="email" value="${s.email}">${
          back === 'subscriber'
            ? html`<input type="hidden" name="back" \
value="subscriber">`
            : ''
        }<button type="submit" class="secondary small">Unsubscribe</button></form>`;
  return html`<div class="actions-inline">${unsubscribe}\
<a class="button danger small" href="/admin/subscribers/remove?email=${encodeURIComponent(s.email)}">Remove</a></div>`;
}

function subscriberFacts(ctx: ViewContext, s: DashboardSubscriber): Markup {
  return html`<dl class="facts">
    <div><dt>Address</dt><dd class="address">${s.email}</dd></div>
    <div><dt>Name</dt><dd>${s.name ?? '–'}</dd></div>
    <div><dt>State</dt><dd><span class="state state-${s.state}">${s.state}</span>${lastEvent(ctx, s)}</dd></div>
    <div><dt>Source</dt><dd>${s.source}</dd></div>
    <div><dt>Added</dt><dd>${when(s.createdAt, ctx.timezone)}</dd></div>
  </dl>`;
}

export function subscriberPage(ctx: ViewContext, s: DashboardSubscriber): string {
  return layout(
    ctx,
    s.email,
    'subscribers',
    html`<section class="card">${subscriberFacts(ctx, s)}
${subscriberActions(ctx, s, 'subscriber')}</section>
<h2>Name</h2>
<form method="post" action="/admin/subscribers/rename" class="card form-row">${csrfField(ctx)}
  <input type="hidden" name="email" value="${s.email}">
  <label for="name">Name</label>
  <input id="name" name="name" type="text" maxlength="200" value="${s.name ?? ''}" placeholder="none">
  <button type="submit">Save name</button>
</form>
<p><a href="/admin/subscribers">← All subscribers</a></p>`,
  );
}

export function removeConfirmPage(ctx: ViewContext, s: DashboardSubscriber): string {
  return layout(
    ctx,
    'Remove a subscriber',
    'subscribers',
    html`<section class="card confirm">
  <p>Removing deletes this subscriber and their unsent messages for good. To stop their digests and keep the row
  and its history, unsubscribe them instead.</p>
  ${subscriberFacts(ctx, s)}
  <form method="post" action="/admin/subscribers/remove" class="inline">${csrfField(ctx)}
    <input type="hidden" name="email" value="${s.email}"><input type="hidden" name="confirm" value="yes">
    <button type="submit" class="danger">Remove for good</button></form>
  ${
    s.state !== 'unsubscribed'
      ? html`<form method="post" action="/admin/subscribers/unsubscribe" class="inline">${csrfField(ctx)}\
<input type="hidden" name="email" value="${s.email}"><input type="hidden" name="back" value="subscriber">\
<button type="submit" class="secondary">Unsubscribe instead</button></form>`
      : ''
  }
  <a href="/admin/subscribers" class="button secondary">Keep</a>
</section>`,
  );
}

function importReport(r: DashboardImportReport, fileName: string, update: boolean): Markup {
  const present = `${r.existing} already present${update ? `, ${r.updated} of them updated` : ''}`;
  const more = r.rejected - r.rejectedRows.length;
  return html`<section class="card import-report" data-import-report>
  <h2>${fileName}</h2>
  <p data-summary>${fileName}: ${r.rows} rows, ${r.accepted} accepted (${r.added} added, ${present}), \
${r.rejected} rejected</p>
  <dl class="facts">
    <div><dt>Rows</dt><dd data-report="rows">${r.rows}</dd></div>
    <div><dt>Accepted</dt><dd data-report="accepted">${r.accepted}</dd></div>
    <div><dt>Added</dt><dd data-report="added">${r.added}</dd></div>
    <div><dt>Already present</dt><dd data-report="existing">${r.existing}</dd></div>
    ${update ? html`<div><dt>Updated</dt><dd data-report="updated">${r.updated}</dd></div>` : ''}
    <div><dt>Rejected</dt><dd data-report="rejected">${r.rejected}</dd></div>
  </dl>
  ${
    r.rejectedRows.length > 0
      ? html`<h3>Rejected rows</h3><ul class="plain rejected">${r.rejectedRows.map(
          (row) => html`<li data-line="${row.line}">line ${row.line}: ${row.reason}</li>`,
        )}</ul>${more > 0 ? html`<p>… and ${more} more rejected rows</p>` : ''}`
      : ''
  }
  ${
    r.stopped
      ? html`<p class="error-text" data-stopped>Line ${r.stopped.line}: ${r.stopped.reason}; the import stopped there: \
${r.accepted} of the ${r.rows} rows before line ${r.stopped.line} were imported, none from line ${r.stopped.line} on. \
Fix the file and import it again; rows already imported are skipped.</p>`
      : ''
  }
</section>`;
}

export function importPage(
  ctx: ViewContext,
  options: { maxSize: string; fileName?: string; update?: boolean; report?: DashboardImportReport },
): string {
  const report = options.report
    ? importReport(options.report, options.fileName ?? 'file', options.update === true)
    : '';
  return layout(
    ctx,
    'Import subscribers',
    'subscribers',
    html`${report}
<form method="post" action="/admin/subscribers/import" enctype="multipart/form-data" class="card form-narrow">\
${csrfField(ctx)}
  <label for="file">CSV file (up to ${options.maxSize})</label>
  <input id="file" name="file" type="file" accept=".csv,text/csv" required>
  <label class="check"><input type="checkbox" name="update" value="yes"> Update addresses already present with the
  file's state and name (a blank value leaves theirs as it is)</label>
  <button type="submit">Import</button>
  <p class="hint">The first row names the columns: email, and optionally name and state. Addresses already present
  are left as they are unless the box is ticked; importing the same file twice adds nothing.</p>
</form>
<p><a href="/admin/subscribers">← All subscribers</a></p>`,
  );
}

export function auditPage(
  ctx: ViewContext,
  entries: readonly AuditRecord[],
  query: { offset: number; limit: number; more: boolean },
): string {
  const at = (offset: number) => `/admin/audit${offset > 0 ? `?offset=${offset}` : ''}`;
  const rows = entries.map(
    (e) => html`<tr data-audit="${e.id}"><td data-label="When" class="nowrap">${when(e.at, ctx.timezone)}</td>\
<td data-label="Who" class="nowrap"><code>${e.actor}</code></td><td data-label="Action">${e.action}</td>\
<td data-label="On" class="address">${e.target ?? ''}</td><td data-label="Detail">${e.detail ?? ''}</td></tr>`,
  );
  return layout(
    ctx,
    'Audit log',
    'audit',
    html`<p class="meta">What operators did here and through the API, newest first. Times in ${ctx.timezone}.</p>
${
  entries.length === 0
    ? html`<p>Nothing yet.</p>`
    : html`<div class="table-wrap"><table class="stack">
<thead><tr><th>When</th><th>Who</th><th>Action</th><th>On</th><th>Detail</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
}
<p class="pager">${query.offset > 0 ? html`<a href="${at(Math.max(0, query.offset - query.limit))}">← Newer</a> ` : ''}\
${query.more ? html`<a href="${at(query.offset + query.limit)}">Older →</a>` : ''}</p>`,
  );
}

export function messagePage(ctx: ViewContext, title: string, text: string): string {
  return layout(ctx, title, 'none', html`<p>${text}</p><p><a href="/admin">Back to the overview</a></p>`);
}
