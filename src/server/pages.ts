// Server-rendered pages of the subscription flow: plain HTML forms that work without JavaScript, every value escaped.
// Every word comes from the `pages` section of the message catalog, in the reader's language.
import { createHash } from 'node:crypto';
import type { Messages } from '../i18n/catalog.ts';

/** What the pages say about the site. */
export interface PageSite {
  title: string;
  /** Language tag of the pages, e.g. `en`. */
  language: string;
}

/** The site and the strings of the language a page is in. */
export interface PageView {
  site: PageSite;
  m: Messages;
}

/** What a reader may choose on the site: its languages and the digest's topics. */
export interface ReaderOptions {
  /** The site's languages, the default first, each with its name in its own language. */
  languages: readonly { code: string; name: string }[];
  /** The digest's topics, with their names by language. */
  topics: readonly { id: string; names: Readonly<Record<string, string>> }[];
}

/** A page ready to send. */
export interface Page {
  status: number;
  html: string;
}

/** How long a reader may pause the digest, in weeks. */
export const PAUSE_WEEKS: readonly number[] = [1, 2, 4, 8, 12];

/** The value of the topics checkbox that stands for every topic. */
export const EVERYTHING = '*';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/** Marks already-escaped HTML so `html` does not escape it twice. */
class Markup {
  constructor(readonly value: string) {}
}

/** Tagged template: interpolated strings are escaped, nested `html` fragments and arrays of them are not. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new Markup(out);
}

function render(value: unknown): string {
  if (value instanceof Markup) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * A catalog message as HTML: the text is escaped, and values given as `html` fragments (an address in
 * <strong>) are put in as they are.
 */
function tm(m: Messages, key: string, values: Record<string, string | number | Markup> = {}): Markup {
  const plain: Record<string, string | number> = {};
  const marks: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (v instanceof Markup) {
      plain[k] = `\u0000${marks.length}\u0000`;
      marks.push(v.value);
    } else plain[k] = v;
  }
  const text = escapeHtml(m.t(`pages.${key}`, plain));
  return new Markup(text.replace(/\u0000(\d+)\u0000/g, (_, i: string) => marks[Number(i)]!));
}

const t = (m: Messages, key: string, values?: Record<string, string | number>): string => m.t(`pages.${key}`, values);

/** The styles of the preference form, inline (the page's CSP allows exactly this block by its hash). */
export const FORM_STYLE = `.choices fieldset{border:1px solid var(--muted,#888);border-radius:.35rem;margin:0 0 1rem;\
padding:.6rem .8rem;min-inline-size:0}
.choices legend{font-weight:600;padding:0 .3rem}
.choices label.check{display:flex;gap:.5rem;align-items:baseline;font-weight:400;margin:.3rem 0}
.choices select{font:inherit;padding:.45rem .6rem;max-width:100%;margin-bottom:.75rem}
.choices fieldset:has(input[value="*"]:checked) label.topic{opacity:.55}
.choices .hint{margin:.2rem 0 .4rem;color:var(--muted,#555);font-size:.95rem}
.choices .row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.choices .row select{margin:0}
.page .notice{padding:.6rem .8rem;border-left:4px solid var(--accent,#0b5cad);background:var(--panel,#f4f4f4)}
.page section{margin:1.5rem 0}
.page h2{font-size:1.2rem;margin:0 0 .5rem}`;

/** The CSP source that allows FORM_STYLE. */
export const FORM_STYLE_HASH = `'sha256-${createHash('sha256').update(FORM_STYLE).digest('base64')}'`;

function layout(view: PageView, title: string, body: Markup, options: { style?: boolean } = {}): string {
  const { site, m } = view;
  return `<!DOCTYPE html>
${
  html`<html lang="${site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · ${site.title}</title>
<link rel="stylesheet" href="/static/style.css">${options.style ? html`\n<style>${new Markup(FORM_STYLE)}</style>` : ''}
</head>
<body>
<a class="skip" href="#main">${t(m, 'skip_to_content')}</a>
<header class="site-header">
<div class="wrap">
<p class="brand"><a href="/">${site.title}</a></p>
</div>
</header>
<main id="main" class="wrap page">
${body}
</main>
</body>
</html>`.value
}
`;
}

function languageSelect(m: Messages, options: ReaderOptions, selected: string, id: string): Markup | '' {
  if (options.languages.length < 2) return '';
  return html`<label for="${id}">${t(m, 'language_label')}</label>
<select id="${id}" name="language">
${options.languages.map(
  (l) => html`<option value="${l.code}" lang="${l.code}"${l.code === selected ? html` selected` : ''}>${l.name}</option>
`,
)}</select>
`;
}

function topicName(topic: ReaderOptions['topics'][number], lang: string, options: ReaderOptions): string {
  return topic.names[lang] ?? topic.names[options.languages[0]?.code ?? ''] ?? topic.id;
}

function topicBoxes(m: Messages, options: ReaderOptions, chosen: readonly string[] | null): Markup | '' {
  if (options.topics.length === 0) return '';
  return html`<fieldset class="topics">
<legend>${t(m, 'topics_label')}</legend>
<p class="hint">${t(m, 'preferences_topics_hint')}</p>
<input type="hidden" name="topics_shown" value="yes">
<label class="check"><input type="checkbox" name="topics" value="${EVERYTHING}"${
    chosen === null ? html` checked` : ''
  }> ${t(m, 'everything')}</label>
${options.topics.map(
  (topic) => html`<label class="check topic"><input type="checkbox" name="topics" value="${topic.id}"${
    chosen?.includes(topic.id) ? html` checked` : ''
  }> ${topicName(topic, m.lang, options)}</label>
`,
)}</fieldset>
`;
}

function subscribeForm(view: PageView, email = '', options?: ReaderOptions): Markup {
  const { m } = view;
  const choices = options
    ? html`${languageSelect(m, options, m.lang, 'subscribe-language')}${topicBoxes(m, options, null)}`
    : '';
  return html`<form class="subscribe-form${choices === '' ? '' : ' choices'}" method="post" action="/subscribe">
<label for="subscribe-email">${t(m, 'email_label')}</label>
<input id="subscribe-email" type="email" name="email" value="${email}" required autocomplete="email">
${choices}<button type="submit">${t(m, 'subscribe_button')}</button>
</form>`;
}

const hasChoices = (options: ReaderOptions | undefined): options is ReaderOptions =>
  options !== undefined && (options.languages.length > 1 || options.topics.length > 0);

const home = (m: Messages) => html`<p><a href="/">${t(m, 'back_home')}</a></p>`;

/** GET /subscribe: the form on its own, with the language and topics to choose when the site has them. */
export function subscribePage(view: PageView, options?: ReaderOptions): Page {
  const { site, m } = view;
  const choices = hasChoices(options) ? options : undefined;
  return {
    status: 200,
    html: layout(
      view,
      t(m, 'subscribe_title'),
      html`<h1>${t(m, 'subscribe_heading')}</h1>
<p>${t(m, 'subscribe_lead', { site: site.title })}</p>
${subscribeForm(view, '', choices)}`,
      { style: choices !== undefined },
    ),
  };
}

/** After POST /subscribe, whether the address was new, pending or already active: the answer never tells which. */
export function subscribeThanksPage(view: PageView, mail: { delayed: boolean } = { delayed: false }): Page {
  const { m } = view;
  const body = mail.delayed
    ? html`<h1>${t(m, 'thanks_title')}</h1>
<p>${t(m, 'thanks_delayed')}</p>
<p>${t(m, 'thanks_delayed_again')}</p>
${home(m)}`
    : html`<h1>${t(m, 'thanks_title')}</h1>
<p>${t(m, 'thanks_sent')}</p>
<p>${t(m, 'thanks_nothing')}</p>
${home(m)}`;
  return { status: 200, html: layout(view, t(m, 'thanks_title'), body) };
}

/** POST /subscribe with an address that cannot be an email address. */
export function subscribeInvalidPage(view: PageView, email: string): Page {
  const { m } = view;
  return {
    status: 400,
    html: layout(
      view,
      t(m, 'invalid_title'),
      html`<h1>${t(m, 'invalid_heading')}</h1>
<p class="error" role="alert">${email === '' ? t(m, 'invalid_empty') : t(m, 'invalid_address', { email })}</p>
${subscribeForm(view, email)}`,
    ),
  };
}

/** Which field of a form held a value the site does not offer. */
export interface BadChoice {
  field: 'language' | 'topics' | 'pause_weeks';
  value: string;
  /** What the field may be. */
  choices: readonly string[];
}

/** A form (subscribe or preferences) whose language, topic or pause is not one offered; names the field. */
export function badChoicePage(view: PageView, bad: BadChoice): Page {
  const { m } = view;
  const key = { language: 'invalid_language', topics: 'invalid_topic', pause_weeks: 'invalid_weeks' }[bad.field];
  return {
    status: 400,
    html: layout(
      view,
      t(m, 'choice_title'),
      html`<h1>${t(m, 'choice_heading')}</h1>
<p class="error" role="alert">${t(m, key, { value: bad.value, choices: bad.choices.join(', ') })}</p>
${home(m)}`,
    ),
  };
}

/** GET /confirm: names the address and asks; the button POSTs to `action`. Changes nothing. */
export function confirmAskPage(view: PageView, email: string, action: string): Page {
  const { site, m } = view;
  return {
    status: 200,
    html: layout(
      view,
      t(m, 'confirm_title'),
      html`<h1>${t(m, 'confirm_title')}</h1>
<p>${tm(m, 'confirm_question', { site: site.title, email: html`<strong>${email}</strong>` })}</p>
<form class="confirm-form" method="post" action="${action}">
<button type="submit">${t(m, 'confirm_button')}</button>
</form>
${home(m)}`,
    ),
  };
}

/** After POST /confirm with a good token. */
export function confirmedPage(view: PageView, email: string): Page {
  const { site, m } = view;
  return {
    status: 200,
    html: layout(
      view,
      t(m, 'confirmed_title'),
      html`<h1>${t(m, 'confirmed_heading')}</h1>
<p>${t(m, 'confirmed_text', { email, site: site.title })}</p>
${home(m)}`,
    ),
  };
}

/** A token that was forged, altered, truncated or has expired; never says more than that. */
export function badTokenPage(
  view: PageView,
  purpose: 'confirm' | 'unsubscribe' | 'preferences',
  expired: boolean,
): Page {
  const { m } = view;
  const lapsed = expired && purpose !== 'preferences';
  const reason = t(m, `${purpose}_${lapsed ? 'expired' : 'invalid'}`);
  const next =
    purpose === 'confirm'
      ? html`<p>${t(m, 'confirm_again')}</p>
${subscribeForm(view)}`
      : html`<p>${t(m, purpose === 'unsubscribe' ? 'unsubscribe_help' : 'preferences_help')}</p>
${home(m)}`;
  const heading = t(m, lapsed ? 'link_expired' : 'link_invalid');
  return {
    status: 400,
    html: layout(
      view,
      heading,
      html`<h1>${heading}</h1>
<p class="error" role="alert">${reason}</p>
${next}`,
    ),
  };
}

/** GET /unsubscribe: names the address and asks; the button POSTs to `action`. Changes nothing. */
export function unsubscribeAskPage(view: PageView, email: string, action: string): Page {
  const { site, m } = view;
  return {
    status: 200,
    html: layout(
      view,
      t(m, 'unsubscribe_title'),
      html`<h1>${t(m, 'unsubscribe_title')}</h1>
<p>${tm(m, 'unsubscribe_question', { site: site.title, email: html`<strong>${email}</strong>` })}</p>
<form class="unsubscribe-form" method="post" action="${action}">
<button type="submit">${t(m, 'unsubscribe_button')}</button>
</form>
${home(m)}`,
    ),
  };
}

/** After POST /unsubscribe. */
export function unsubscribedPage(view: PageView, email: string): Page {
  const { site, m } = view;
  return {
    status: 200,
    html: layout(
      view,
      t(m, 'unsubscribed_title'),
      html`<h1>${t(m, 'unsubscribed_heading')}</h1>
<p>${t(m, 'unsubscribed_text', { email, site: site.title })}</p>
<p>${t(m, 'unsubscribed_again')}</p>
${subscribeForm(view, email)}`,
    ),
  };
}

/** What the preference page shows of a subscriber. */
export interface PreferencesState {
  /** The preference link's token, sent back in every form. */
  token: string;
  email: string;
  /** Whether the address receives the digest (active); otherwise the page says so. */
  active: boolean;
  language: string;
  topics: readonly string[] | null;
  /** Until when the digest is paused; undefined when it is not. */
  pausedUntil?: Date | undefined;
  /** The line that confirms what a POST just changed. */
  notice?: string | undefined;
}

/** GET and POST /preferences: the reader's language, topics, a pause, and unsubscribe; every change is a POST. */
export function preferencesPage(view: PageView, options: ReaderOptions, state: PreferencesState): Page {
  const { site, m } = view;
  const token = html`<input type="hidden" name="token" value="${state.token}">`;
  const choices = html`${languageSelect(m, options, state.language, 'preferences-language')}${topicBoxes(
    m,
    options,
    state.topics,
  )}`;
  const save =
    choices.value === ''
      ? ''
      : html`<form class="choices" method="post" action="/preferences">
${token}
<input type="hidden" name="action" value="save">
${choices}<button type="submit">${t(m, 'preferences_save')}</button>
</form>
`;
  const pause =
    state.pausedUntil !== undefined
      ? html`<p>${t(m, 'preferences_paused', { date: m.date(state.pausedUntil) })}</p>
<form class="choices" method="post" action="/preferences">
${token}
<input type="hidden" name="action" value="resume">
<button type="submit">${t(m, 'preferences_resume_button')}</button>
</form>`
      : html`<form class="choices" method="post" action="/preferences">
${token}
<input type="hidden" name="action" value="pause">
<label for="preferences-weeks">${t(m, 'preferences_pause_label')}</label>
<div class="row">
<select id="preferences-weeks" name="weeks">
${PAUSE_WEEKS.map((w) => html`<option value="${w}">${t(m, 'preferences_weeks', { weeks: w })}</option>\n`)}</select>
<button type="submit">${t(m, 'preferences_pause_button')}</button>
</div>
</form>`;
  return {
    status: 200,
    html: layout(
      view,
      t(m, 'preferences_title'),
      html`<h1>${t(m, 'preferences_title')}</h1>
${state.notice ? html`<p class="notice" role="status">${state.notice}</p>\n` : ''}\
<p>${tm(m, 'preferences_intro', { site: site.title, email: html`<strong>${state.email}</strong>` })}</p>
${state.active ? '' : html`<p class="error" role="alert">${t(m, 'preferences_not_active')}</p>\n`}\
${save}<section>
<h2>${t(m, 'preferences_pause_heading')}</h2>
${pause}
</section>
<section>
<h2>${t(m, 'preferences_unsubscribe_heading')}</h2>
<p>${t(m, 'preferences_unsubscribe_text')}</p>
<form class="choices" method="post" action="/preferences">
${token}
<input type="hidden" name="action" value="unsubscribe">
<button type="submit">${t(m, 'unsubscribe_button')}</button>
</form>
</section>
${home(m)}`,
      { style: true },
    ),
  };
}

/** Too many attempts from one client address. */
export function tooManyRequestsPage(view: PageView, retryAfterSeconds: number): Page {
  const { m } = view;
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return {
    status: 429,
    html: layout(
      view,
      t(m, 'too_many_title'),
      html`<h1>${t(m, 'too_many_title')}</h1>
<p class="error" role="alert">${t(m, 'too_many_text', { minutes })}</p>
${home(m)}`,
    ),
  };
}

/** A request body over the limit. */
export function payloadTooLargePage(view: PageView): Page {
  const { m } = view;
  return {
    status: 413,
    html: layout(
      view,
      t(m, 'too_large_title'),
      html`<h1>${t(m, 'too_large_title')}</h1>
<p class="error" role="alert">${t(m, 'too_large_text')}</p>
${home(m)}`,
    ),
  };
}

/** A missing token or another malformed request; `message` is plain text from the catalog. */
export function badRequestPage(view: PageView, message: string): Page {
  const { m } = view;
  return {
    status: 400,
    html: layout(
      view,
      t(m, 'bad_request_title'),
      html`<h1>${t(m, 'bad_request_heading')}</h1>
<p class="error" role="alert">${message}</p>
${home(m)}`,
    ),
  };
}

/** Something failed on our side; the details go to the log, never to the page. */
export function serverErrorPage(view: PageView): Page {
  const { m } = view;
  return {
    status: 500,
    html: layout(
      view,
      t(m, 'server_error_title'),
      html`<h1>${t(m, 'server_error_title')}</h1>
<p class="error" role="alert">${t(m, 'server_error_text')}</p>
${home(m)}`,
    ),
  };
}
