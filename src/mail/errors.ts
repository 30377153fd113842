// Typed mail failures: what the SMTP server said, and whether trying again later can help.
import { GazetteError } from '../errors.ts';

/**
 * A message was not accepted. `code` is stable:
 * - `SMTP_REJECTED`: the server refused this message or recipient for good (5xx at RCPT TO or DATA, or
 *   an envelope the client itself finds invalid); `retryable` is false.
 * - `SMTP_DEFERRED`: a temporary refusal of this recipient or message (4xx, 503); `retryable` is true.
 * - `SMTP_UNAVAILABLE`: the server or the connection failed, whatever the recipient (connection lost,
 *   timeout, TLS, authentication, sender refused); `retryable` is true and `serverWide` is true, so a
 *   sender counts these to pause rather than marking recipients failed.
 */
export class SmtpError extends GazetteError {
  /** nodemailer's code, e.g. `EENVELOPE`, `ECONNECTION`, `EAUTH`. */
  readonly transportCode: string | undefined;
  /** The SMTP reply code, e.g. 451 or 550, when the server replied. */
  readonly responseCode: number | undefined;
  /** The SMTP command that failed, e.g. `RCPT TO`, `DATA`, `CONN`. */
  readonly command: string | undefined;
  /** The server's reply text. */
  readonly response: string | undefined;
  readonly retryable: boolean;
  /** The failure is about the server or the connection, not about this recipient. */
  readonly serverWide: boolean;
  constructor(
    message: string,
    details: {
      transportCode?: string | undefined;
      responseCode?: number | undefined;
      command?: string | undefined;
      response?: string | undefined;
      retryable: boolean;
      serverWide: boolean;
      cause?: unknown;
    },
  ) {
    super(details.retryable ? (details.serverWide ? 'SMTP_UNAVAILABLE' : 'SMTP_DEFERRED') : 'SMTP_REJECTED', message, {
      cause: details.cause,
    });
    this.transportCode = details.transportCode;
    this.responseCode = details.responseCode;
    this.command = details.command;
    this.response = details.response;
    this.retryable = details.retryable;
    this.serverWide = details.serverWide;
  }
}

/** A message is malformed before any transport sees it (a header value holding CR or LF), or a DKIM key is unusable. */
export class MailError extends GazetteError {
  constructor(
    code: 'MAIL_HEADER_INVALID' | 'MAIL_OUTBOX' | 'MAIL_DKIM_KEY',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
