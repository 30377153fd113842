// Adapter for imapflow: the one module that imports it. A mailbox on an IMAP server, read and sorted, never
// emptied: messages are only ever moved to another folder.
import { ImapFlow } from 'imapflow';

export interface MailboxOptions {
  host: string;
  port: number;
  /** TLS from the start (imaps); otherwise STARTTLS when offered. */
  secure: boolean;
  user: string;
  password: string;
  /** The folder to read, e.g. `INBOX`. */
  folder: string;
}

export interface MailboxMessage {
  uid: number;
  raw: Buffer;
}

export interface MailboxSession {
  /** Up to `limit` messages of the folder, oldest first. */
  messages(limit: number): Promise<MailboxMessage[]>;
  /** Moves messages to `folder`, creating it when missing. */
  move(uids: readonly number[], folder: string): Promise<void>;
  close(): Promise<void>;
}

/** Connects, logs in and opens the folder; the session holds the folder until `close`. */
export async function openMailbox(options: MailboxOptions): Promise<MailboxSession> {
  const client = new ImapFlow({
    host: options.host,
    port: options.port,
    secure: options.secure,
    auth: { user: options.user, pass: options.password },
    logger: false,
    // a server that stops answering must not hold the poller forever
    socketTimeout: 60_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  const lock = await client.getMailboxLock(options.folder);
  const created = new Set<string>();
  return {
    async messages(limit) {
      const status = client.mailbox;
      const exists = status && typeof status === 'object' ? status.exists : 0;
      if (exists === 0) return [];
      const out: MailboxMessage[] = [];
      for await (const m of client.fetch(`1:${Math.min(exists, limit)}`, { uid: true, source: true })) {
        if (m.source) out.push({ uid: m.uid, raw: m.source });
      }
      return out;
    },
    async move(uids, folder) {
      if (uids.length === 0) return;
      if (!created.has(folder)) {
        await client.mailboxCreate(folder).catch(() => undefined); // there already
        created.add(folder);
      }
      await client.messageMove(uids.join(','), folder, { uid: true });
    },
    async close() {
      lock.release();
      await client.logout().catch(() => client.close());
    },
  };
}
