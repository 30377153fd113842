// The composed digest through the real transport: over SMTP to an in-process server, and DKIM-signed as an .eml.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { createMailer } from '../../src/mail/index.ts';
import { composeDigest, digestWindow, loadDigestDkim, personalize } from '../../src/newsletter/index.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { checkDkim } from './dkim-verify.ts';
import { HOSTILE_TITLE, HOSTILE_TITLE_LINE } from './hostile.ts';
import { NOW, newsItem, sampleConfig, sampleDigest, templates } from './factory.ts';

let server: TestSmtpServer;
let dir: string;
beforeAll(async () => {
  server = await startSmtpServer();
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-digest-mail-'));
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const SECRET = 'message-test-secret';
/** When the messages are handed over: not the edition's date (NOW). */
const SENT_AT = new Date('2021-10-04T03:05:09Z');

const reader = (i: number) => ({
  subscriberId: i,
  email: `reader${i}@example.com`,
  name: `Reader ${i}`,
  unsubscribeUrl: `https://caricc.org/unsubscribe?token=tok${i}`,
});

describe('the digest over SMTP', () => {
  it('arrives as multipart/alternative with the text and HTML parts and every list header', async () => {
    const config = sampleConfig();
    const digest = await sampleDigest(config);
    const mailer = createMailer({ smtpUrl: server.url, outboxDir: dir, now: () => SENT_AT });
    try {
      for (const i of [1, 2, 3]) await mailer.send(personalize(digest, reader(i), config, SECRET));
    } finally {
      await mailer.close();
    }
    await server.waitFor(3);
    const got = server.messages.slice(-3);
    for (const [n, m] of got.entries()) {
      const i = n + 1;
      const p = m.parsed;
      expect(m.to).toEqual([`reader${i}@example.com`]);
      expect(p.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
      expect(p.from?.value).toEqual([{ name: 'CARICC News', address: 'news@caricc.org' }]);
      expect(p.replyTo?.value[0]?.address).toBe('press@caricc.org');
      expect(p.subject).toBe('CARICC News: 4 new items, week of 4 October 2021');
      // dated as it was handed to the server, not when the edition was composed
      expect(p.date?.toISOString()).toBe(SENT_AT.toISOString());
      expect(p.messageId).toBe(`<${personalize(digest, reader(i), config, SECRET).messageId}>`);
      expect(p.messageId).toMatch(/^<[a-z2-7]{32}@caricc\.org>$/);
      expect(p.headers.get('precedence')).toBe('bulk');
      expect(p.headers.get('auto-submitted')).toBe('auto-generated');
      expect(p.headers.get('feedback-id')).toBe('12:caricc.org:digest:gazette');
      expect(p.headers.get('mime-version')).toBe('1.0');
      // mailparser gathers the List-* headers under `list`.
      expect(p.headers.get('list')).toEqual({
        id: { name: 'CARICC News', id: 'caricc.org' },
        unsubscribe: {
          url: `https://caricc.org/unsubscribe?token=tok${i}`,
          mail: `press@caricc.org?subject=unsubscribe-tok${i}`,
        },
        'unsubscribe-post': { name: 'List-Unsubscribe=One-Click' },
        archive: { url: 'https://caricc.org/archive/' },
      });
      expect(m.raw.toString()).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
      expect(p.text).toContain(`https://caricc.org/unsubscribe?token=tok${i}`);
      expect(p.html).toContain(`href="https://caricc.org/unsubscribe?token=tok${i}"`);
    }
  });

  it('carries a hostile title in the subject as one intact line', async () => {
    const config = sampleConfig({ subject: `{{site}}: ${HOSTILE_TITLE}` });
    const digest = await composeDigest({
      items: [newsItem({ title: HOSTILE_TITLE, published: new Date('2021-10-01T00:00:00Z') })],
      config,
      editionId: 'h',
      window: digestWindow(null, NOW, config),
      now: NOW,
      templates: await templates(),
    });
    const mailer = createMailer({ smtpUrl: server.url, outboxDir: dir });
    const before = server.messages.length;
    try {
      await mailer.send(personalize(digest, reader(9), config, SECRET));
    } finally {
      await mailer.close();
    }
    await server.waitFor(before + 1);
    const p = server.messages[before]!.parsed;
    expect(p.subject).toBe(`CARICC News: ${HOSTILE_TITLE_LINE}`);
    expect(p.headers.has('bcc')).toBe(false);
    expect(p.html).toContain('&lt;script&gt;');
    expect(p.text).toContain(HOSTILE_TITLE_LINE.slice(0, 20));
  });
});

describe('DKIM', () => {
  it('signs the digest so that mailauth verifies it, and a prepended or added header breaks it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(path.join(dir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const config = sampleConfig({ dkim: { domain: 'caricc.org', selector: 'news2021', private_key_file: 'dkim.pem' } });
    const dkim = await loadDigestDkim(config, dir);
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: path.join(dir, 'outbox'), ...(dkim ? { dkim } : {}) });
    const sent = await mailer.send(personalize(await sampleDigest(config), reader(1), config, SECRET), {
      folder: 'edition-12',
    });
    const raw = await readFile(sent.file!, 'utf8');
    const key = { domain: 'caricc.org', selector: 'news2021', publicKey };
    const check = await checkDkim(raw, key);
    expect(check.result, check.comment).toBe('pass');
    expect(check.tags).toMatchObject({ d: 'caricc.org', s: 'news2021', a: 'rsa-sha256', c: 'relaxed/relaxed' });
    // each of these is listed once more than it occurs: a copy added anywhere has no room in the signature
    for (const name of [
      'from',
      'to',
      'subject',
      'date',
      'message-id',
      'list-id',
      'list-unsubscribe',
      'list-unsubscribe-post',
    ]) {
      expect(
        check.signed.filter((h) => h === name),
        name,
      ).toHaveLength(2);
    }
    expect(check.signed).toEqual(expect.arrayContaining(['precedence', 'auto-submitted', 'feedback-id']));

    const body = raw.indexOf('\r\n\r\n');
    const forgeries = {
      // a second Subject on top, which many clients show instead of the signed one
      'a prepended Subject': `Subject: Your account is suspended\r\n${raw}`,
      // a List-Unsubscribe of the forger's, added below the signed one
      'an added List-Unsubscribe': `${raw.slice(0, body)}\r\nList-Unsubscribe: <https://evil.example/u>${raw.slice(body)}`,
      'a rewritten one-click header': raw.replace(
        'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
        'List-Unsubscribe-Post: List-Unsubscribe=Two-Click',
      ),
      'a prepended From': `From: CARICC Security <news@caricc.org>\r\n${raw}`,
    };
    for (const [what, forged] of Object.entries(forgeries)) {
      expect((await checkDkim(forged, key)).result, what).toBe('fail');
    }
  });

  it('signs nothing without a key, and names the setting when the key file is missing', async () => {
    expect(await loadDigestDkim(sampleConfig(), dir)).toBeUndefined();
    const config = sampleConfig({ dkim: { domain: 'caricc.org', selector: 's', private_key_file: 'missing.pem' } });
    const err = await loadDigestDkim(config, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).key).toBe('digest.dkim.private_key_file');
  });
});
