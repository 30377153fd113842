// The mails a subscription sends by itself: the confirmation request and the "already subscribed" note. Pure.
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

function page(title: string, paragraphs: string[], link: { href: string; label: string }, footer: string): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 16px">${p}</p>`).join('\n');
  return (
    `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title></head>
<body style="margin:0;padding:24px;font:16px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;` +
    `color:#1a1a1a;background:#ffffff">
<div style="max-width:560px;margin:0 auto">
${body}
<p style="margin:24px 0"><a href="${escapeHtml(link.href)}" ` +
    `style="display:inline-block;padding:12px 20px;background:#0b5cad;color:#ffffff;text-decoration:none;` +
    `border-radius:4px">${escapeHtml(link.label)}</a></p>
<p style="margin:0 0 16px;font-size:14px;color:#555555">${footer}</p>
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

/** Asks the owner of `to` to confirm the subscription (double opt-in). */
export function confirmationMessage(input: NoticeInput & { confirmUrl: string; validDays: number }): MailMessage {
  const { title, url } = input.site;
  const subject = `Confirm your subscription to ${title}`;
  const text = signedText(
    [
      'Hello,',
      '',
      `Someone, hopefully you, asked to receive the ${title} email digest at ${input.to}.`,
      '',
      'To confirm, open this link:',
      input.confirmUrl,
      '',
      `The link works for ${input.validDays} days. If you did not ask for this, ignore this message: ` +
        'you will not be subscribed and will hear nothing more from us.',
    ],
    input.site,
  );
  const html = page(
    subject,
    [
      'Hello,',
      `Someone, hopefully you, asked to receive the ${escapeHtml(title)} email digest at ` +
        `<strong>${escapeHtml(input.to)}</strong>.`,
      'To confirm, press the button below.',
    ],
    { href: input.confirmUrl, label: 'Confirm my subscription' },
    `The link works for ${input.validDays} days. If you did not ask for this, ignore this message: ` +
      `you will not be subscribed. — <a href="${escapeHtml(url)}" style="color:#555555">${escapeHtml(title)}</a>`,
  );
  return { ...base(input, 'confirm', subject), text, html };
}

/** Tells the owner of an active address that a new subscription was asked for, and how to leave. */
export function alreadySubscribedMessage(input: NoticeInput & { unsubscribeUrl: string }): MailMessage {
  const { title, url } = input.site;
  const subject = `You are already subscribed to ${title}`;
  const text = signedText(
    [
      'Hello,',
      '',
      `Someone, probably you, asked to subscribe ${input.to} to the ${title} email digest. ` +
        'This address already receives it, so nothing changes.',
      '',
      'If you would rather stop receiving it, unsubscribe here:',
      input.unsubscribeUrl,
    ],
    input.site,
  );
  const html = page(
    subject,
    [
      'Hello,',
      `Someone, probably you, asked to subscribe <strong>${escapeHtml(input.to)}</strong> ` +
        `to the ${escapeHtml(title)} email digest. This address already receives it, so nothing changes.`,
      'If you would rather stop receiving it:',
    ],
    { href: input.unsubscribeUrl, label: 'Unsubscribe' },
    `<a href="${escapeHtml(url)}" style="color:#555555">${escapeHtml(title)}</a>`,
  );
  return { ...base(input, 'subscribed', subject), text, html };
}
