// Adapter for nodemailer: RFC 5322 composition, message templates composed once and filled per recipient,
// and sending over SMTP connections kept open; the one module that imports it.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { SmtpError } from '../mail/errors.ts';
import { explainSmtpFailure, redactSmtpUrl, type SmtpTarget } from '../mail/smtp-diagnosis.ts';
import type { MailMessage, RawMessage, TemplateSource, TemplateValues } from '../mail/message.ts';

export interface SmtpPoolOptions {
  /** Parallel SMTP connections (default 4). */
  maxConnections?: number;
  /** Messages per connection before it is replaced (default 1000). */
  maxMessages?: number;
}

export interface SentInfo {
  messageId: string;
  response: string;
}

/** RFC 5322's date-time as nodemailer writes it: `Mon, 04 Oct 2021 03:00:00 +0000`. */
export function headerDate(date: Date): string {
  return date.toUTCString().replace(/GMT/, '+0000');
}

// A local part outside ASCII: the address is written as it is (RFC 6532) and needs SMTPUTF8 to travel.
const NON_ASCII = /[^\x00-\x7f]/;

function toNodemailer(message: MailMessage, date: Date, to: string): Mail.Options {
  return {
    from: { name: message.from.name, address: message.from.address },
    to,
    ...(message.replyTo !== undefined ? { replyTo: message.replyTo } : {}),
    subject: message.subject,
    text: message.text,
    ...(message.html !== undefined ? { html: message.html } : {}),
    messageId: `<${message.messageId}>`,
    date,
    headers: { ...message.headers },
    // a MailMessage is self-contained: never let content pull in local files or URLs
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

// Connection-level codes: the server or the network failed, whoever the recipient was.
const SERVER_WIDE_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EREQUIRETLS',
  'EPROTOCOL',
  'EPROXY',
  'EAUTH',
  'ENOAUTH',
  'EOAUTH2',
  'EMAXLIMIT',
  'ECONFIG',
]);

interface NodemailerFailure extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  permanent?: boolean;
}

/** Maps a nodemailer error onto SmtpError: 4xx and connection failures retryable, 5xx for a recipient not. */
export function toSmtpError(err: unknown, target?: SmtpTarget): SmtpError {
  if (err instanceof SmtpError) return err;
  const e = (err ?? {}) as NodemailerFailure;
  const command = typeof e.command === 'string' ? e.command : undefined;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  // A refusal at the greeting, AUTH or MAIL FROM concerns the sender's setup, not this recipient.
  const serverWide =
    (e.code !== undefined && SERVER_WIDE_CODES.has(e.code)) ||
    (command !== undefined &&
      (command === 'CONN' ||
        command === 'MAIL FROM' ||
        command === 'RSET' ||
        command.startsWith('AUTH') ||
        command.startsWith('EHLO')));
  let retryable: boolean;
  if (serverWide) retryable = true;
  else if (responseCode !== undefined) retryable = e.permanent === undefined ? responseCode < 500 : !e.permanent;
  // the client refused the envelope or message itself: the same message would fail again
  else if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') retryable = false;
  else retryable = true;
  // a failure to reach or use the server says which setting, what was tried and the likely cause
  const message =
    serverWide && target
      ? explainSmtpFailure(
          { code: e.code, message: e.message || String(err), responseCode, command, response: e.response },
          target,
        )
      : e.message || String(err);
  return new SmtpError(message, {
    transportCode: e.code,
    responseCode,
    command,
    response: e.response,
    retryable,
    serverWide,
    cause: err,
  });
}

/**
 * The message as RFC 5322 bytes (CRLF line ends), dated `date`. An address whose local part is not
 * ASCII is written as given (its domain already an A-label): nodemailer would turn the domain back into
 * Unicode.
 */
export async function composeMessage(message: MailMessage, date: Date): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  if (!NON_ASCII.test(message.to)) {
    return (await transport.sendMail(toNodemailer(message, date, message.to))).message as Buffer;
  }
  const everything = JSON.stringify(message);
  let nonce: string;
  do nonce = `gz${randomBytes(8).toString('hex')}`;
  while (everything.includes(nonce));
  const stand = `${nonce}@${nonce}.invalid`;
  const composed = ((await transport.sendMail(toNodemailer(message, date, stand))).message as Buffer).toString(
    'latin1',
  );
  const at = composed.indexOf(stand);
  if (at === -1 || at > composed.indexOf('\r\n\r\n')) throw new Error('message: nodemailer did not write To as given');
  return Buffer.concat([
    Buffer.from(composed.slice(0, at), 'latin1'),
    Buffer.from(message.to, 'utf8'),
    Buffer.from(composed.slice(at + stand.length), 'latin1'),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Templates: the message composed once by nodemailer with tokens where recipients differ, cut at
// the tokens; each message is then the pre-encoded pieces joined with its own encoded values.

/** Quoted-printable lines of at most 75 characters, so that a soft break may still follow. */
function qpLines(text: string): string {
  return qpWrap(qpEncode(Buffer.from(text, 'utf8')), 75);
}

/**
 * One piece of a quoted-printable body that continues with more pieces: a piece that stops
 * within a line ends with a soft line break, so the next one starts at the beginning of a line
 * and no line grows past 76 characters whatever is put in between.
 */
function qpPiece(text: string): string {
  if (text === '') return '';
  const encoded = qpLines(text);
  return encoded.endsWith('\r\n') ? encoded : `${encoded}=\r\n`;
}

/** The last piece of a body: the part's closing line break comes from the skeleton. */
function qpLast(text: string): string {
  return text === '' ? '' : qpLines(text);
}

const CRLF_TEXT = /\r\n|\r|\n/g;
const BARE_LINE_BREAK = /\r(?!\n)|(?<!\r)\n/;
const HEADER_SAFE = /^[\x20-\x7e]*$/;
const ADDRESS_SAFE = /^[\x21-\x7e]+$/;
// a To address: any local part without white space or controls (UTF-8 is written as it is), an ASCII domain
const TO_SAFE = /^[^\s\x00-\x1f\x7f-\x9f]+@[\x21-\x3f\x41-\x7e]+$/u;

/** `Name: value`, folded after the commas of a list value when the line would be long. */
function foldedValue(name: string, value: string): string {
  if (name.length + 2 + value.length <= 78 || !value.includes(', ')) return value;
  return value.split(', ').join(',\r\n ');
}

type Piece =
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'to' | 'messageId' | 'date' }
  | { kind: 'header'; name: string }
  | { kind: 'slot'; part: 'text' | 'html'; name: string; last: boolean };

/** A composed template: one recipient's message dated `date` (the Date header is a slot too). */
export interface DatedTemplate {
  render(values: TemplateValues, date: Date): Buffer | undefined;
}

/**
 * Composes `source` once (nodemailer writes every header and the MIME structure, bodies
 * quoted-printable) and returns a template whose `render` gives one recipient's message as
 * RFC 5322 bytes with CRLF line ends, or undefined for values it cannot place verbatim
 * (a header value outside printable ASCII): those go through `composeMessage`.
 */
export async function compileTemplate(source: TemplateSource): Promise<DatedTemplate> {
  const everything = JSON.stringify(source);
  let nonce: string;
  do nonce = `gz${randomBytes(8).toString('hex')}`;
  while (everything.includes(nonce));
  const token = (name: string): string => `${nonce}${name}${nonce.slice(2, 8)}`;
  const headerNames = [...source.recipientHeaders];
  const bodyStream = (name: string): Readable => Readable.from([Buffer.from(token(name))]);
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  const info = await transport.sendMail({
    from: { name: source.from.name, address: source.from.address },
    to: `${token('to')}@${nonce}.invalid`,
    ...(source.replyTo !== undefined ? { replyTo: source.replyTo } : {}),
    subject: source.subject,
    // a stream's content cannot be inspected, so nodemailer declares it quoted-printable
    text: bodyStream('text'),
    ...(source.html !== undefined ? { html: bodyStream('html') } : {}),
    messageId: `<${token('mid')}@${nonce}.invalid>`,
    date: token('date'),
    headers: { ...source.headers, ...Object.fromEntries(headerNames.map((name, i) => [name, token(`h${i}`)])) },
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const skeleton = (info.message as Buffer).toString('latin1');
  const names = ['to', 'mid', 'date', 'text', 'html', ...headerNames.map((_, i) => `h${i}`)];
  const finder = new RegExp(`${nonce}(${names.join('|')})${nonce.slice(2, 8)}(?:@${nonce}\\.invalid)?`, 'g');
  const pieces: Piece[] = [];
  const body = (part: 'text' | 'html', slotted: { parts: readonly string[]; slots: readonly string[] }): void => {
    const n = slotted.slots.length;
    for (let i = 0; i <= n; i++) {
      const text = (slotted.parts[i] ?? '').replace(CRLF_TEXT, '\r\n');
      const encoded = i === n ? qpLast(text) : qpPiece(text);
      if (encoded !== '') pieces.push({ kind: 'bytes', bytes: Buffer.from(encoded, 'latin1') });
      if (i < n)
        pieces.push({
          kind: 'slot',
          part,
          name: slotted.slots[i]!,
          last: i === n - 1 && (slotted.parts[n] ?? '') === '',
        });
    }
  };
  let last = 0;
  const seen = new Set<string>();
  for (const match of skeleton.matchAll(finder)) {
    const name = match[1]!;
    seen.add(name);
    const before = skeleton.slice(last, match.index);
    if (name === 'text' || name === 'html') {
      const header = before.slice(0, before.lastIndexOf('\r\n\r\n'));
      if (!/Content-Transfer-Encoding: quoted-printable\s*$/i.test(header.slice(header.lastIndexOf('\r\nContent-')))) {
        throw new Error(`message template: the ${name} part is not quoted-printable`);
      }
    }
    if (before !== '') pieces.push({ kind: 'bytes', bytes: Buffer.from(before, 'latin1') });
    if (name === 'to') pieces.push({ kind: 'to' });
    else if (name === 'mid') pieces.push({ kind: 'messageId' });
    else if (name === 'date') pieces.push({ kind: 'date' });
    else if (name === 'text') body('text', source.text);
    else if (name === 'html') body('html', source.html!);
    else pieces.push({ kind: 'header', name: headerNames[Number(name.slice(1))]! });
    last = match.index + match[0].length;
  }
  pieces.push({ kind: 'bytes', bytes: Buffer.from(skeleton.slice(last), 'latin1') });
  // every value put between the pieces is a line break free header value or quoted-printable
  // with CRLF line ends: when the pieces have only CRLF too, so has each message
  const crlfOnly = !pieces.some(
    (piece) => piece.kind === 'bytes' && BARE_LINE_BREAK.test(piece.bytes.toString('latin1')),
  );
  for (const name of names) {
    if (name === 'html' && source.html === undefined) continue;
    if (!seen.has(name)) throw new Error(`message template: nodemailer did not write the ${name} slot as given`);
  }

  return {
    render(values: TemplateValues, date: Date): Buffer | undefined {
      if (!TO_SAFE.test(values.to) || !ADDRESS_SAFE.test(values.messageId) || Number.isNaN(date.getTime()))
        return undefined;
      const out: Buffer[] = [];
      for (const piece of pieces) {
        switch (piece.kind) {
          case 'bytes':
            out.push(piece.bytes);
            break;
          case 'to':
            out.push(Buffer.from(values.to, 'utf8'));
            break;
          case 'date':
            out.push(Buffer.from(headerDate(date), 'latin1'));
            break;
          case 'messageId':
            out.push(Buffer.from(values.messageId, 'latin1'));
            break;
          case 'header': {
            const value = values.headers[piece.name];
            if (value === undefined || !HEADER_SAFE.test(value)) return undefined;
            out.push(Buffer.from(foldedValue(piece.name, value), 'latin1'));
            break;
          }
          case 'slot': {
            const given = (piece.part === 'text' ? values.text : values.html)[piece.name];
            if (given === undefined) return undefined;
            // line breaks as in the rest of the body (quoted-printable keeps them as they are)
            const value = given.replace(CRLF_TEXT, '\r\n');
            out.push(Buffer.from(piece.last ? qpLast(value) : qpPiece(value), 'latin1'));
            break;
          }
        }
      }
      const raw = Buffer.concat(out);
      if (crlfOnly) crlfOnlyMessages.add(raw);
      return raw;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Raw sending: a few SMTP connections kept open, each sending one message after another.

/** Messages rendered from a template whose line breaks are all CRLF (see compileTemplate). */
const crlfOnlyMessages = new WeakSet<Buffer>();

const LF_DOT = Buffer.from('\n.', 'latin1');
const DOT = Buffer.from('.', 'latin1');

/** RFC 5321 transparency for a message with CRLF line ends only: a dot that starts a line is doubled. */
function dotStuffed(raw: Buffer): Buffer {
  let at = raw.indexOf(LF_DOT);
  if (at === -1 && raw[0] !== DOT[0]) return raw;
  const parts: Buffer[] = raw[0] === DOT[0] ? [DOT] : [];
  let from = 0;
  while (at !== -1) {
    parts.push(raw.subarray(from, at + 1), DOT);
    from = at + 1;
    at = raw.indexOf(LF_DOT, from);
  }
  parts.push(raw.subarray(from));
  return Buffer.concat(parts);
}

/**
 * nodemailer's DATA stream: a transform that doubles leading dots and writes CRLF line ends, byte by byte,
 * then the final dot.
 */
interface DataStreamInternals {
  _transform(chunk: Buffer, encoding: BufferEncoding, done: (err?: Error | null, chunk?: Buffer) => void): void;
  _flush(done: (err?: Error | null) => void): void;
  inByteCount: number;
  outByteCount: number;
  lastByte: number | false;
}

/**
 * The transform for bytes that need no change: it keeps the counts and the last byte as nodemailer's own does
 * (the end of the data depends on that byte).
 */
function passThrough(
  this: DataStreamInternals,
  chunk: Buffer,
  _encoding: BufferEncoding,
  done: (err?: Error | null, chunk?: Buffer) => void,
): void {
  this.inByteCount += chunk.length;
  this.outByteCount += chunk.length;
  if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1]!;
  done(null, chunk);
}

// nodemailer's own (internal) method that starts the DATA stream; the tests send dotted lines through it
const createSendStream = (
  SMTPConnection.prototype as unknown as { _createSendStream?: (callback: unknown) => DataStreamInternals }
)._createSendStream;

/**
 * A nodemailer connection that can send a message already in SMTP's transfer form (CRLF line ends,
 * leading dots doubled) as it is: its DATA stream then skips the byte-by-byte transform, which
 * costs more than anything else in sending a template's message. nodemailer still ends the data,
 * once `completeWhen` resolves (never when it rejects).
 */
class TransferConnection extends SMTPConnection {
  /** The message being sent is in transfer form; set before each send. */
  inTransferForm = false;
  /** The final dot of the message being sent waits for this; set before each send. */
  completeWhen: Promise<unknown> | undefined = undefined;

  _createSendStream(callback: unknown): DataStreamInternals {
    const stream = createSendStream!.call(this, callback);
    if (this.inTransferForm) stream._transform = passThrough;
    const ready = this.completeWhen;
    if (ready) {
      const flush = stream._flush;
      // refused: the data stays unfinished, and the sender drops the connection
      stream._flush = (done) =>
        void ready.then(
          () => flush.call(stream, done),
          () => undefined,
        );
    }
    return stream;
  }
}

/** The server named `extension` in its EHLO reply (nodemailer keeps the list internally; tests cover it). */
function offers(conn: SMTPConnection, extension: string): boolean {
  const list = (conn as unknown as { _supportedExtensions?: unknown })._supportedExtensions;
  return Array.isArray(list) && list.includes(extension);
}

/** The envelope of `message` names an address outside ASCII: only a server with SMTPUTF8 may take it. */
function needsSmtpUtf8(message: RawMessage): boolean {
  return NON_ASCII.test(message.from) || NON_ASCII.test(message.to);
}

export interface RawSmtpSender {
  /**
   * Sends RFC 5322 bytes to `message.to`. When `ready` is given the message is transferred but
   * not ended (the final dot) until it resolves; when it rejects the connection is dropped and
   * the message is not delivered.
   */
  send(message: RawMessage, ready?: Promise<unknown>): Promise<SentInfo>;
  close(): Promise<void>;
}

interface Slot {
  conn: TransferConnection | undefined;
  dead: boolean;
  count: number;
}

/** Up to `maxConnections` SMTP connections for `url`, opened on demand and kept for `maxMessages` messages. */
export function createRawSmtpSender(
  url: string,
  options: { maxConnections?: number; maxMessages?: number; sign?: (raw: Buffer) => Buffer } = {},
): RawSmtpSender {
  const { auth, ...target } = parseConnectionUrl(url);
  const secure = target.secure === true;
  const where: SmtpTarget = {
    url: redactSmtpUrl(url),
    host: target.host ?? 'localhost',
    port: Number(target.port) || (secure ? 465 : 587),
    secure,
  };
  const connectionOptions: SMTPConnection.Options = {
    ...target,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 120_000,
  };
  const maxMessages = options.maxMessages ?? 1000;
  const sign = options.sign;
  const idle: Slot[] = Array.from({ length: Math.max(1, options.maxConnections ?? 4) }, () => ({
    conn: undefined,
    dead: true,
    count: 0,
  }));
  const waiting: ((slot: Slot) => void)[] = [];
  const open = new Set<TransferConnection>();
  let closed = false;

  const acquire = (): Promise<Slot> => {
    const slot = idle.pop();
    return slot ? Promise.resolve(slot) : new Promise((resolve) => waiting.push(resolve));
  };
  const release = (slot: Slot): void => {
    const next = waiting.shift();
    if (next) next(slot);
    else idle.push(slot);
  };
  const drop = (slot: Slot): void => {
    if (slot.conn) {
      open.delete(slot.conn);
      slot.conn.close();
    }
    slot.conn = undefined;
    slot.dead = true;
  };
  const connect = (slot: Slot): Promise<TransferConnection> =>
    new Promise((resolve, reject) => {
      const conn = createSendStream
        ? new TransferConnection(connectionOptions)
        : (new SMTPConnection(connectionOptions) as TransferConnection);
      open.add(conn);
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        open.delete(conn);
        conn.close();
        reject(err instanceof Error ? err : Object.assign(new Error(String(err)), { code: 'ECONNECTION' }));
      };
      // a failure while connecting arrives as an 'error' event; later ones reach the callback of
      // the command in progress, and an idle connection that fails is replaced on next use
      conn.on('error', (err: Error) => {
        slot.dead = true;
        fail(err);
      });
      conn.once('end', () => {
        slot.dead = true;
        open.delete(conn);
        fail(Object.assign(new Error('Connection closed'), { code: 'ECONNECTION', command: 'CONN' }));
      });
      conn.connect((err) => {
        if (err) return fail(err);
        if (!auth) {
          settled = true;
          return resolve(conn);
        }
        conn.login(auth as SMTPConnection.Credentials, (loginErr) => {
          if (loginErr) return fail(loginErr);
          settled = true;
          resolve(conn);
        });
      });
    });

  return {
    async send(message, ready) {
      if (closed) throw toSmtpError(Object.assign(new Error('the sender is closed'), { code: 'ECONNECTION' }));
      // a template's message goes out in transfer form as it is (signed, it still has CRLF line ends only);
      // anything else through nodemailer's transform
      const transferForm = createSendStream !== undefined && crlfOnlyMessages.has(message.raw);
      // a refused ready abandons the message wherever it is, handled from here on even before a connection is at hand
      let refused: { err: unknown } | undefined;
      let abandon: ((err: unknown) => void) | undefined;
      ready?.catch((err: unknown) => {
        refused = { err };
        abandon?.(err);
      });
      const signed = sign ? sign(message.raw) : message.raw;
      const raw = transferForm ? dotStuffed(signed) : signed;
      const slot = await acquire();
      let released = false;
      try {
        if (!slot.conn || slot.dead) {
          drop(slot);
          slot.conn = await connect(slot);
          slot.dead = false;
          slot.count = 0;
        }
        if (refused) throw refused.err;
        const conn = slot.conn;
        if (needsSmtpUtf8(message) && !offers(conn, 'SMTPUTF8')) {
          // nodemailer would send the address anyway, for the server to refuse or garble; the session stays usable
          release(slot);
          released = true;
          throw new SmtpError(
            `${message.to}: an address with a local part outside ASCII needs SMTPUTF8, ` +
              'which the mail server does not offer; not sent',
            { transportCode: 'ESMTPUTF8', retryable: false, serverWide: false },
          );
        }
        conn.inTransferForm = transferForm;
        conn.completeWhen = ready;
        let body: Buffer | Readable = raw;
        if (ready && !(conn instanceof TransferConnection)) {
          // without the connection's own hold on the final dot: a stream that ends when ready
          const stream = new Readable({ read() {} });
          stream.push(raw);
          ready.then(
            () => stream.push(null),
            (err: unknown) => stream.destroy(err instanceof Error ? err : new Error(String(err))),
          );
          body = stream;
        }
        const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) => {
          // abandoned mid-way: the connection, in the middle of DATA perhaps, is dropped below
          abandon = reject;
          conn.send(
            { from: message.from, to: [message.to], size: raw.length } as SMTPConnection.Envelope,
            body,
            (err, result) => (err ? reject(err) : resolve(result)),
          );
        });
        if (++slot.count >= maxMessages) {
          open.delete(conn);
          conn.quit();
          slot.conn = undefined;
          slot.dead = true;
        }
        return { messageId: message.messageId, response: info.response };
      } catch (err) {
        if (released) throw err;
        // whatever the state of the session, a fresh connection is certain
        drop(slot);
        throw toSmtpError(err, where);
      } finally {
        if (!released) release(slot);
      }
    },
    async close() {
      closed = true;
      for (const conn of open) conn.quit();
      open.clear();
    },
  };
}
