// Header values built from content and config: never a CR or LF, whatever the input holds.
import { base32 } from '../base32.ts';
import { createHmac } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { count } from '../plural.ts';

// C0 and C1 controls plus the Unicode line and paragraph separators: any of them could end a header line somewhere.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** One line of text: controls become spaces, runs of white space collapse, ends are trimmed. */
export function oneLine(text: string): string {
  return text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

/** The placeholders a subject template may hold. */
export const SUBJECT_PLACEHOLDERS = ['site', 'count', 'items', 'date'] as const;

/**
 * Fills `{{site}}`, `{{count}}` (the number), `{{items}}` (`1 new item`, `3 new items`, `no new items`, by
 * English plural rules) and `{{date}}`; any other `{{name}}` is reported by `unknownPlaceholders`.
 */
export function fillSubject(
  template: string,
  values: { site: string; count: number; date: string; items?: string },
): string {
  const map: Record<string, string> = {
    site: values.site,
    count: String(values.count),
    items: values.items ?? (values.count === 0 ? 'no new items' : count(values.count, 'new item', 'new items')),
    date: values.date,
  };
  return oneLine(template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => map[name] ?? whole));
}

/** Placeholders in a subject template that `fillSubject` does not know. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)]
    .map((m) => m[1]!)
    .filter((n) => !(SUBJECT_PLACEHOLDERS as readonly string[]).includes(n));
}

/** The key Message-IDs are made with: one of its own, derived from the signing secret. */
export function messageIdKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('gazette message-id v1').digest();
}

/**
 * `<32 base32 characters>@<domain>`: an HMAC of (edition, subscriber) under `key`, so the same pair
 * always gives the same id (a bounce quoting it finds its delivery row) and the id tells nothing
 * about the edition, the subscriber or how many there are.
 */
export function digestMessageId(
  editionId: string,
  subscriberId: string | number,
  domain: string,
  key: Buffer | string,
): string {
  const mac = createHmac('sha256', key).update(`${editionId}\u0000${subscriberId}`, 'utf8').digest();
  return `${base32(mac.subarray(0, 20))}@${domainOf(domain)}`;
}

/** A domain as it goes on the wire: an A-label (punycode), lower case; '' when it is not a valid domain. */
export function asciiDomain(domain: string): string {
  return domainToASCII(domain.trim().replace(/\.$/, ''));
}

/** The domain of an address (or a bare domain) as an A-label, lower-cased, limited to host-name characters. */
export function domainOf(addressOrDomain: string): string {
  const at = addressOrDomain.lastIndexOf('@');
  const raw = at >= 0 ? addressOrDomain.slice(at + 1) : addressOrDomain;
  const domain = (asciiDomain(raw) || raw).toLowerCase().replace(/[^a-z0-9.-]/g, '');
  return domain === '' ? 'localhost' : domain;
}

// Phrase of a header display name: atoms and spaces stand as they are, anything else is quoted.
function phrase(name: string): string {
  const clean = oneLine(name);
  if (/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(clean)) return clean;
  return `"${clean.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * RFC 2919 List-Id: `CARICC News <news.caricc.org>`. `listId` may be the bare identifier
 * (the site title becomes the description) or already `Description <identifier>`.
 */
export function listIdHeader(listId: string, siteTitle: string): string {
  const full = /^(.*)<([^<>]+)>\s*$/.exec(oneLine(listId));
  const description = full ? full[1]!.trim() : siteTitle;
  const id = listIdentifier(listId);
  return description === '' ? `<${id}>` : `${phrase(description)} <${id}>`;
}

/** The identifier of `digest.list_id` (the part in angle brackets when it has a description). */
export function listIdentifier(listId: string): string {
  const full = /^(.*)<([^<>]+)>\s*$/.exec(oneLine(listId));
  return (full ? full[2]! : oneLine(listId))
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-');
}

/**
 * Gmail's Feedback-ID, `campaign:customer:mail type:sender`: the edition, the list, `digest`, `gazette`.
 * Complaints are reported per value, so a bad edition stands out; nothing in it is about a subscriber.
 */
export function feedbackIdHeader(editionId: string, listId: string): string {
  const campaign = oneLine(editionId).replace(/[^A-Za-z0-9._-]/g, '-');
  return `${campaign}:${listIdentifier(listId)}:digest:gazette`;
}

/** A URL safe inside `<…>` of a List-Unsubscribe header: parsed, re-serialized, commas encoded. */
export function headerUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  // The WHATWG serializer percent-encodes spaces, quotes and angle brackets and drops tabs and newlines.
  return parsed.href.replace(/,/g, '%2C');
}

/** RFC 2369 / RFC 8058 List-Unsubscribe: the one-click https URL first, then a mailto fallback. */
export function listUnsubscribeHeader(httpsUrl: string, mailbox: string, token: string | undefined): string {
  const subject = token ? `unsubscribe-${encodeURIComponent(oneLine(token))}` : 'unsubscribe';
  const to = mailbox.replace(/[^A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]/g, '');
  return `<${httpsUrl}>, <mailto:${to}?subject=${subject}>`;
}
