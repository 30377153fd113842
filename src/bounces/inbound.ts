// One inbound message, from the listener or a mailbox: whom it is about (the token of the address it came to,
// the Message-ID it quotes, the recipient it names) and what it reports, recorded as events.
import { parseMail } from '../adapters/mailparser.ts';
import { errorMessage, GazetteError } from '../errors.ts';
import { classifyStatus } from './classify.ts';
import { recordMailEvent, type BounceDeps, type RecordedEvent } from './events.ts';
import { readReport } from './report.ts';
import { readVerpAddress, type VerpClaims } from './verp.ts';

export interface InboundOutcome {
  /** What the message was: a bounce report, a complaint, an unsubscribe by mail, or nothing gazette reads. */
  kind: 'dsn' | 'arf' | 'unsubscribe' | 'other';
  events: RecordedEvent[];
}

/** The token claims of the first recipient address that carries one. */
function claimsOf(deps: BounceDeps, addresses: readonly string[]): VerpClaims | undefined {
  const bounceAddress = deps.config.digest.bounceAddress;
  if (!bounceAddress) return undefined;
  for (const a of addresses) {
    const claims = readVerpAddress(bounceAddress, deps.secret, a);
    if (claims && typeof claims === 'object') return claims;
  }
  return undefined;
}

/**
 * Reads and records one message sent to gazette's return path. `recipients` are the envelope's (the listener) or
 * the message's own To and Delivered-To (a mailbox). Throws MAIL_UNPARSABLE when the message cannot be parsed,
 * and the store's own error when an event cannot be recorded.
 */
export async function handleInboundMail(
  deps: BounceDeps,
  raw: Buffer,
  recipients: readonly string[],
  source: string,
): Promise<InboundOutcome> {
  let mail: Awaited<ReturnType<typeof parseMail>>;
  let report: Awaited<ReturnType<typeof readReport>>;
  try {
    mail = await parseMail(raw);
    report = await readReport(mail);
  } catch (err) {
    throw new GazetteError('MAIL_UNPARSABLE', `cannot parse the message: ${errorMessage(err)}`, { cause: err });
  }
  const delivered = [mail.headers.get('delivered-to'), mail.headers.get('x-original-to')].filter(
    (a): a is string => typeof a === 'string' && a !== '',
  );
  const claims = claimsOf(deps, [...recipients, ...delivered, ...mail.to]);
  const keep = deps.config.bounces.keepRawDays > 0 ? raw.toString('utf8') : undefined;
  const token = claims ? { subscriberId: claims.subscriberId, editionId: claims.editionId } : {};

  if (claims?.kind === 'unsubscribe') {
    const event = await recordMailEvent(deps, {
      type: 'unsubscribe',
      ...token,
      diagnostic: mail.subject ? `mailto: unsubscribe, subject "${mail.subject.slice(0, 200)}"` : 'mailto: unsubscribe',
      source,
      raw: keep,
    });
    return { kind: 'unsubscribe', events: [event] };
  }

  if (report.kind === 'dsn') {
    const events: RecordedEvent[] = [];
    for (const r of report.recipients) {
      // delayed, delivered, relayed, expanded: not a failure
      if (r.action !== 'failed') continue;
      events.push(
        await recordMailEvent(deps, {
          type: 'bounce',
          class: classifyStatus(r.status, r.diagnostic) ?? 'soft',
          ...token,
          messageId: report.original.messageId,
          email: r.recipient ?? report.original.to,
          status: r.status,
          diagnostic: r.diagnostic,
          source,
          raw: keep,
        }),
      );
    }
    return { kind: 'dsn', events };
  }
  if (report.kind === 'arf') {
    const event = await recordMailEvent(deps, {
      type: 'complaint',
      ...token,
      messageId: report.original.messageId,
      email: report.recipient,
      diagnostic: `feedback report: ${report.feedbackType}`,
      source,
      raw: keep,
    });
    return { kind: 'arf', events: [event] };
  }
  return { kind: 'other', events: [] };
}
