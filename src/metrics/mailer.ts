// Messages handed to the mail server, counted by what it replied: a decorator of the Mailer, so what is counted is
// exactly what the transport reported to the dispatcher (which records the same outcome in the ledger), and nothing
// about sending changes.
import type { Counter } from '../adapters/prom-client.ts';
import { SmtpError, type Mailer, type RawSendOptions, type SendOptions } from '../mail/index.ts';

/**
 * `2xx`: accepted by the SMTP server; `outbox`: written as an .eml file (no SMTP_URL); `4xx`, `5xx`: refused with
 * that reply; `network`: no reply (connection refused or lost, timeout, TLS); `local`: refused before any server saw
 * it (a malformed header, the outbox's disk).
 */
export type ReplyClass = '2xx' | 'outbox' | '4xx' | '5xx' | 'network' | 'local';

/** What the message was, from the outbox folder its sender names. */
export type MessageKind = 'digest' | 'test' | 'confirmation' | 'other';

function kindOf(options: SendOptions | undefined): MessageKind {
  const folder = options?.folder;
  if (folder === undefined) return 'other';
  if (folder.startsWith('edition-')) return 'digest';
  if (folder === 'test') return 'test';
  if (folder === 'subscriptions') return 'confirmation';
  return 'other';
}

export function replyClassOf(err: unknown): ReplyClass {
  if (err instanceof SmtpError) {
    const code = err.responseCode;
    if (code === undefined) return 'network';
    if (code >= 500) return '5xx';
    if (code >= 400) return '4xx';
    return 'network';
  }
  return 'local';
}

/** `mailer`, counting each message's outcome into `counter` (labels `kind`, `reply_class`). */
export function countingMailer(mailer: Mailer, counter: Counter<'kind' | 'reply_class'>): Mailer {
  const accepted: ReplyClass = mailer.mode === 'smtp' ? '2xx' : 'outbox';
  const observe = async <T>(options: SendOptions | undefined, send: () => Promise<T>, abandoned?: () => boolean) => {
    const kind = kindOf(options);
    try {
      const result = await send();
      counter.labels(kind, accepted).inc();
      return result;
    } catch (err) {
      // a message its sender withdrew before the end (its ledger mark was refused) went nowhere: not an outcome
      if (!abandoned?.()) counter.labels(kind, replyClassOf(err)).inc();
      throw err;
    }
  };
  const wrapped: Mailer = {
    mode: mailer.mode,
    send: (message, options) => observe(options, () => mailer.send(message, options)),
    close: () => mailer.close(),
  };
  if (mailer.compile) wrapped.compile = mailer.compile.bind(mailer);
  if (mailer.sendRaw) {
    const sendRaw = mailer.sendRaw.bind(mailer);
    wrapped.sendRaw = (message, options?: RawSendOptions) => {
      let withdrawn = false;
      options?.ready?.catch(() => {
        withdrawn = true;
      });
      return observe(
        options,
        () => sendRaw(message, options),
        () => withdrawn,
      );
    };
  }
  return wrapped;
}
