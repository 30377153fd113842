// The return path over real SMTP sessions: an edition goes to a server that refuses two readers at RCPT with
// 550 5.1.1; real-format DSNs, an ARF complaint and a mailto: unsubscribe are then delivered over SMTP to the
// worker's own listener. The refused and bounced readers end `bounced`, the complainer and the mailto reader
// `unsubscribed`, and the next edition goes to none of them.
import { readFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { freePort } from '../helpers/imap-server.ts';
import { gazetteAsync, startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { addSubscribers } from '../delivery/support.ts';
import { fixture } from '../bounces/support.ts';
import { configOffSchedule, eventually } from '../worker/support.ts';
import { CONTENT, SEND_NOW } from './digest-support.ts';

const SECRET = 'return-path-test-secret-0123456789abcdef';
const REFUSED = ['reader2@example.org', 'reader3@example.org'];

/** A received message's List-Unsubscribe, as written (unfolded). */
function listUnsubscribe(raw: Buffer): string {
  const head = raw
    .toString('utf8')
    .split(/\r?\n\r?\n/)[0]!
    .replace(/\r?\n[ \t]+/g, ' ');
  return /^List-Unsubscribe: (.*)$/im.exec(head)?.[1] ?? '';
}

describe.each(testDialects())('the return path on %s', { timeout: 180_000 }, (dialect) => {
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  let root: string;
  let worker: WorkerProcess | undefined;
  beforeEach(async () => {
    database = await createTestDatabase(dialect);
    smtp = await startSmtpServer({
      onRcptTo: (address) =>
        REFUSED.includes(address)
          ? { code: 550, message: `5.1.1 <${address}>: Recipient address rejected: User unknown` }
          : undefined,
    });
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-return-path-'));
    const yaml = (await configOffSchedule()).replace(/^digest:\n/m, 'digest:\n  bounce_address: bounces@caricc.org\n');
    if (!yaml.includes('bounce_address')) throw new Error('gazette.yaml has no digest: section');
    await writeFile(path.join(root, 'gazette.yaml'), yaml);
    await mkdir(path.join(root, 'content'));
  });
  afterEach(async () => {
    await worker?.stop('SIGTERM').catch(() => undefined);
    await smtp.close();
    await database.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('marks refused, bounced, complaining and mailto-unsubscribed readers, and skips them next time', async () => {
    const store = await database.open();
    await addSubscribers(store, 10);
    const env = { DATABASE_URL: database.url, SMTP_URL: smtp.url, GAZETTE_SECRET: SECRET };
    const sent = await gazetteAsync(root, ['digest', 'send', '--now', SEND_NOW, '--content', CONTENT], env);
    expect(sent.stdout).toContain('edition 1: sent; sent 8, failed 2');
    // refused at RCPT with 5.1.1: bounced at once
    const state = async (email: string) =>
      (await store.db.selectFrom('subscribers').select('state').where('email', '=', email).executeTakeFirstOrThrow())
        .state;
    for (const email of REFUSED) expect(await state(email)).toBe('bounced');

    // each message went out with its own signed return path, and a mailto: gazette receives itself
    const byReader = new Map(smtp.messages.map((m) => [m.to[0]!, m]));
    const verp = (email: string) => byReader.get(email)!.from;
    for (const m of smtp.messages) {
      expect(m.from).toMatch(/^bounces\+[a-z2-7]{34}@caricc\.org$/);
      expect(listUnsubscribe(m.raw)).toMatch(/<mailto:bounces\+u-[a-z2-7]{34}@caricc\.org/);
    }
    expect(new Set(smtp.messages.map((m) => m.from)).size).toBe(8);
    const messageId = (email: string) => byReader.get(email)!.parsed.messageId!;

    const inbound = await freePort();
    worker = startWorkerProcess({
      cwd: root,
      env: { ...env, PORT: '0', INBOUND_SMTP_PORT: String(inbound), INBOUND_SMTP_HOST: '127.0.0.1' },
    });
    await worker.url;
    await worker.waitForLog((r) => String(r.msg).startsWith('return path listening'));
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: inbound, secure: false, ignoreTLS: true });
    const deliver = (to: string, raw: Buffer, from = '') => client.sendMail({ envelope: { from, to: [to] }, raw });
    try {
      // a Postfix DSN to reader4's own return path: the token names the reader, whatever the report quotes
      await deliver(
        verp('reader4@example.org'),
        await fixture('postfix-user-unknown.eml', {
          RCPT: 'reader4@example.org',
          TO: verp('reader4@example.org'),
          MESSAGE_ID: '<not-ours@example.net>',
        }),
      );
      // an Exchange DSN without a token, to the plain bounce address: matched by the Message-ID it quotes
      await deliver(
        'bounces@caricc.org',
        await fixture('exchange-recipient-not-found.eml', {
          RCPT: 'someone-renamed@example.org',
          TO: 'bounces@caricc.org',
          MESSAGE_ID: messageId('reader5@example.org'),
        }),
      );
      // an ARF complaint
      await deliver(
        'bounces@caricc.org',
        await fixture('arf-complaint.eml', {
          RCPT: 'reader6@example.org',
          ENVELOPE_FROM: verp('reader6@example.org'),
          MESSAGE_ID: messageId('reader6@example.org'),
        }),
      );
      // reader7 answers the List-Unsubscribe mailto:
      const mailto = /<mailto:([^?>]+)/.exec(listUnsubscribe(byReader.get('reader7@example.org')!.raw))![1]!;
      await deliver(
        mailto,
        Buffer.from(`From: reader7@example.org\r\nTo: ${mailto}\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n`),
        'reader7@example.org',
      );

      // never a relay, and a made-up token is refused
      await expect(deliver('someone@example.com', Buffer.from('Subject: relay?\r\n\r\nx\r\n'))).rejects.toThrow(/550/);
      await expect(
        deliver(`bounces+${'a'.repeat(34)}@caricc.org`, Buffer.from('Subject: forged\r\n\r\nx\r\n')),
      ).rejects.toThrow(/550/);
    } finally {
      client.close();
    }

    await eventually(
      () => state('reader7@example.org'),
      (s) => s === 'unsubscribed',
    );
    const states = Object.fromEntries(
      (await store.db.selectFrom('subscribers').select(['email', 'state']).orderBy('id').execute()).map((r) => [
        r.email,
        r.state,
      ]),
    );
    expect(states).toEqual({
      'reader1@example.org': 'active',
      'reader2@example.org': 'bounced',
      'reader3@example.org': 'bounced',
      'reader4@example.org': 'bounced',
      'reader5@example.org': 'bounced',
      'reader6@example.org': 'unsubscribed',
      'reader7@example.org': 'unsubscribed',
      'reader8@example.org': 'active',
      'reader9@example.org': 'active',
      'reader10@example.org': 'active',
    });
    const suppressed = await store.db.selectFrom('suppressions').select(['email', 'reason']).orderBy('email').execute();
    expect(suppressed).toEqual([
      { email: 'reader2@example.org', reason: 'hard bounce' },
      { email: 'reader3@example.org', reason: 'hard bounce' },
      { email: 'reader4@example.org', reason: 'hard bounce' },
      { email: 'reader5@example.org', reason: 'hard bounce' },
      { email: 'reader6@example.org', reason: 'complaint' },
    ]);

    // every event is listed, with its source and what was done
    const listed = await gazetteAsync(root, ['bounces', 'list', '--json'], env);
    const events = JSON.parse(listed.stdout) as { type: string; email: string; source: string; action: string }[];
    expect(events.map((e) => [e.email, e.type, e.source, e.action]).sort()).toEqual([
      ['reader2@example.org', 'bounce', 'rcpt', 'bounced'],
      ['reader3@example.org', 'bounce', 'rcpt', 'bounced'],
      ['reader4@example.org', 'bounce', 'smtp', 'bounced'],
      ['reader5@example.org', 'bounce', 'smtp', 'bounced'],
      ['reader6@example.org', 'complaint', 'smtp', 'unsubscribed'],
      ['reader7@example.org', 'unsubscribe', 'smtp', 'unsubscribed'],
    ]);
    const status = await gazetteAsync(root, ['digest', 'status', '1'], env);
    expect(status.stdout).toContain('returned: 4 hard bounces, 0 soft, 1 complaint, 1 unsubscribe by mail');

    // the next edition goes to none of them
    const before = smtp.messages.length;
    const next = await gazetteAsync(
      root,
      ['digest', 'send', '--now', '2021-10-11T09:00:00+06:00', '--force', '--content', CONTENT],
      env,
    );
    expect(next.stdout, next.stderr).toContain('edition 2: sent; sent 4, failed 0');
    expect(
      smtp.messages
        .slice(before)
        .map((m) => m.to[0])
        .sort(),
    ).toEqual(['reader10@example.org', 'reader1@example.org', 'reader8@example.org', 'reader9@example.org']);
    expect(await readFile(path.join(root, 'gazette.yaml'), 'utf8')).toContain('bounce_address');
  });
});
