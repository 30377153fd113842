// The mails a subscription sends by itself: the confirmation request and the "already subscribed" note, in the
// reader's language (the catalog's `pages` section). Pure.
import type { Messages } from '../i18n/catalog.ts';
import type { Mailbox, MailMessage } from '../mail/message.ts';

export interface NoticeInput {
  site: { title: string; url: string };
  from: Mailbox;
  replyTo?: string | undefined;
  to: string;
  subscriberId: number;
  date: Date;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function messageId(kind: string, input: NoticeInput): string {
  return `${kind}.${input.subscriberId}.${input.date.getTime()}@${new URL(input.site.url).hostname}`;
}

function page(
  lang: string,
  title: string,
  paragraphs: string[],
  link: { href: string; label: string },
  footer: string,
  after = '',
): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 16px">${p}</p>`).join('\n');
  return (
    `<!doctype html>
<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title></head>
<body style="margin:0;padding:24px;font:16px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;` +
    `color:#1a1a1a;background:#ffffff">
<div style="max-width:560px;margin:0 auto">
${body}
<p style="margin:24px 0"><a href="${escapeHtml(link.href)}" ` +
    `style="display:inline-block;padding:12px 20px;background:#0b5cad;color:#ffffff;text-decoration:none;` +
    `border-radius:4px">${escapeHtml(link.label)}</a></p>
${after}<p style="margin:0 0 16px;font-size:14px;color:#555555">${footer}</p>
</div>
</body></html>
`
  );
}

// Plain text with the conventional "-- " signature: the newsroom's name and site.
function signedText(lines: string[], site: { title: string; url: string }): string {
  return [...lines, '', '-- ', site.title, site.url, ''].join('\n');
}

function base(input: NoticeInput, kind: string, subject: string): Omit<MailMessage, 'text' | 'html'> {
  return {
    from: input.from,
    to: input.to,
    ...(input.replyTo !== undefined ? { replyTo: input.replyTo } : {}),
    subject,
    messageId: messageId(kind, input),
    date: input.date,
    // a message sent by software in answer to a form: vacation responders stay quiet (RFC 3834)
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}

const say = (m: Messages, key: string, values?: Record<string, string | number>): string => m.t(`pages.${key}`, values);

/** A message with `{name}` values that are HTML already: the text is escaped, those values are not. */
function sayHtml(m: Messages, key: string, values: Record<string, string | number>, raw: Record<string, string>) {
  const marks: string[] = [];
  const all: Record<string, string | number> = { ...values };
  for (const [k, v] of Object.entries(raw)) {
    all[k] = `\u0000${marks.length}\u0000`;
    marks.push(v);
  }
  return escapeHtml(say(m, key, all)).replace(/\u0000(\d+)\u0000/g, (_, i: string) => marks[Number(i)]!);
}

const preferencesText = (m: Messages, url: string | undefined): string[] =>
  url === undefined ? [] : ['', say(m, 'mail_preferences'), url];

const preferencesHtml = (m: Messages, url: string | undefined): string =>
  url === undefined
    ? ''
    : `<p style="margin:0 0 16px;font-size:14px;color:#555555">${escapeHtml(say(m, 'mail_preferences'))} ` +
      `<a href="${escapeHtml(url)}" style="color:#0b5cad">${escapeHtml(say(m, 'mail_preferences_link'))}</a></p>\n`;

/** Asks the owner of `to` to confirm the subscription (double opt-in), in the reader's language. */
export function confirmationMessage(
  input: NoticeInput & { confirmUrl: string; validDays: number; messages: Messages; preferencesUrl?: string },
): MailMessage {
  const { title, url } = input.site;
  const m = input.messages;
  const subject = say(m, 'mail_confirm_subject', { site: title });
  const text = signedText(
    [
      say(m, 'mail_hello'),
      '',
      say(m, 'mail_confirm_asked', { site: title, email: input.to }),
      '',
      say(m, 'mail_confirm_open'),
      input.confirmUrl,
      '',
      say(m, 'mail_confirm_valid_text', { days: input.validDays }),
      ...preferencesText(m, input.preferencesUrl),
    ],
    input.site,
  );
  const html = page(
    m.lang,
    subject,
    [
      escapeHtml(say(m, 'mail_hello')),
      sayHtml(m, 'mail_confirm_asked', { site: title }, { email: `<strong>${escapeHtml(input.to)}</strong>` }),
      escapeHtml(say(m, 'mail_confirm_press')),
    ],
    { href: input.confirmUrl, label: say(m, 'mail_confirm_button') },
    `${escapeHtml(say(m, 'mail_confirm_valid_html', { days: input.validDays }))} — ` +
      `<a href="${escapeHtml(url)}" style="color:#555555">${escapeHtml(title)}</a>`,
    preferencesHtml(m, input.preferencesUrl),
  );
  return { ...base(input, 'confirm', subject), text, html };
}

/** Tells the owner of an active address that a new subscription was asked for, and how to leave. */
export function alreadySubscribedMessage(
  input: NoticeInput & { unsubscribeUrl: string; messages: Messages; preferencesUrl?: string },
): MailMessage {
  const { title, url } = input.site;
  const m = input.messages;
  const subject = say(m, 'mail_already_subject', { site: title });
  const text = signedText(
    [
      say(m, 'mail_hello'),
      '',
      say(m, 'mail_already_asked', { site: title, email: input.to }),
      '',
      say(m, 'mail_already_leave_text'),
      input.unsubscribeUrl,
      ...preferencesText(m, input.preferencesUrl),
    ],
    input.site,
  );
  const html = page(
    m.lang,
    subject,
    [
      escapeHtml(say(m, 'mail_hello')),
      sayHtml(m, 'mail_already_asked', { site: title }, { email: `<strong>${escapeHtml(input.to)}</strong>` }),
      escapeHtml(say(m, 'mail_already_leave_html')),
    ],
    { href: input.unsubscribeUrl, label: say(m, 'mail_already_button') },
    `<a href="${escapeHtml(url)}" style="color:#555555">${escapeHtml(title)}</a>`,
    preferencesHtml(m, input.preferencesUrl),
  );
  return { ...base(input, 'subscribed', subject), text, html };
}
