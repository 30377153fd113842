// Server-rendered pages of the subscription flow: plain HTML forms that work without JavaScript, every value escaped.
import { count } from '../plural.ts';

/** What the pages say about the site. */
export interface PageSite {
  title: string;
  /** Language tag of the pages, e.g. `en`. */
  language: string;
}

/** A page ready to send. */
export interface Page {
  status: number;
  html: string;
}

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

function layout(site: PageSite, title: string, body: Markup): string {
  return `<!DOCTYPE html>
${
  html`<html lang="${site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · ${site.title}</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
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

function subscribeForm(email = ''): Markup {
  return html`<form class="subscribe-form" method="post" action="/subscribe">
<label for="subscribe-email">Email address</label>
<input id="subscribe-email" type="email" name="email" value="${email}" required autocomplete="email">
<button type="submit">Subscribe</button>
</form>`;
}

const home = html`<p><a href="/">Back to the news</a></p>`;

/** GET /subscribe: the form on its own. */
export function subscribePage(site: PageSite): Page {
  return {
    status: 200,
    html: layout(
      site,
      'Subscribe',
      html`<h1>Subscribe to the weekly digest</h1>
<p>One email a week with the news from ${site.title}. You can unsubscribe from any issue with one click.</p>
${subscribeForm()}`,
    ),
  };
}

/** After POST /subscribe, whether the address was new, pending or already active: the answer never tells which. */
export function subscribeThanksPage(site: PageSite, mail: { delayed: boolean } = { delayed: false }): Page {
  const body = mail.delayed
    ? html`<h1>Check your inbox</h1>
<p>Your request is saved. Our mail server is slow to answer just now, so the message with your confirmation \
link may take a while: it goes out as soon as the server is back. Open it and follow the link to start \
receiving the digest.</p>
<p>No need to subscribe again.</p>
${home}`
    : html`<h1>Check your inbox</h1>
<p>If the address can receive mail, a message with a confirmation link is on its way. \
Open it and follow the link to start receiving the digest.</p>
<p>Nothing arrived after a few minutes? Look in the spam folder, or subscribe again.</p>
${home}`;
  return { status: 200, html: layout(site, 'Check your inbox', body) };
}

/** POST /subscribe with an address that cannot be an email address. */
export function subscribeInvalidPage(site: PageSite, email: string): Page {
  return {
    status: 400,
    html: layout(
      site,
      'Check the address',
      html`<h1>That address does not look right</h1>
<p class="error" role="alert">${
        email === ''
          ? 'Please enter your email address.'
          : html`“${email}” is not a valid email address. Please check it and try again.`
      }</p>
${subscribeForm(email)}`,
    ),
  };
}

/** GET /confirm: names the address and asks; the button POSTs to `action`. Changes nothing. */
export function confirmAskPage(site: PageSite, email: string, action: string): Page {
  return {
    status: 200,
    html: layout(
      site,
      'Confirm your subscription',
      html`<h1>Confirm your subscription</h1>
<p>Send the weekly digest from ${site.title} to <strong>${email}</strong>?</p>
<form class="confirm-form" method="post" action="${action}">
<button type="submit">Confirm your subscription</button>
</form>
${home}`,
    ),
  };
}

/** After POST /confirm with a good token. */
export function confirmedPage(site: PageSite, email: string): Page {
  return {
    status: 200,
    html: layout(
      site,
      'Subscription confirmed',
      html`<h1>You are subscribed</h1>
<p>${email} will receive the weekly digest from ${site.title}. Every issue has a link to unsubscribe.</p>
${home}`,
    ),
  };
}

/** A token that was forged, altered, truncated or has expired; never says more than that. */
export function badTokenPage(site: PageSite, purpose: 'confirm' | 'unsubscribe', expired: boolean): Page {
  const what = purpose === 'confirm' ? 'confirmation' : 'unsubscribe';
  const reason = expired
    ? `This ${what} link has expired.`
    : `This ${what} link is not valid. It may have been copied incompletely.`;
  const next =
    purpose === 'confirm'
      ? html`<p>Subscribe again to get a fresh confirmation link.</p>
${subscribeForm()}`
      : html`<p>Use the unsubscribe link in the most recent digest you received, \
or reply to it and ask to be removed.</p>
${home}`;
  return {
    status: 400,
    html: layout(
      site,
      expired ? 'Link expired' : 'Link not valid',
      html`<h1>${expired ? 'Link expired' : 'Link not valid'}</h1>
<p class="error" role="alert">${reason}</p>
${next}`,
    ),
  };
}

/** GET /unsubscribe: names the address and asks; the button POSTs to `action`. Changes nothing. */
export function unsubscribeAskPage(site: PageSite, email: string, action: string): Page {
  return {
    status: 200,
    html: layout(
      site,
      'Unsubscribe',
      html`<h1>Unsubscribe</h1>
<p>Stop sending the weekly digest from ${site.title} to <strong>${email}</strong>?</p>
<form class="unsubscribe-form" method="post" action="${action}">
<button type="submit">Unsubscribe</button>
</form>
${home}`,
    ),
  };
}

/** After POST /unsubscribe. */
export function unsubscribedPage(site: PageSite, email: string): Page {
  return {
    status: 200,
    html: layout(
      site,
      'Unsubscribed',
      html`<h1>You are unsubscribed</h1>
<p>${email} will receive no more digests from ${site.title}.</p>
<p>Changed your mind? You can subscribe again at any time.</p>
${subscribeForm(email)}`,
    ),
  };
}

/** Too many subscribe attempts from one client address. */
export function tooManyRequestsPage(site: PageSite, retryAfterSeconds: number): Page {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return {
    status: 429,
    html: layout(
      site,
      'Too many attempts',
      html`<h1>Too many attempts</h1>
<p class="error" role="alert">Too many subscription requests came from your network. \
Please try again in ${count(minutes, 'minute')}.</p>
${home}`,
    ),
  };
}

/** A request body over the limit. */
export function payloadTooLargePage(site: PageSite): Page {
  return {
    status: 413,
    html: layout(
      site,
      'Request too large',
      html`<h1>Request too large</h1>
<p class="error" role="alert">The form sent more data than this page accepts.</p>
${home}`,
    ),
  };
}

/** A missing token or another malformed request. */
export function badRequestPage(site: PageSite, message: string): Page {
  return {
    status: 400,
    html: layout(
      site,
      'Bad request',
      html`<h1>Something is missing</h1>
<p class="error" role="alert">${message}</p>
${home}`,
    ),
  };
}

/** Something failed on our side; the details go to the log, never to the page. */
export function serverErrorPage(site: PageSite): Page {
  return {
    status: 500,
    html: layout(
      site,
      'Temporary problem',
      html`<h1>Temporary problem</h1>
<p class="error" role="alert">Something went wrong on our side. Please try again in a few minutes.</p>
${home}`,
    ),
  };
}
