// Adapter for mailparser: the one module that imports it. Reads a whole message, or blocks of header fields
// (a delivery-status or feedback-report part), into plain data.
import { simpleParser, type AddressObject } from 'mailparser';

/** One MIME part that is not the message's text: attachments, reports and returned messages. */
export interface MailPart {
  contentType: string;
  content: Buffer;
}

export interface ParsedMail {
  /** Header fields by lower-case name; the first value of each, as text. */
  headers: Map<string, string>;
  subject: string;
  from: string | undefined;
  to: string[];
  messageId: string | undefined;
  text: string;
  parts: MailPart[];
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? '')).filter((a) => a !== '');
}

function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'text' in value) return String((value as { text: unknown }).text);
  if (value && typeof value === 'object' && 'value' in value) return String((value as { value: unknown }).value);
  if (value instanceof Date) return value.toISOString();
  return value === undefined || value === null ? '' : String(value);
}

/** Parses a message; report parts (message/delivery-status, message/feedback-report) are kept as parts. */
export async function parseMail(raw: Buffer | string): Promise<ParsedMail> {
  // a returned message is read as a part of its own, whatever its disposition says
  const mail = await simpleParser(raw, {
    keepDeliveryStatus: true,
    ignoreEmbedded: true,
    skipHtmlToText: true,
    skipTextLinks: true,
  });
  const headers = new Map<string, string>();
  for (const [name, value] of mail.headers) if (!headers.has(name)) headers.set(name, headerText(value));
  return {
    headers,
    subject: mail.subject ?? '',
    from: addresses(mail.from)[0],
    to: addresses(mail.to),
    messageId: mail.messageId,
    text: mail.text ?? '',
    parts: mail.attachments.map((a) => ({ contentType: a.contentType.toLowerCase(), content: a.content })),
  };
}

/**
 * Reads the blocks of header-style fields a report part holds (RFC 3464 §2.1: one block for the message, one
 * per recipient, separated by blank lines), each by lower-case field name.
 */
export async function parseFieldBlocks(text: string): Promise<Map<string, string>[]> {
  const blocks = text
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .filter((b) => b.trim() !== '');
  const out: Map<string, string>[] = [];
  for (const block of blocks) {
    const parsed = await simpleParser(`${block.trim()}\n\n`, { skipHtmlToText: true, skipTextLinks: true });
    const fields = new Map<string, string>();
    for (const [name, value] of parsed.headers) if (!fields.has(name)) fields.set(name, headerText(value));
    out.push(fields);
  }
  return out;
}
