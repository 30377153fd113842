// POST /hooks/sendgrid: SendGrid's Signed Event Webhook. The ECDSA (P-256, SHA-256) signature in
// X-Twilio-Email-Event-Webhook-Signature is over the timestamp header followed by the raw body, checked with the
// public key SendGrid shows in its settings (SENDGRID_WEBHOOK_PUBLIC_KEY); an old timestamp or a signature seen
// before is a replay.
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { ProviderEvent } from '../ports.ts';
import { field, isRecord, parseJson, rawText, refused, type Hook, type HookResult } from './hook.ts';
import type { RecentSet } from './recent.ts';

export const SENDGRID_SIGNATURE = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';

/** The verification key as SendGrid shows it (base64 DER SubjectPublicKeyInfo), or as PEM. */
export function sendgridPublicKey(text: string): KeyObject {
  const key = text.includes('-----BEGIN')
    ? createPublicKey(text)
    : createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec') throw new Error('not an elliptic-curve public key');
  return key;
}

export interface SendgridHookOptions {
  publicKey: string;
  /** How old a timestamp may be. */
  maxAgeMs: number;
  seen: RecentSet;
}

export function createSendgridHook(options: SendgridHookOptions): Hook {
  const key = sendgridPublicKey(options.publicKey);
  return {
    async handle(request): Promise<HookResult> {
      const signature = request.header(SENDGRID_SIGNATURE);
      const timestamp = request.header(SENDGRID_TIMESTAMP);
      if (!signature || !timestamp) return refused('no signature or timestamp header');
      let valid = false;
      try {
        const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), request.body]);
        valid = verifySignature('sha256', signed, key, Buffer.from(signature, 'base64'));
      } catch {
        valid = false;
      }
      if (!valid) return refused('bad signature');
      const at = Number(timestamp) * 1000;
      if (!/^\d{1,12}$/.test(timestamp) || Math.abs(request.now - at) > options.maxAgeMs)
        return refused('timestamp too old or in the future');
      if (!options.seen.add(signature, request.now)) return refused('signature already used');
      const undo = () => options.seen.delete(signature);
      const batch = parseJson(request.body.toString('utf8'));
      if (!Array.isArray(batch)) {
        undo();
        return { kind: 'invalid', reason: 'the body is not a JSON array of events' };
      }
      return { kind: 'events', events: batch.filter(isRecord).flatMap(sendgridEvent), undo };
    },
  };
}

/** One SendGrid event as gazette's: bounce (type bounce or blocked), dropped, spamreport; others are not ours. */
export function sendgridEvent(event: Record<string, unknown>): ProviderEvent[] {
  const email = field(event.email);
  if (email === undefined) return [];
  const base = { email, messageId: field(event['smtp-id']), source: 'sendgrid', raw: rawText(JSON.stringify(event)) };
  const diagnostic = field(event.reason);
  switch (event.event) {
    case 'bounce':
      // "blocked" is SendGrid's temporary refusal; a "bounce" is permanent unless its status says otherwise
      return event.type === 'blocked'
        ? [{ ...base, type: 'bounce', class: 'soft', status: field(event.status), diagnostic }]
        : [{ ...base, type: 'bounce', fallbackClass: 'hard', status: field(event.status), diagnostic }];
    case 'dropped':
      return droppedEvent(base, diagnostic);
    case 'spamreport':
      return [{ ...base, type: 'complaint' }];
    default:
      return [];
  }
}

/** A message SendGrid did not send, for a reason about the reader (others are about the message or account). */
function droppedEvent(base: Omit<ProviderEvent, 'type'>, reason: string | undefined): ProviderEvent[] {
  switch (reason) {
    case 'Bounced Address':
    case 'Invalid':
      return [{ ...base, type: 'bounce', class: 'hard', diagnostic: `dropped: ${reason}` }];
    case 'Spam Reporting Address':
      return [{ ...base, type: 'complaint', diagnostic: `dropped: ${reason}` }];
    case 'Unsubscribed Address':
      return [{ ...base, type: 'unsubscribe', diagnostic: `dropped: ${reason}` }];
    default:
      return [];
  }
}
