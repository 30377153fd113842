// Digest + one recipient → one MailMessage: string joins and a handful of headers, nothing that scans the HTML.
import type { Config } from '../config/schema.ts';
import type { MailMessage } from '../mail/message.ts';
import { GazetteError } from '../errors.ts';
import type { Digest } from './compose.ts';
import { digestMessageId, headerUrl, listIdHeader, listUnsubscribeHeader, oneLine } from './header.ts';
import { fillSlots, type SlotValues } from './slots.ts';

export interface DigestRecipient {
  subscriberId: string | number;
  email: string;
  name?: string | null;
  /** Absolute https URL that unsubscribes this recipient in one click (RFC 8058 POST) or by visiting it. */
  unsubscribeUrl: string;
  /** Token for the mailto: unsubscribe subject; defaults to the `token` query parameter of `unsubscribeUrl`. */
  unsubscribeToken?: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** The same values, escaped for the HTML part. */
export function escapeSlotValues(values: SlotValues): SlotValues {
  return {
    greeting: escapeHtml(values.greeting),
    email: escapeHtml(values.email),
    unsubscribeUrl: escapeHtml(values.unsubscribeUrl),
    unsubscribeLabel: escapeHtml(values.unsubscribeLabel),
  };
}

// An address we can put in a To header as it is: no quoting, no comments, no white space, no controls.
const PLAIN_ADDRESS = /^[^\s<>()",;:\\@\u0000-\u001f\u007f]+@[^\s<>()",;:\\@\u0000-\u001f\u007f]+$/u;

/**
 * The message for one recipient. Per call: a few escapes of short values, two joins of the
 * pre-cut parts and the headers; the HTML is never parsed or scanned.
 */
export function personalize(digest: Digest, recipient: DigestRecipient, config: Config): MailMessage {
  const email = recipient.email.trim();
  if (!PLAIN_ADDRESS.test(email)) {
    throw new GazetteError('DIGEST_RECIPIENT_INVALID', `subscriber ${oneLine(String(recipient.subscriberId))}: not a usable email address`);
  }
  const unsubscribeUrl = headerUrl(recipient.unsubscribeUrl);
  if (unsubscribeUrl === null) {
    throw new GazetteError('DIGEST_RECIPIENT_INVALID', `subscriber ${oneLine(String(recipient.subscriberId))}: unsubscribe URL must be an absolute http(s) URL`);
  }
  const name = oneLine(recipient.name ?? '').slice(0, 100);
  const values: SlotValues = {
    greeting: name === '' ? 'Hello,' : `Hello ${name},`,
    email,
    unsubscribeUrl,
    unsubscribeLabel: 'Unsubscribe',
  };
  const token = recipient.unsubscribeToken ?? new URL(unsubscribeUrl).searchParams.get('token') ?? undefined;
  const { digest: dc, site } = config;

  const message: MailMessage = {
    from: { name: oneLine(dc.from.name), address: oneLine(dc.from.address) },
    to: email,
    subject: oneLine(digest.subject),
    text: fillSlots(digest.text, values),
    html: fillSlots(digest.html, escapeSlotValues(values)),
    messageId: digestMessageId(digest.editionId, recipient.subscriberId, dc.from.address),
    date: digest.date,
    headers: {
      'List-Id': listIdHeader(dc.listId, site.title),
      'List-Unsubscribe': listUnsubscribeHeader(unsubscribeUrl, dc.unsubscribeMailbox, token),
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Archive': `<${headerUrl(`${site.url}archive/`) ?? site.url}>`,
    },
  };
  if (dc.replyTo) message.replyTo = oneLine(dc.replyTo);
  return message;
}

/** The reader the preview is addressed to: a reserved example.com address, a link that unsubscribes nobody. */
export function sampleRecipient(config: Config): DigestRecipient {
  return { subscriberId: 'preview', email: 'reader@example.com', name: 'Sample Reader', unsubscribeUrl: `${config.site.url}unsubscribe?token=preview` };
}
