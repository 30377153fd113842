// Digest + one recipient → one MailMessage: string joins and a handful of headers, nothing that scans the HTML.
import type { Config } from '../config/schema.ts';
import type { MailMessage, TemplateSource, TemplateValues } from '../mail/message.ts';
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
  /** This reader's List-Unsubscribe mailto: address (the return path's); default `digest.unsubscribeMailbox`. */
  unsubscribeMailbox?: string;
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

interface Recipient {
  email: string;
  values: SlotValues;
  messageId: string;
  listUnsubscribe: string;
}

/** Checks a recipient and works out what is theirs: slot values, Message-ID and List-Unsubscribe. */
function recipientParts(digest: Digest, recipient: DigestRecipient, config: Config): Recipient {
  const email = recipient.email.trim();
  if (!PLAIN_ADDRESS.test(email)) {
    throw new GazetteError(
      'DIGEST_RECIPIENT_INVALID',
      `subscriber ${oneLine(String(recipient.subscriberId))}: not a usable email address`,
    );
  }
  const unsubscribeUrl = headerUrl(recipient.unsubscribeUrl);
  if (unsubscribeUrl === null) {
    throw new GazetteError(
      'DIGEST_RECIPIENT_INVALID',
      `subscriber ${oneLine(String(recipient.subscriberId))}: unsubscribe URL must be an absolute http(s) URL`,
    );
  }
  const name = oneLine(recipient.name ?? '').slice(0, 100);
  const values: SlotValues = {
    greeting: name === '' ? 'Hello,' : `Hello ${name},`,
    email,
    unsubscribeUrl,
    unsubscribeLabel: 'Unsubscribe',
  };
  const token = recipient.unsubscribeToken ?? new URL(unsubscribeUrl).searchParams.get('token') ?? undefined;
  const dc = config.digest;
  return {
    email,
    values,
    messageId: digestMessageId(digest.editionId, recipient.subscriberId, dc.from.address),
    listUnsubscribe: listUnsubscribeHeader(
      unsubscribeUrl,
      recipient.unsubscribeMailbox ?? dc.unsubscribeMailbox,
      token,
    ),
  };
}

/** The headers every recipient of the digest shares, in the order they are written, around List-Unsubscribe. */
function listHeaders(config: Config, listUnsubscribe: string | undefined): Record<string, string> {
  const { digest: dc, site } = config;
  return {
    'List-Id': listIdHeader(dc.listId, site.title),
    ...(listUnsubscribe !== undefined ? { 'List-Unsubscribe': listUnsubscribe } : {}),
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Archive': `<${headerUrl(`${site.url}archive/`) ?? site.url}>`,
  };
}

/**
 * The message for one recipient. Per call: a few escapes of short values, two joins of the
 * pre-cut parts and the headers; the HTML is never parsed or scanned.
 */
export function personalize(digest: Digest, recipient: DigestRecipient, config: Config): MailMessage {
  const r = recipientParts(digest, recipient, config);
  const dc = config.digest;
  const message: MailMessage = {
    from: { name: oneLine(dc.from.name), address: oneLine(dc.from.address) },
    to: r.email,
    subject: oneLine(digest.subject),
    text: fillSlots(digest.text, r.values),
    html: fillSlots(digest.html, escapeSlotValues(r.values)),
    messageId: r.messageId,
    date: digest.date,
    headers: listHeaders(config, r.listUnsubscribe),
  };
  if (dc.replyTo) message.replyTo = oneLine(dc.replyTo);
  return message;
}

/**
 * The digest as one message for every recipient, for a mailer to compose once: what `personalize`
 * writes, with the slots, the address, the Message-ID and List-Unsubscribe left to `recipientValues`.
 */
export function digestTemplate(digest: Digest, config: Config): TemplateSource {
  const dc = config.digest;
  return {
    from: { name: oneLine(dc.from.name), address: oneLine(dc.from.address) },
    ...(dc.replyTo ? { replyTo: oneLine(dc.replyTo) } : {}),
    subject: oneLine(digest.subject),
    date: digest.date,
    text: digest.text,
    html: digest.html,
    headers: listHeaders(config, undefined),
    recipientHeaders: ['List-Unsubscribe'],
  };
}

/** One recipient's values for `digestTemplate`: the same checks and values as `personalize`. */
export function recipientValues(digest: Digest, recipient: DigestRecipient, config: Config): TemplateValues {
  const r = recipientParts(digest, recipient, config);
  return {
    to: r.email,
    messageId: r.messageId,
    headers: { 'List-Unsubscribe': r.listUnsubscribe },
    text: r.values,
    html: escapeSlotValues(r.values),
  };
}

/** The reader the preview is addressed to: a reserved example.com address, a link that unsubscribes nobody. */
export function sampleRecipient(config: Config): DigestRecipient {
  return {
    subscriberId: 'preview',
    email: 'reader@example.com',
    name: 'Sample Reader',
    unsubscribeUrl: `${config.site.url}unsubscribe?token=preview`,
  };
}
