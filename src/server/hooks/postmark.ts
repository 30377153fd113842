// POST /hooks/postmark: Postmark's bounce and spam complaint webhooks, behind HTTP basic auth with the user and
// password set in the webhook's URL (POSTMARK_WEBHOOK_AUTH=user:password); Postmark signs nothing else.
import type { ProviderEvent } from '../ports.ts';
import { field, isRecord, parseJson, rawText, refused, type Hook, type HookResult } from './hook.ts';
import { sameSecret } from './secrets.ts';

const CHALLENGE = { 'www-authenticate': 'Basic realm="gazette hooks", charset="UTF-8"' };

export function createPostmarkHook(options: { auth: string }): Hook {
  return {
    async handle(request): Promise<HookResult> {
      const header = request.header('authorization');
      const match = header ? /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header) : null;
      if (!match) return refused('no basic auth', CHALLENGE);
      if (!sameSecret(Buffer.from(match[1]!, 'base64'), Buffer.from(options.auth, 'utf8')))
        return refused('wrong user or password', CHALLENGE);
      const text = request.body.toString('utf8');
      const record = parseJson(text);
      if (!isRecord(record)) return { kind: 'invalid', reason: 'the body is not a JSON object' };
      return { kind: 'events', events: postmarkEvent(record, rawText(text)) };
    },
  };
}

const HARD = new Set(['HardBounce', 'BadEmailAddress']);
const SOFT = new Set(['SoftBounce', 'Transient', 'DnsError']);
/** Bounce types that are not a failed delivery to the reader. */
const NOT_BOUNCES = new Set([
  'AutoResponder',
  'Subscribe',
  'OpenRelayTest',
  'VirusNotification',
  'ChallengeVerification',
  'SpamNotification',
  'AddressChange',
]);

/**
 * A Postmark record as gazette's: RecordType Bounce (Type HardBounce: hard, SoftBounce or Transient: soft; others
 * classified by their Details) and SpamComplaint.
 */
export function postmarkEvent(record: Record<string, unknown>, raw: string): ProviderEvent[] {
  const email = field(record.Email);
  if (email === undefined) return [];
  const base = { email, messageId: field(record.MessageID), source: 'postmark', raw };
  const type = field(record.Type);
  if (record.RecordType === 'SpamComplaint' || (record.RecordType === 'Bounce' && type === 'SpamComplaint'))
    return [{ ...base, type: 'complaint' }];
  if (record.RecordType !== 'Bounce' || type === undefined || NOT_BOUNCES.has(type)) return [];
  if (type === 'Unsubscribe') return [{ ...base, type: 'unsubscribe' }];
  const description = field(record.Description);
  const details = field(record.Details);
  const diagnostic = details !== undefined && description !== undefined ? `${details} (${description})` : details;
  const verdict = HARD.has(type) ? 'hard' : SOFT.has(type) ? 'soft' : undefined;
  return [{ ...base, type: 'bounce', class: verdict, diagnostic: diagnostic ?? description }];
}
