// POST /hooks/ses: Amazon SES bounce and complaint notifications, delivered by SNS. Only messages of the topics
// configured (SES_SNS_TOPIC_ARNS) are taken: anyone can point a topic of their own at this URL, and SNS would sign
// its messages all the same.
import type { ProviderEvent } from '../ports.ts';
import { address, field, isRecord, parseJson, rawText, refused, type Hook, type HookResult } from './hook.ts';
import type { HttpGet } from './http-get.ts';
import type { RecentSet } from './recent.ts';
import { snsUrl, type SnsVerifier } from './sns.ts';

export interface SesHookOptions {
  topicArns: readonly string[];
  verifier: SnsVerifier;
  /** GETs a SubscribeURL. */
  get: HttpGet;
  /** SNS message ids already taken: SNS delivers at least once, and a captured message could be posted again. */
  seen: RecentSet;
}

export function createSesHook(options: SesHookOptions): Hook {
  const topics = new Set(options.topicArns);
  return {
    async handle(request): Promise<HookResult> {
      const text = request.body.toString('utf8');
      const message = parseJson(text);
      if (!isRecord(message)) return refused('not an SNS message');
      const declared = request.header('x-amz-sns-message-type');
      if (declared !== undefined && declared !== message.Type)
        return refused('x-amz-sns-message-type does not match the message');
      if (typeof message.TopicArn !== 'string' || !topics.has(message.TopicArn))
        return { kind: 'refused', status: 403, reason: 'TopicArn is not one of SES_SNS_TOPIC_ARNS' };
      const verdict = await options.verifier.verify(message, request.now);
      if (!verdict.ok) return verdict.upstream ? { kind: 'failed', reason: verdict.reason } : refused(verdict.reason);

      if (message.Type === 'SubscriptionConfirmation') {
        const url = snsUrl(message.SubscribeURL);
        if (url === undefined) return refused('SubscribeURL is not https on sns.<region>.amazonaws.com');
        try {
          const answer = await options.get(url);
          if (answer.status < 200 || answer.status > 299)
            return { kind: 'failed', reason: `SubscribeURL answered ${answer.status}` };
        } catch (err) {
          return { kind: 'failed', reason: `cannot GET the SubscribeURL: ${(err as Error).message}` };
        }
        return { kind: 'events', events: [], note: 'subscription confirmed' };
      }
      if (message.Type === 'UnsubscribeConfirmation') return { kind: 'events', events: [], note: 'unsubscribed' };

      const id = message.MessageId as string;
      if (!options.seen.add(id, request.now)) return { kind: 'events', events: [], note: 'duplicate message' };
      const notification = parseJson(message.Message as string);
      const events = isRecord(notification) ? sesEvents(notification, rawText(text)) : [];
      return {
        kind: 'events',
        events,
        undo: () => options.seen.delete(id),
        ...(events.length === 0 ? { note: 'not a bounce or complaint' } : {}),
      };
    },
  };
}

/** The Message-ID the notification's mail headers carry, else SES's own id. */
function messageIdOf(mail: Record<string, unknown>): string | undefined {
  if (Array.isArray(mail.headers)) {
    for (const h of mail.headers) {
      if (isRecord(h) && typeof h.name === 'string' && h.name.toLowerCase() === 'message-id') {
        const value = field(h.value);
        if (value !== undefined) return value;
      }
    }
  }
  const common = isRecord(mail.commonHeaders) ? field(mail.commonHeaders.messageId) : undefined;
  return common ?? field(mail.messageId);
}

/**
 * An SES notification (`notificationType`, or `eventType` from a configuration set) as events, one per
 * recipient: Bounce (bounceType Permanent: hard, Transient or Undetermined: soft) and Complaint.
 */
export function sesEvents(notification: Record<string, unknown>, raw: string): ProviderEvent[] {
  const kind = notification.notificationType ?? notification.eventType;
  const mail = isRecord(notification.mail) ? notification.mail : {};
  const body = kind === 'Bounce' ? notification.bounce : kind === 'Complaint' ? notification.complaint : undefined;
  if (!isRecord(body)) return [];
  const list = kind === 'Bounce' ? body.bouncedRecipients : body.complainedRecipients;
  const recipients = Array.isArray(list) ? list.filter(isRecord) : [];
  // our digests go one recipient per message: a Message-ID names a reader only then
  const messageId = recipients.length === 1 ? messageIdOf(mail) : undefined;
  return recipients.flatMap((r): ProviderEvent[] => {
    const email = address(r.emailAddress);
    if (email === undefined) return [];
    if (kind === 'Complaint') return [{ type: 'complaint', email, messageId, source: 'ses', raw }];
    return [
      {
        type: 'bounce',
        class: body.bounceType === 'Permanent' ? 'hard' : 'soft',
        email,
        messageId,
        status: field(r.status),
        diagnostic: field(r.diagnosticCode),
        source: 'ses',
        raw,
      },
    ];
  });
}
