// An smtp-server that offers SMTPUTF8 or hides it (smtp-server's hideSMTPUTF8), and keeps the MAIL FROM and
// RCPT TO lines as the client sent them: smtp-server itself turns an A-label back into Unicode.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Utf8Server {
  url: string;
  received: Received[];
  /** Every RCPT TO address, as smtp-server decoded it. */
  rcpt: string[];
  close(): Promise<void>;
}

export interface Received {
  /** The MAIL FROM and RCPT TO command lines as the client sent them (smtp-server decodes A-labels). */
  commands: string[];
  smtpUtf8: boolean;
  raw: Buffer;
}

/** An smtp-server that keeps each envelope as sent, whether MAIL FROM said SMTPUTF8, and each message. */
export async function startUtf8Server(options: { hideSMTPUTF8: boolean }): Promise<Utf8Server> {
  const received: Received[] = [];
  const rcpt: string[] = [];
  let commands: string[] = [];
  const quiet = (): void => undefined;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: {
      level: quiet,
      trace: quiet,
      info: quiet,
      warn: quiet,
      error: quiet,
      fatal: quiet,
      debug(entry: { tnx?: string }, _message: string, line: unknown) {
        if (entry.tnx === 'command' && /^(MAIL|RCPT) /i.test(String(line))) commands.push(String(line));
      },
    } as never,
    hideSMTPUTF8: options.hideSMTPUTF8,
    onRcptTo(address, _session, callback) {
      rcpt.push(address.address);
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          commands,
          smtpUtf8: (session.envelope as { smtpUtf8?: boolean }).smtpUtf8 === true,
          raw: Buffer.concat(chunks),
        });
        commands = [];
        callback(null, 'Queued');
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const port = (smtp as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return {
    url: `smtp://127.0.0.1:${port}?ignoreTLS=true`,
    received,
    rcpt,
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}
