// Adapter for smtp-server: the one module that imports it. An SMTP listener that asks its owner about each
// connection and recipient and hands over each whole message; it never relays and takes no AUTH.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type SmtpRefusal = { code: number; message: string };

export interface InboundSmtpOptions {
  port: number;
  host?: string | undefined;
  /** The name in the greeting and in Received lines. */
  name: string;
  /** Largest message accepted (announced with SIZE, and enforced while it arrives). */
  maxBytes: number;
  /** Refuses a connection (rate limit), or undefined to go on. */
  checkConnection(remoteAddress: string): SmtpRefusal | undefined;
  /** Refuses a recipient (not ours: no relay), or undefined to accept it. */
  checkRecipient(address: string, remoteAddress: string): SmtpRefusal | undefined;
  /** One whole message; a thrown error is answered 451 and the sender tries again later. */
  onMessage(raw: Buffer, envelope: { from: string; to: string[]; remoteAddress: string }): Promise<void>;
  onError?(err: Error): void;
}

export interface InboundSmtpServer {
  port: number;
  close(): Promise<void>;
}

const refusal = (r: SmtpRefusal): Error => Object.assign(new Error(r.message), { responseCode: r.code });

export async function startInboundSmtp(options: InboundSmtpOptions): Promise<InboundSmtpServer> {
  const server = new SMTPServer({
    name: options.name,
    banner: 'gazette return path',
    size: options.maxBytes,
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    closeTimeout: 2000,
    socketTimeout: 60_000,
    maxClients: 100,
    onConnect(session, callback) {
      const refused = options.checkConnection(session.remoteAddress);
      callback(refused ? refusal(refused) : undefined);
    },
    onRcptTo(address, session, callback) {
      const refused = options.checkRecipient(address.address, session.remoteAddress);
      callback(refused ? refusal(refused) : undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(refusal({ code: 552, message: `5.3.4 message larger than ${options.maxBytes} bytes` }));
          return;
        }
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          remoteAddress: session.remoteAddress,
        };
        options.onMessage(Buffer.concat(chunks), envelope).then(
          () => callback(),
          () => callback(refusal({ code: 451, message: '4.3.0 cannot take the message now; try again later' })),
        );
      });
    },
  });
  server.on('error', (err: Error) => options.onError?.(err));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
