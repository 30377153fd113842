// The mail transport: SMTP when SMTP_URL is set, otherwise each message written as an .eml file under var/outbox/.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { domainToASCII } from 'node:url';
import {
  compileTemplate,
  composeMessage,
  createRawSmtpSender,
  type RawSmtpSender,
  type SmtpPoolOptions,
} from '../adapters/nodemailer.ts';
import { dkimSigner, type DkimOptions } from './dkim.ts';
import { MailError } from './errors.ts';
import { assertSafeHeaders } from './headers.ts';
import type { MailMessage, MessageTemplate, RawMessage, TemplateSource } from './message.ts';

export type { DkimOptions, SmtpPoolOptions };

export interface MailerOptions {
  /** SMTP_URL; unset means the outbox. */
  smtpUrl: string | undefined;
  /** Where .eml files go when there is no SMTP_URL, e.g. `var/outbox`. */
  outboxDir: string;
  pool?: SmtpPoolOptions;
  dkim?: DkimOptions;
  /**
   * The clock that dates a message without a date of its own (a MailMessage without `date`, a template's
   * message): read as the message is handed over. Default: the system clock.
   */
  now?: () => Date;
}

export interface SendOptions {
  /** Outbox sub-folder, e.g. the edition id (default `mail`). Ignored over SMTP. */
  folder?: string;
}

export interface RawSendOptions extends SendOptions {
  /**
   * The message may be handed over but not completed before this resolves (over SMTP: all but
   * the final dot); when it rejects, the message is abandoned undelivered and `sendRaw` rejects.
   */
  ready?: Promise<unknown>;
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
  /** Composes a message once for many recipients (see MessageTemplate); its bytes go out with `sendRaw`. */
  compile?(source: TemplateSource): Promise<MessageTemplate>;
  /** Sends a message already written as bytes (DKIM-signed here when configured). */
  sendRaw?(message: RawMessage, options?: RawSendOptions): Promise<SendResult>;
  close(): Promise<void>;
}

const SAFE_FOLDER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The address with its domain as an A-label (punycode), as To and the envelope carry it; the local part as it is. */
function asciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = at === -1 ? '' : domainToASCII(address.slice(at + 1));
  return domain === '' ? address : `${address.slice(0, at)}@${domain}`;
}

/** The file name for a Message-ID: the same message always lands on the same file. */
export function outboxFileName(messageId: string): string {
  const safe = messageId
    .replace(/[^A-Za-z0-9._@+-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 200);
  return `${safe}.eml`;
}

/** Creates the transport: SMTP connections kept open for `smtpUrl`, or .eml files under `outboxDir`. */
export function createMailer(options: MailerOptions): Mailer {
  const now = options.now ?? (() => new Date());
  const sign = options.dkim ? dkimSigner(options.dkim) : undefined;
  // the Date of a template's message is the moment it is rendered, right before it goes to the server
  const compile = async (source: TemplateSource): Promise<MessageTemplate> => {
    const template = await compileTemplate(source);
    return { render: (values) => template.render(values, values.date ?? now()) };
  };
  if (options.smtpUrl) {
    const smtpUrl = options.smtpUrl;
    let raw: RawSmtpSender | undefined;
    const sender = (): RawSmtpSender =>
      (raw ??= createRawSmtpSender(smtpUrl, {
        ...(sign ? { sign } : {}),
        ...(options.pool?.maxConnections !== undefined ? { maxConnections: options.pool.maxConnections } : {}),
        ...(options.pool?.maxMessages !== undefined ? { maxMessages: options.pool.maxMessages } : {}),
      }));
    return {
      mode: 'smtp',
      async send(message) {
        assertSafeHeaders(message);
        const to = asciiDomain(message.to);
        const bytes = await composeMessage({ ...message, to }, message.date ?? now());
        // composed and signed as a template's message is, over the same connections
        return sender().send({ from: message.from.address, to, messageId: message.messageId, raw: bytes });
      },
      compile,
      sendRaw: (message, sendOptions = {}) => sender().send(message, sendOptions.ready),
      async close() {
        await raw?.close();
      },
    };
  }
  const writeOutbox = async (folder: string, messageId: string, bytes: Buffer): Promise<SendResult> => {
    if (!SAFE_FOLDER.test(folder))
      throw new MailError('MAIL_OUTBOX', `outbox folder "${folder}" must be a plain name (letters, digits, . _ -)`);
    const dir = path.join(options.outboxDir, folder);
    const file = path.join(dir, outboxFileName(messageId));
    // written under a temporary name then renamed: a reader never sees half a message
    const temp = path.join(dir, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      // a message holds live confirmation and unsubscribe links: folders 0700 and files 0600, its owner's only
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(temp, sign ? sign(bytes) : bytes, { mode: 0o600 });
      await rename(temp, file);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw new MailError('MAIL_OUTBOX', `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
        cause: err,
      });
    }
    return { messageId, response: `written to ${file}`, file };
  };
  return {
    mode: 'outbox',
    async send(message, sendOptions = {}) {
      assertSafeHeaders(message);
      const folder = sendOptions.folder ?? 'mail';
      if (!SAFE_FOLDER.test(folder))
        throw new MailError('MAIL_OUTBOX', `outbox folder "${folder}" must be a plain name (letters, digits, . _ -)`);
      const to = asciiDomain(message.to);
      return writeOutbox(folder, message.messageId, await composeMessage({ ...message, to }, message.date ?? now()));
    },
    compile,
    async sendRaw(message, sendOptions = {}) {
      const folder = sendOptions.folder ?? 'mail';
      if (!SAFE_FOLDER.test(folder))
        throw new MailError('MAIL_OUTBOX', `outbox folder "${folder}" must be a plain name (letters, digits, . _ -)`);
      if (sendOptions.ready) await sendOptions.ready;
      return writeOutbox(folder, message.messageId, message.raw);
    },
    async close() {},
  };
}
