// Digest + one recipient → one MailMessage: string joins and a handful of headers, nothing that scans the HTML.
import type { Config } from '../config/schema.ts';
import type { MailMessage, TemplateSource, TemplateValues } from '../mail/message.ts';
import { GazetteError } from '../errors.ts';
import type { Digest } from './compose.ts';
import {
  asciiDomain,
  digestMessageId,
  feedbackIdHeader,
  headerUrl,
  listIdHeader,
  listUnsubscribeHeader,
  messageIdKey,
  oneLine,
} from './header.ts';
import { fillSlots, type SlotValues } from './slots.ts';
import { ENGLISH_WORDS } from './words.ts';

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
  /** Absolute URL of this reader's preferences page (language, topics, pause); default: the site's subscribe form. */
  preferencesUrl?: string;
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
    preferencesUrl: escapeHtml(values.preferencesUrl),
  };
}

// An address we can put in a To header as it is: no quoting, no comments, no white space, no controls.
const PLAIN_ADDRESS = /^[^\s<>()",;:\\@\u0000-\u001f\u007f]+@[^\s<>()",;:\\@\u0000-\u001f\u007f]+$/u;

interface Recipient {
  /** The address as it goes out: the domain an A-label. */
  to: string;
  values: SlotValues;
  messageId: string;
  listUnsubscribe: string;
}

/**
 * Checks a recipient and works out what is theirs: slot values, Message-ID and List-Unsubscribe.
 * The Message-ID is made with `secret` (GAZETTE_SECRET); without it, with the recipient's signed
 * unsubscribe link, which is as deterministic but changes with the link.
 */
function recipientParts(digest: Digest, recipient: DigestRecipient, config: Config, secret?: string): Recipient {
  const email = recipient.email.trim();
  const at = email.lastIndexOf('@');
  // the domain goes out as an A-label in To and the envelope; a local part outside ASCII needs SMTPUTF8
  const domain = at > 0 ? asciiDomain(email.slice(at + 1)) : '';
  if (!PLAIN_ADDRESS.test(email) || domain === '') {
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
  const words = digest.words ?? ENGLISH_WORDS;
  const preferencesUrl =
    recipient.preferencesUrl === undefined
      ? `${config.site.url}#subscribe-heading`
      : headerUrl(recipient.preferencesUrl);
  if (preferencesUrl === null) {
    throw new GazetteError(
      'DIGEST_RECIPIENT_INVALID',
      `subscriber ${oneLine(String(recipient.subscriberId))}: preferences URL must be an absolute http(s) URL`,
    );
  }
  const values: SlotValues = {
    greeting: name === '' ? words.greeting : `${words.greetingName[0]}${name}${words.greetingName[1]}`,
    email,
    unsubscribeUrl,
    unsubscribeLabel: words.unsubscribe,
    preferencesUrl,
  };
  const token = recipient.unsubscribeToken ?? new URL(unsubscribeUrl).searchParams.get('token') ?? undefined;
  const dc = config.digest;
  const key = secret !== undefined ? messageIdKey(secret) : `gazette message-id link ${unsubscribeUrl}`;
  return {
    to: `${email.slice(0, at)}@${domain}`,
    values,
    messageId: digestMessageId(digest.editionId, recipient.subscriberId, dc.from.address, key),
    listUnsubscribe: listUnsubscribeHeader(
      unsubscribeUrl,
      recipient.unsubscribeMailbox ?? dc.unsubscribeMailbox,
      token,
    ),
  };
}

/**
 * The headers every recipient of the edition shares, in the order they are written, around
 * List-Unsubscribe: the list headers, then those that mark bulk mail sent by a program (no
 * auto-replies, no vacation notices) and Gmail's Feedback-ID.
 */
function listHeaders(digest: Digest, config: Config, listUnsubscribe: string | undefined): Record<string, string> {
  const { digest: dc, site } = config;
  return {
    'List-Id': listIdHeader(dc.listId, site.title),
    ...(listUnsubscribe !== undefined ? { 'List-Unsubscribe': listUnsubscribe } : {}),
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Archive': `<${headerUrl(`${site.url}archive/`) ?? site.url}>`,
    Precedence: 'bulk',
    'Auto-Submitted': 'auto-generated',
    'Feedback-ID': feedbackIdHeader(digest.editionId, dc.listId),
  };
}

/**
 * The message for one recipient. Per call: a few escapes of short values, two joins of the
 * pre-cut parts and the headers; the HTML is never parsed or scanned. It has no Date: the mailer
 * dates it as it hands it over. `secret` (GAZETTE_SECRET) makes the Message-ID (see recipientParts).
 */
export function personalize(digest: Digest, recipient: DigestRecipient, config: Config, secret?: string): MailMessage {
  const r = recipientParts(digest, recipient, config, secret);
  const dc = config.digest;
  const message: MailMessage = {
    from: { name: oneLine(dc.from.name), address: oneLine(dc.from.address) },
    to: r.to,
    subject: oneLine(digest.subject),
    text: fillSlots(digest.text, r.values),
    html: fillSlots(digest.html, escapeSlotValues(r.values)),
    messageId: r.messageId,
    headers: listHeaders(digest, config, r.listUnsubscribe),
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
    text: digest.text,
    html: digest.html,
    headers: listHeaders(digest, config, undefined),
    recipientHeaders: ['List-Unsubscribe'],
  };
}

/**
 * One recipient's values for `digestTemplate`: the same checks and values as `personalize`, no Date
 * either (the mailer's template dates the message as it renders it, just before handing it over).
 */
export function recipientValues(
  digest: Digest,
  recipient: DigestRecipient,
  config: Config,
  secret?: string,
): TemplateValues {
  const r = recipientParts(digest, recipient, config, secret);
  return {
    to: r.to,
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
    preferencesUrl: `${config.site.url}preferences?token=preview`,
  };
}
