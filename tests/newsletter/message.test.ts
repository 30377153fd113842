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
    const mailer = createMailer({ smtpUrl: server.url, outboxDir: dir });
    try {
      for (const i of [1, 2, 3]) await mailer.send(personalize(digest, reader(i), config));
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
      expect(p.date?.toISOString()).toBe(NOW.toISOString());
      expect(p.messageId).toBe(`<edition-12.sub-${i}@caricc.org>`);
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
      await mailer.send(personalize(digest, reader(9), config));
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
  it('signs the digest over List-Unsubscribe and List-Unsubscribe-Post with the configured key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(path.join(dir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const config = sampleConfig({ dkim: { domain: 'caricc.org', selector: 'news2021', private_key_file: 'dkim.pem' } });
    const dkim = await loadDigestDkim(config, dir);
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: path.join(dir, 'outbox'), ...(dkim ? { dkim } : {}) });
    const sent = await mailer.send(personalize(await sampleDigest(config), reader(1), config), {
      folder: 'edition-12',
    });
    const raw = await readFile(sent.file!, 'utf8');
    const check = checkDkim(raw, publicKey);
    expect(check.tags).toMatchObject({ d: 'caricc.org', s: 'news2021', a: 'rsa-sha256', c: 'relaxed/relaxed' });
    expect(check.signed).toEqual(
      expect.arrayContaining([
        'from',
        'to',
        'subject',
        'date',
        'message-id',
        'list-id',
        'list-unsubscribe',
        'list-unsubscribe-post',
      ]),
    );
    expect(check.bodyHashMatches).toBe(true);
    expect(check.valid).toBe(true);
    // A forwarder that rewrites the one-click header breaks the signature.
    const forged = raw.replace(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      'List-Unsubscribe-Post: List-Unsubscribe=Two-Click',
    );
    expect(checkDkim(forged, publicKey).valid).toBe(false);
  });

  it('signs nothing without a key, and names the setting when the key file is missing', async () => {
    expect(await loadDigestDkim(sampleConfig(), dir)).toBeUndefined();
    const config = sampleConfig({ dkim: { domain: 'caricc.org', selector: 's', private_key_file: 'missing.pem' } });
    const err = await loadDigestDkim(config, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).key).toBe('digest.dkim.private_key_file');
  });
});
