// POST /hooks/mailgun: Mailgun's webhooks (JSON). The body's signature is the HMAC-SHA256 of timestamp and token
// with the webhook signing key (MAILGUN_WEBHOOK_SIGNING_KEY); an old timestamp or a token seen before is a replay.
import { createHmac } from 'node:crypto';
import type { ProviderEvent } from '../ports.ts';
import { field, isRecord, parseJson, rawText, refused, type Hook, type HookResult } from './hook.ts';
import type { RecentSet } from './recent.ts';
import { sameSecret } from './secrets.ts';

export interface MailgunHookOptions {
  signingKey: string;
  /** How old a timestamp may be. */
  maxAgeMs: number;
  seen: RecentSet;
}

export function createMailgunHook(options: MailgunHookOptions): Hook {
  return {
    async handle(request): Promise<HookResult> {
      const text = request.body.toString('utf8');
      const body = parseJson(text);
      const signature = isRecord(body) && isRecord(body.signature) ? body.signature : undefined;
      const timestamp = typeof signature?.timestamp === 'string' ? signature.timestamp : undefined;
      const token = typeof signature?.token === 'string' ? signature.token : undefined;
      const given = typeof signature?.signature === 'string' ? signature.signature : undefined;
      if (!isRecord(body) || timestamp === undefined || token === undefined || given === undefined)
        return refused('no signature');
      const expected = createHmac('sha256', options.signingKey).update(timestamp).update(token).digest('hex');
      if (!sameSecret(given.toLowerCase(), expected)) return refused('bad signature');
      if (!/^\d{1,12}$/.test(timestamp) || Math.abs(request.now - Number(timestamp) * 1000) > options.maxAgeMs)
        return refused('timestamp too old or in the future');
      if (!options.seen.add(token, request.now)) return refused('token already used');
      const data = body['event-data'];
      if (!isRecord(data)) {
        options.seen.delete(token);
        return { kind: 'invalid', reason: 'no event-data' };
      }
      return { kind: 'events', events: mailgunEvent(data, rawText(text)), undo: () => options.seen.delete(token) };
    },
  };
}

/** A Mailgun event as gazette's: failed (severity permanent: hard, temporary: soft) and complained. */
export function mailgunEvent(data: Record<string, unknown>, raw: string): ProviderEvent[] {
  const email = field(data.recipient);
  if (email === undefined) return [];
  const message = isRecord(data.message) ? data.message : {};
  const headers = isRecord(message.headers) ? message.headers : {};
  const base = { email, messageId: field(headers['message-id']), source: 'mailgun', raw };
  if (data.event === 'complained') return [{ ...base, type: 'complaint' }];
  if (data.event !== 'failed') return [];
  // Mailgun refuses to send to addresses on its own lists; a complaint or unsubscribe there is one here
  if (data.reason === 'suppress-complaint') return [{ ...base, type: 'complaint' }];
  if (data.reason === 'suppress-unsubscribe') return [{ ...base, type: 'unsubscribe' }];
  const dsn = isRecord(data['delivery-status']) ? data['delivery-status'] : {};
  const code = field(dsn.code);
  const words = field(dsn.message) ?? field(dsn.description);
  const diagnostic = code !== undefined && words !== undefined ? `${code} ${words}` : (words ?? code);
  const status = field(dsn['enhanced-code']);
  const severity = data.severity;
  const verdict = severity === 'permanent' ? 'hard' : severity === 'temporary' ? 'soft' : undefined;
  return [{ ...base, type: 'bounce', class: verdict, status, diagnostic }];
}
