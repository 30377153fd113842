// What a bounce means, decided in one place: a pure function of the status codes and the server's words.
// Hard: the address is wrong for good (no such mailbox, disabled, no such domain). Soft: it may pass later, or it
// is about this message rather than the reader (mailbox full, message too big, spam and policy blocks).

export type BounceClass = 'hard' | 'soft';

/** The enhanced status code (RFC 3463) in a text, e.g. `5.1.1` out of `550 5.1.1 <x@y>: User unknown`. */
export function enhancedCode(text: string | undefined): string | undefined {
  return text ? /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1] : undefined;
}

/** The basic SMTP reply code at the start of a reply, or after `smtp;` in a Diagnostic-Code. */
function basicCode(text: string | undefined): number | undefined {
  const m = text ? /(?:^|;\s*|\s)([245]\d\d)(?=[\s-])/.exec(text) : null;
  return m ? Number(m[1]) : undefined;
}

/** Permanent failures that are about the message or the sender, not the reader's address. */
function softPermanent(code: string): boolean {
  return code === '5.2.2' || code === '5.2.3' || code === '5.3.4' || code.startsWith('5.7.');
}

/**
 * The class of a failed delivery from its DSN Status and Diagnostic-Code (or an SMTP reply): the most specific
 * enhanced code wins (a generic `5.0.0` Status defers to the code in the diagnostic); without one, the basic
 * SMTP code (5xx hard, 4xx soft). Undefined when nothing says it failed.
 */
export function classifyStatus(status: string | undefined, diagnostic: string | undefined): BounceClass | undefined {
  const fromStatus = enhancedCode(status);
  const fromDiagnostic = enhancedCode(diagnostic);
  const code =
    fromStatus && !/^[45]\.0\.0$/.test(fromStatus) ? fromStatus : (fromDiagnostic ?? fromStatus ?? undefined);
  if (code) {
    if (code.startsWith('4.')) return 'soft';
    if (code.startsWith('5.')) return softPermanent(code) ? 'soft' : 'hard';
    return undefined;
  }
  const basic = basicCode(diagnostic);
  if (basic === undefined) return undefined;
  if (basic >= 500) return basic === 552 || basic === 554 ? 'soft' : 'hard';
  return basic >= 400 ? 'soft' : undefined;
}

/**
 * A synchronous refusal at RCPT TO or after DATA, as a bounce: 5.1.x (bad address) and 5.2.1 (mailbox disabled)
 * are hard; other refusals classified as a DSN would be. Undefined for a reply that is not a refusal.
 */
export function classifyReply(responseCode: number | null, text: string): BounceClass | undefined {
  if (responseCode === null || responseCode < 400) return undefined;
  const code = enhancedCode(text);
  if (code && (code.startsWith('5.1.') || code === '5.2.1')) return 'hard';
  return classifyStatus(code, `${responseCode} ${text}`);
}

/** What gazette does about an event, given the subscriber's recent history. */
export type EventAction = 'bounced' | 'unsubscribed' | 'counted' | 'none';

/**
 * The policy: a hard bounce makes the subscriber bounced at once; soft bounces only after `softLimit` editions in
 * a row each had one (`softEditionsInARow` counts this one); a complaint or an unsubscribe by mail unsubscribes.
 */
export function decide(
  event: { type: 'bounce' | 'complaint' | 'unsubscribe'; class?: BounceClass | undefined },
  softEditionsInARow: number,
  softLimit: number,
): EventAction {
  if (event.type === 'complaint' || event.type === 'unsubscribe') return 'unsubscribed';
  if (event.class === 'hard') return 'bounced';
  if (event.class === 'soft') return softEditionsInARow >= softLimit ? 'bounced' : 'counted';
  return 'none';
}
