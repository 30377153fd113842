// The mail transport: SMTP when SMTP_URL is set, otherwise each message written as an .eml file under var/outbox/.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { composeMessage, createSmtpSender, type DkimOptions, type SmtpPoolOptions } from '../adapters/nodemailer.ts';
import { MailError } from './errors.ts';
import { assertSafeHeaders } from './headers.ts';
import type { MailMessage } from './message.ts';

export type { DkimOptions, SmtpPoolOptions };

export interface MailerOptions {
  /** SMTP_URL; unset means the outbox. */
  smtpUrl: string | undefined;
  /** Where .eml files go when there is no SMTP_URL, e.g. `var/outbox`. */
  outboxDir: string;
  pool?: SmtpPoolOptions;
  dkim?: DkimOptions;
}

export interface SendOptions {
  /** Outbox sub-folder, e.g. the edition id (default `mail`). Ignored over SMTP. */
  folder?: string;
}

export interface SendResult {
  messageId: string;
  /** The server's final reply, or `written to <file>` for the outbox. */
  response: string;
  /** The .eml file, in outbox mode. */
  file?: string;
}

export interface Mailer {
  /** Where messages go: `smtp` or `outbox`. */
  readonly mode: 'smtp' | 'outbox';
  /** Sends one message; rejects with SmtpError (transport) or MailError (malformed message). */
  send(message: MailMessage, options?: SendOptions): Promise<SendResult>;
  close(): Promise<void>;
}

const SAFE_FOLDER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The file name for a Message-ID: the same message always lands on the same file. */
export function outboxFileName(messageId: string): string {
  const safe = messageId.replace(/[^A-Za-z0-9._@+-]/g, '_').replace(/^\.+/, '_').slice(0, 200);
  return `${safe}.eml`;
}

/** Creates the transport: pooled SMTP for `smtpUrl`, or .eml files under `outboxDir`. */
export function createMailer(options: MailerOptions): Mailer {
  const dkim = options.dkim ? { dkim: options.dkim } : {};
  if (options.smtpUrl) {
    const smtp = createSmtpSender(options.smtpUrl, { ...dkim, ...(options.pool ? { pool: options.pool } : {}) });
    return {
      mode: 'smtp',
      async send(message) {
        assertSafeHeaders(message);
        return smtp.send(message);
      },
      close: () => smtp.close(),
    };
  }
  return {
    mode: 'outbox',
    async send(message, sendOptions = {}) {
      assertSafeHeaders(message);
      const folder = sendOptions.folder ?? 'mail';
      if (!SAFE_FOLDER.test(folder)) throw new MailError('MAIL_OUTBOX', `outbox folder "${folder}" must be a plain name (letters, digits, . _ -)`);
      const bytes = await composeMessage(message, dkim);
      const dir = path.join(options.outboxDir, folder);
      const file = path.join(dir, outboxFileName(message.messageId));
      // written under a temporary name then renamed: a reader never sees half a message
      const temp = path.join(dir, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(temp, bytes);
        await rename(temp, file);
      } catch (err) {
        await unlink(temp).catch(() => undefined);
        throw new MailError('MAIL_OUTBOX', `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, { cause: err });
      }
      return { messageId: message.messageId, response: `written to ${file}`, file };
    },
    async close() {},
  };
}
