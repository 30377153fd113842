// The return path through an existing mailbox on a real IMAP server (Dovecot): bounces and complaints are read
// and moved to the processed folder, an unparsable message is moved aside without stalling the rest, and
// nothing is ever deleted.
import { ImapFlow } from 'imapflow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import type { BounceDeps } from '../../src/bounces/index.ts';
import { parseImapUrl, pollMailbox } from '../../src/bounces/mailbox.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { startImapServer, type TestImapServer } from '../helpers/imap-server.ts';
import { addSubscribers, deliveryConfig, NOW } from '../delivery/support.ts';
import { fixture } from './support.ts';

describe.each(testDialects())('the mailbox poller on %s', { timeout: 60_000 }, (dialect) => {
  const db = useTestStore(dialect);
  let imap: TestImapServer;
  beforeEach(async () => {
    imap = await startImapServer();
  });
  afterEach(async () => {
    await imap.close();
  });

  const client = async (): Promise<ImapFlow> => {
    const c = new ImapFlow({
      host: '127.0.0.1',
      port: imap.port,
      secure: false,
      auth: { user: imap.user, pass: imap.password },
      logger: false,
    });
    await c.connect();
    return c;
  };
  const count = async (c: ImapFlow, folder: string): Promise<number> => {
    const status = await c.status(folder, { messages: true }).catch(() => false as const);
    return status ? (status.messages ?? 0) : 0;
  };

  it('reads each message once, moves it aside, and keeps going past one it cannot parse', async () => {
    const { store } = db();
    await addSubscribers(store, 3);
    const deps: BounceDeps = {
      store,
      config: deliveryConfig(),
      logger: silentLogger(),
      now: () => NOW,
      secret: 'mailbox-test-secret',
    };
    const c = await client();
    try {
      await c.append('INBOX', await fixture('gmail-no-such-user.eml', { RCPT: 'reader1@example.org' }));
      // a header block over mailparser's 1 MB limit: cannot be parsed
      await c.append('INBOX', Buffer.from(`X-Huge: ${'x'.repeat(1_200_000)}\r\nSubject: broken\r\n\r\nbody\r\n`));
      await c.append('INBOX', await fixture('arf-complaint.eml', { RCPT: 'reader2@example.org' }));
      await c.append('INBOX', await fixture('postfix-mailbox-full.eml', { RCPT: 'reader3@example.org' }));

      const report = await pollMailbox(deps, parseImapUrl(imap.url));
      expect(report).toEqual({ processed: 3, unparsable: 1, deferred: 0 });
      expect(await count(c, 'INBOX')).toBe(0);
      expect(await count(c, 'gazette-processed')).toBe(3);
      expect(await count(c, 'gazette-unparsable')).toBe(1);

      const states = await store.db.selectFrom('subscribers').select(['email', 'state']).orderBy('id').execute();
      expect(states).toEqual([
        { email: 'reader1@example.org', state: 'bounced' },
        { email: 'reader2@example.org', state: 'unsubscribed' },
        // one soft bounce is counted, not acted on
        { email: 'reader3@example.org', state: 'active' },
      ]);
      const events = await store.db
        .selectFrom('mail_events')
        .select(['type', 'class', 'source'])
        .orderBy('id')
        .execute();
      expect(events).toEqual([
        { type: 'bounce', class: 'hard', source: 'imap' },
        { type: 'complaint', class: null, source: 'imap' },
        { type: 'bounce', class: 'soft', source: 'imap' },
      ]);

      // a second pass finds nothing: nothing is read twice
      expect(await pollMailbox(deps, parseImapUrl(imap.url))).toEqual({ processed: 0, unparsable: 0, deferred: 0 });
      expect(await store.db.selectFrom('mail_events').select('id').execute()).toHaveLength(3);
    } finally {
      await c.logout();
    }
  });
});

describe('IMAP_URL', () => {
  it('refuses an IMAP_URL it cannot use, naming the variable', () => {
    expect(() => parseImapUrl('pop3://u:p@host/INBOX')).toThrow(/^IMAP_URL: unknown scheme "pop3:\/\/"/);
    expect(() => parseImapUrl('imaps://host/INBOX')).toThrow(/^IMAP_URL names no user/);
    expect(parseImapUrl('imaps://u%40x:p@mail.example.org/Bounces?processed=Done')).toMatchObject({
      host: 'mail.example.org',
      port: 993,
      secure: true,
      user: 'u@x',
      folder: 'Bounces',
      processedFolder: 'Done',
      unparsableFolder: 'gazette-unparsable',
    });
  });
});
