// A real SMTP server in-process (smtp-server) that keeps what it receives, parsed with mailparser.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMessage {
  from: string;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export interface TestSmtpServerOptions {
  /** Fixed port (to restart a stopped server on the same address); default: a free one. */
  port?: number;
  /** Reply code for an address at RCPT TO (e.g. 451 or 550), with its text if given, or undefined to accept it. */
  onRcptTo?: (address: string) => number | { code: number; message: string } | undefined;
  /** After the message arrives: a reply code to refuse it at end of DATA, 'drop' to cut the connection mid-DATA. */
  onData?: (message: { from: string; to: string[] }) => number | 'drop' | undefined;
  /** Answer each accepted message this much later: a slow server, so a send takes a while. */
  delayMs?: number;
  /** Require AUTH PLAIN/LOGIN with these credentials. */
  auth?: { user: string; pass: string };
}

export interface TestSmtpServer {
  port: number;
  /** An SMTP_URL for this server (no TLS; with credentials when `auth` was given). */
  url: string;
  /** Messages accepted so far, in arrival order. */
  messages: ReceivedMessage[];
  /** Every RCPT TO the server answered, with its reply code. */
  rcpt: { address: string; code: number }[];
  /** Resolves once `count` messages have been accepted. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

export async function startSmtpServer(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  const rcpt: { address: string; code: number }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const notify = (): void => {
    for (const w of waiters.splice(0)) {
      if (messages.length >= w.count) w.resolve();
      else waiters.push(w);
    }
  };

  const server: SMTPServer = new SMTPServer({
    authOptional: options.auth === undefined,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass)
        return callback(null, { user: auth.username });
      return callback(smtpError(535, 'Authentication failed'));
    },
    onRcptTo(address, _session, callback) {
      const verdict = options.onRcptTo?.(address.address);
      const code = typeof verdict === 'object' ? verdict.code : verdict;
      rcpt.push({ address: address.address, code: code ?? 250 });
      if (typeof verdict === 'object') return callback(smtpError(verdict.code, verdict.message));
      if (code !== undefined && code >= 400)
        return callback(smtpError(code, code >= 500 ? 'Mailbox unavailable' : 'Try again later'));
      return callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const envelope = {
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
      };
      const verdict = options.onData?.(envelope);
      const chunks: Buffer[] = [];
      let dropped = false;
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (verdict === 'drop' && !dropped) {
          dropped = true;
          // cut the TCP connection while the client is still sending the message
          for (const connection of (
            server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }
          ).connections) {
            if (connection.id === session.id) connection._socket.destroy();
          }
        }
      });
      stream.on('end', () => {
        if (dropped) return;
        if (typeof verdict === 'number')
          return callback(smtpError(verdict, verdict >= 500 ? 'Message rejected' : 'Try again later'));
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            const accept = (): void => {
              messages.push({ ...envelope, raw, parsed });
              notify();
              callback(null, 'Queued');
            };
            if (options.delayMs) setTimeout(accept, options.delayMs);
            else accept();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  const credentials = options.auth
    ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@`
    : '';

  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}?ignoreTLS=true`,
    messages,
    rcpt,
    waitFor(count, timeoutMs = 10_000) {
      if (messages.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`SMTP server: ${messages.length} of ${count} messages after ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
