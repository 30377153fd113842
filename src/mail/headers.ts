// Checks a MailMessage before sending: no header can be split or forged by content.
import { MailError } from './errors.ts';
import type { MailMessage } from './message.ts';

// Headers a MailMessage sets through its own fields; a second copy in `headers` would be ambiguous.
const RESERVED = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'message-id',
  'date',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
]);
const HEADER_NAME = /^[!-9;-~]+$/;
const LINE_BREAK = /[\r\n]/;

function checkValue(field: string, value: string): void {
  if (LINE_BREAK.test(value)) throw new MailError('MAIL_HEADER_INVALID', `mail header ${field} contains a line break`);
}

/** Throws MailError (MAIL_HEADER_INVALID) when a header name is malformed or any header value holds CR or LF. */
export function assertSafeHeaders(message: MailMessage): void {
  checkValue('From', message.from.name);
  checkValue('From', message.from.address);
  checkValue('To', message.to);
  if (message.replyTo !== undefined) checkValue('Reply-To', message.replyTo);
  checkValue('Subject', message.subject);
  checkValue('Message-ID', message.messageId);
  if (!/^[^<>\s]+@[^<>\s]+$/.test(message.messageId)) {
    throw new MailError(
      'MAIL_HEADER_INVALID',
      `Message-ID "${message.messageId}" must look like local@domain, without angle brackets`,
    );
  }
  if (message.date !== undefined && Number.isNaN(message.date.getTime()))
    throw new MailError('MAIL_HEADER_INVALID', 'mail Date is not a valid date');
  for (const [name, value] of Object.entries(message.headers)) {
    if (!HEADER_NAME.test(name))
      throw new MailError('MAIL_HEADER_INVALID', `mail header name "${name}" is not a valid field name`);
    if (RESERVED.has(name.toLowerCase()))
      throw new MailError('MAIL_HEADER_INVALID', `mail header ${name} must be set through its own field, not headers`);
    checkValue(name, value);
  }
}
