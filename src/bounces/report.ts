// Reads what an inbound message reports, through mailparser: an RFC 3464 delivery status notification, an
// RFC 5965 (ARF) complaint, or neither. The original message it quotes is read too: its Message-ID and To match
// a bounce to the delivery it is about when no token does.
import { parseFieldBlocks, parseMail, type ParsedMail } from '../adapters/mailparser.ts';

export interface OriginalMessage {
  messageId: string | undefined;
  to: string | undefined;
}

export interface RecipientStatus {
  recipient: string | undefined;
  action: string | undefined;
  status: string | undefined;
  diagnostic: string | undefined;
}

export type InboundReport =
  | { kind: 'dsn'; recipients: RecipientStatus[]; original: OriginalMessage }
  | { kind: 'arf'; feedbackType: string; recipient: string | undefined; original: OriginalMessage }
  | { kind: 'other'; original: OriginalMessage };

/** `rfc822; x@y` → `x@y`. */
function addressField(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.includes(';') ? value.slice(value.indexOf(';') + 1) : value;
  const address = v.trim().replace(/^<|>$/g, '');
  return address === '' ? undefined : address;
}

/** `smtp; 550 5.1.1 …` → `550 5.1.1 …`, unfolded. */
function diagnosticField(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = /^\s*(smtp|x-[\w-]+)\s*;/i.test(value) ? value.slice(value.indexOf(';') + 1) : value;
  return v.replace(/\s+/g, ' ').trim();
}

async function originalOf(mail: ParsedMail): Promise<OriginalMessage> {
  const part = mail.parts.find((p) => p.contentType === 'message/rfc822' || p.contentType === 'text/rfc822-headers');
  if (part) {
    const original = await parseMail(part.content);
    return { messageId: original.messageId, to: original.to[0] };
  }
  // some reports quote only the Message-ID, in the report or among their own fields
  const quoted = mail.headers.get('x-original-message-id');
  return { messageId: quoted?.trim() || undefined, to: undefined };
}

/** What `mail` reports. */
export async function readReport(mail: ParsedMail): Promise<InboundReport> {
  const original = await originalOf(mail);
  const status = mail.parts.find(
    (p) => p.contentType === 'message/delivery-status' || p.contentType === 'message/global-delivery-status',
  );
  if (status) {
    const [perMessage, ...blocks] = await parseFieldBlocks(status.content.toString('utf8'));
    const recipients = blocks.map((b) => ({
      recipient: addressField(b.get('final-recipient') ?? b.get('original-recipient')),
      action: b.get('action')?.trim().toLowerCase(),
      status: b.get('status')?.trim(),
      diagnostic: diagnosticField(b.get('diagnostic-code')),
    }));
    const quoted = perMessage?.get('x-original-message-id')?.trim();
    return {
      kind: 'dsn',
      recipients,
      original: { messageId: original.messageId ?? quoted, to: original.to },
    };
  }
  const feedback = mail.parts.find((p) => p.contentType === 'message/feedback-report');
  if (feedback) {
    const [fields] = await parseFieldBlocks(feedback.content.toString('utf8'));
    return {
      kind: 'arf',
      feedbackType: fields?.get('feedback-type')?.trim().toLowerCase() ?? 'abuse',
      recipient: addressField(fields?.get('original-rcpt-to')) ?? original.to,
      original,
    };
  }
  return { kind: 'other', original };
}
