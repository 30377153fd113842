// Adapter for nodemailer: pooled SMTP sending and RFC 5322 composition (for .eml files); the one module that imports it.
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { SmtpError } from '../mail/errors.ts';
import type { MailMessage } from '../mail/message.ts';

export interface SmtpPoolOptions {
  /** Parallel SMTP connections (default 4). */
  maxConnections?: number;
  /** Messages per connection before it is replaced (default 100). */
  maxMessages?: number;
  /** At most `rateLimit` messages every `rateDelta` milliseconds (default: unlimited). */
  rateLimit?: number;
  rateDelta?: number;
}

export interface DkimOptions {
  domainName: string;
  keySelector: string;
  /** PEM private key. */
  privateKey: string;
  /** Extra headers to sign, colon-separated, e.g. `List-Unsubscribe:List-Unsubscribe-Post`. */
  headerFieldNames?: string;
}

export interface SentInfo {
  messageId: string;
  response: string;
}

export interface SmtpSender {
  send(message: MailMessage): Promise<SentInfo>;
  close(): Promise<void>;
}

function toNodemailer(message: MailMessage): Mail.Options {
  return {
    from: { name: message.from.name, address: message.from.address },
    to: message.to,
    ...(message.replyTo !== undefined ? { replyTo: message.replyTo } : {}),
    subject: message.subject,
    text: message.text,
    ...(message.html !== undefined ? { html: message.html } : {}),
    messageId: `<${message.messageId}>`,
    date: message.date,
    headers: { ...message.headers },
    // a MailMessage is self-contained: never let content pull in local files or URLs
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

// Connection-level codes: the server or the network failed, whoever the recipient was.
const SERVER_WIDE_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EREQUIRETLS', 'EPROTOCOL', 'EPROXY', 'EAUTH', 'ENOAUTH', 'EOAUTH2', 'EMAXLIMIT', 'ECONFIG']);

interface NodemailerFailure extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  permanent?: boolean;
}

/** Maps a nodemailer error onto SmtpError: 4xx and connection failures retryable, 5xx for a recipient not. */
export function toSmtpError(err: unknown): SmtpError {
  if (err instanceof SmtpError) return err;
  const e = (err ?? {}) as NodemailerFailure;
  const command = typeof e.command === 'string' ? e.command : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  // A refusal at the greeting, AUTH or MAIL FROM concerns the sender's setup, not this recipient.
  const serverWide =
    (e.code !== undefined && SERVER_WIDE_CODES.has(e.code)) ||
    (command !== undefined && (command === 'CONN' || command === 'MAIL FROM' || command === 'RSET' || command.startsWith('AUTH') || command.startsWith('EHLO')));
  let retryable: boolean;
  if (serverWide) retryable = true;
  else if (responseCode !== undefined) retryable = e.permanent === undefined ? responseCode < 500 : !e.permanent;
  // the client refused the envelope or message itself: the same message would fail again
  else if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') retryable = false;
  else retryable = true;
  return new SmtpError(e.message || String(err), {
    transportCode: e.code,
    responseCode,
    command,
    response: e.response,
    retryable,
    serverWide,
    cause: err,
  });
}

/** A pooled SMTP transport for `url` (smtp://user:pass@host:587, smtps://…). */
export function createSmtpSender(url: string, options: { pool?: SmtpPoolOptions; dkim?: DkimOptions } = {}): SmtpSender {
  const pool = options.pool ?? {};
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: pool.maxConnections ?? 4,
    maxMessages: pool.maxMessages ?? 100,
    ...(pool.rateLimit !== undefined && pool.rateLimit > 0 ? { rateLimit: pool.rateLimit, rateDelta: pool.rateDelta ?? 1000 } : {}),
    // a message whose connection dropped is reported, not silently sent again: whether it
    // arrived is unknown, and the caller's ledger decides about another attempt
    maxRequeues: 0,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 120_000,
    ...(options.dkim ? { dkim: options.dkim } : {}),
  });
  return {
    async send(message) {
      try {
        const info = await transport.sendMail(toNodemailer(message));
        return { messageId: info.messageId, response: info.response };
      } catch (err) {
        throw toSmtpError(err);
      }
    },
    async close() {
      transport.close();
    },
  };
}

/** The message as RFC 5322 bytes (CRLF line ends), exactly as it would go over SMTP, DKIM-signed when configured. */
export async function composeMessage(message: MailMessage, options: { dkim?: DkimOptions } = {}): Promise<Buffer> {
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    ...(options.dkim ? { dkim: options.dkim } : {}),
  });
  const info = await transport.sendMail(toNodemailer(message));
  return info.message as Buffer;
}
