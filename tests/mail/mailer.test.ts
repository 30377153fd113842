import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer, MailError, SmtpError, type Mailer, type MailMessage } from '../../src/mail/index.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { checkDkim } from '../newsletter/dkim-verify.ts';

// mailparser folds List-* headers into one structured `list` value; the raw line is what a client reads.
const headerLine = (mail: ParsedMail, key: string): string | undefined =>
  mail.headerLines.find((h) => h.key === key)?.line;

const DATE = new Date('2026-11-30T04:00:00Z');

/** A template from CARICC News with one slot in each part: `text` and `html` are what stands before and after it. */
function compileTemplate(
  m: Mailer,
  subject: string,
  slot: string,
  text: [string, string],
  html: [string, string],
  headers: Record<string, string> = {},
) {
  return m.compile!({
    from: { name: 'CARICC News', address: 'news@caricc.org' },
    subject,
    text: { parts: text, slots: [slot] },
    html: { parts: html, slots: [slot] },
    headers,
    recipientHeaders: [],
  });
}

function message(to: string, overrides: Partial<MailMessage> = {}): MailMessage {
  return {
    from: { name: 'CARICC News', address: 'news@caricc.org' },
    to,
    replyTo: 'press@caricc.org',
    subject: 'CARICC News: 3 new items — Алматы',
    text: 'Plain text part\nSecond line',
    html: '<p>HTML part</p>',
    messageId: `e7.s${to.length}.${to.split('@')[0]}@caricc.org`,
    date: DATE,
    headers: {
      'List-Id': 'CARICC News <caricc.org>',
      'List-Unsubscribe':
        '<https://caricc.org/unsubscribe?token=abc>, <mailto:unsubscribe@caricc.org?subject=unsubscribe>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    ...overrides,
  };
}

describe('mailer over SMTP', () => {
  let server: TestSmtpServer;
  let mailer: Mailer;
  const refuse = new Map<string, number>([
    ['later@example.org', 451],
    ['gone@example.org', 550],
  ]);
  beforeEach(async () => {
    server = await startSmtpServer({
      onRcptTo: (address) => refuse.get(address),
      onData: ({ to }) => (to.includes('spam@example.org') ? 554 : undefined),
    });
    mailer = createMailer({
      smtpUrl: server.url,
      outboxDir: '/nonexistent',
      pool: { maxConnections: 2 },
      now: () => DATE,
    });
  });
  afterEach(async () => {
    await mailer.close();
    await server.close();
  });

  it('delivers a message with its Message-ID, Date, Reply-To and extra headers as given', async () => {
    const sent = await mailer.send(message('reader@example.org'));
    expect(sent.response).toMatch(/^250/);
    await server.waitFor(1);
    const [received] = server.messages;
    expect(received!.to).toEqual(['reader@example.org']);
    expect(received!.from).toBe('news@caricc.org');
    const mail = received!.parsed;
    expect(mail.messageId).toBe('<e7.s18.reader@caricc.org>');
    expect(mail.date?.toISOString()).toBe(DATE.toISOString());
    expect(mail.subject).toBe('CARICC News: 3 new items — Алматы');
    expect(mail.from?.value).toEqual([{ name: 'CARICC News', address: 'news@caricc.org' }]);
    expect(mail.replyTo?.text).toBe('press@caricc.org');
    expect(mail.text?.trim()).toBe('Plain text part\nSecond line');
    expect(mail.html).toContain('<p>HTML part</p>');
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const raw = received!.raw.toString('utf8');
    expect(raw).toMatch(
      // long-line: a regex for the whole header, folded or not
      /^List-Unsubscribe: <https:\/\/caricc\.org\/unsubscribe\?token=abc>,\s+<mailto:unsubscribe@caricc\.org\?subject=unsubscribe>\r$/m,
    );
    expect(raw).toMatch(/^List-Id: CARICC News <caricc\.org>\r$/im); // header names are case-insensitive
  });

  it(
    "sends a template's bytes as rendered, " + 'lines that start with a dot and line breaks in values included',
    async () => {
      const template = await compileTemplate(
        mailer,
        'Dots',
        'greeting',
        ['.starts with a dot\n..and two\n', '\n.after the greeting\n.'],
        ['<style>\n.mj-column { width: 100% }\n</style><p>', '</p>\n.'],
        {
          'List-Id': 'CARICC News <caricc.org>',
        },
      );
      const values = {
        to: 'dots@example.org',
        messageId: 'e7.s1.dots@caricc.org',
        headers: {},
        text: { greeting: '.Hello\n.Reader\r\nthere' },
        html: { greeting: '.Hello' },
      };
      const raw = template.render(values)!;
      expect(raw.toString('latin1')).not.toMatch(/(^|[^\r])\n|\r(?!\n)/);
      const sent = await mailer.sendRaw!({ from: 'news@caricc.org', to: values.to, messageId: values.messageId, raw });
      expect(sent.response).toMatch(/^250/);
      await server.waitFor(1);
      expect(server.messages[0]!.raw.equals(raw)).toBe(true);
      expect(server.messages[0]!.parsed.text).toBe(
        '.starts with a dot\n..and two\n.Hello\n.Reader\nthere\n.after the greeting\n.',
      );
      expect(server.messages[0]!.parsed.html).toContain('\n.mj-column { width: 100% }\n');
    },
  );

  it(
    "holds a raw message's end until its ready promise resolves, " + 'and abandons it undelivered when that rejects',
    async () => {
      const template = await compileTemplate(mailer, 'Held', 'name', ['Hello ', '\n'], ['<p>Hello ', '</p>']);
      const raw = (to: string) => {
        const values = {
          to,
          messageId: `e7.s1.${to.split('@')[0]}@caricc.org`,
          headers: {},
          text: { name: to },
          html: { name: to },
        };
        return { from: 'news@caricc.org', to, messageId: values.messageId, raw: template.render(values)! };
      };
      let refuse!: (err: Error) => void;
      const abandoned = mailer.sendRaw!(raw('taken@example.org'), {
        ready: new Promise((_, reject) => (refuse = reject)),
      });
      let allow!: () => void;
      const held = mailer.sendRaw!(raw('held@example.org'), {
        ready: new Promise<void>((resolve) => (allow = resolve)),
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.messages).toEqual([]);
      refuse(new Error('the row was taken away'));
      await expect(abandoned).rejects.toThrow('the row was taken away');
      allow();
      expect((await held).response).toMatch(/^250/);
      expect((await mailer.sendRaw!(raw('next@example.org'))).response).toMatch(/^250/);
      await server.waitFor(2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.messages.map((m) => m.to[0]).sort()).toEqual(['held@example.org', 'next@example.org']);
    },
  );

  it('sends many messages through the pool', async () => {
    const addresses = Array.from({ length: 25 }, (_, i) => `r${i}@example.org`);
    await Promise.all(addresses.map((a) => mailer.send(message(a))));
    await server.waitFor(25);
    expect(server.messages.map((m) => m.to[0]).sort()).toEqual([...addresses].sort());
  });

  it('reports a 451 at RCPT TO as a retryable SmtpError', async () => {
    const err = await mailer.send(message('later@example.org')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmtpError);
    expect(err).toMatchObject({
      code: 'SMTP_DEFERRED',
      responseCode: 451,
      command: 'RCPT TO',
      retryable: true,
      serverWide: false,
    });
    expect(server.messages).toHaveLength(0);
  });

  it('reports a 550 at RCPT TO as permanent, with the reply', async () => {
    const err = await mailer.send(message('gone@example.org')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SMTP_REJECTED', responseCode: 550, command: 'RCPT TO', retryable: false });
    expect((err as SmtpError).response).toContain('Mailbox unavailable');
    // the pool still works for the next recipient
    await mailer.send(message('fine@example.org'));
    await server.waitFor(1);
  });

  it('reports a 554 after DATA as permanent', async () => {
    const err = await mailer.send(message('spam@example.org')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SMTP_REJECTED', responseCode: 554, retryable: false });
  });

  it('refuses a header value holding CR or LF before anything is sent', async () => {
    const attempts = [
      message('a@example.org', { subject: 'Hello\r\nBcc: victim@example.org' }),
      message('a@example.org', { headers: { 'List-Id': 'x\nBcc: victim@example.org' } }),
      message('a@example.org', { from: { name: 'News\r\nX-Evil: 1', address: 'news@caricc.org' } }),
      message('a@example.org', { headers: { 'Bad Name': 'x' } }),
      message('a@example.org', { headers: { Subject: 'second subject' } }),
    ];
    for (const m of attempts) {
      const err = await mailer.send(m).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MailError);
      expect(err).toMatchObject({ code: 'MAIL_HEADER_INVALID' });
    }
    expect(server.rcpt).toHaveLength(0);
  });
});

describe('mailer over SMTP with DKIM', () => {
  it("sends a template's message signed, its end held until ready, and the signature holds as received", async () => {
    const server = await startSmtpServer();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const mailer = createMailer({
      smtpUrl: server.url,
      outboxDir: '/nonexistent',
      now: () => DATE,
      dkim: {
        domainName: 'caricc.org',
        keySelector: 'news',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    try {
      const template = await compileTemplate(mailer, 'Signed', 'name', ['.Hello ', '\n'], ['<p>Hello ', '</p>']);
      const values = {
        to: 'signed@example.org',
        messageId: 'e7.s1.signed@caricc.org',
        headers: {},
        text: { name: '.Reader' },
        html: { name: 'Reader' },
      };
      let allow!: () => void;
      const sent = mailer.sendRaw!(
        { from: 'news@caricc.org', to: values.to, messageId: values.messageId, raw: template.render(values)! },
        { ready: new Promise<void>((resolve) => (allow = resolve)) },
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(server.messages).toEqual([]);
      allow();
      expect((await sent).response).toMatch(/^250/);
      await server.waitFor(1);
      const received = server.messages[0]!;
      expect((await checkDkim(received.raw, { domain: 'caricc.org', selector: 'news', publicKey })).result).toBe(
        'pass',
      );
      expect(received.parsed.text).toBe('.Hello .Reader\n');
    } finally {
      await mailer.close();
      await server.close();
    }
  });
});

describe('mailer failures of the server', () => {
  it('reports a refused connection as retryable and server-wide', async () => {
    const server = await startSmtpServer();
    const url = server.url;
    await server.close();
    const mailer = createMailer({ smtpUrl: url, outboxDir: '/nonexistent' });
    try {
      const err = await mailer.send(message('a@example.org')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SmtpError);
      expect(err).toMatchObject({ code: 'SMTP_UNAVAILABLE', retryable: true, serverWide: true });
    } finally {
      await mailer.close();
    }
  });

  it('reports a connection cut mid-DATA as retryable', async () => {
    const server = await startSmtpServer({ onData: () => 'drop' });
    const mailer = createMailer({ smtpUrl: server.url, outboxDir: '/nonexistent' });
    try {
      const err = await mailer.send(message('a@example.org', { text: 'x'.repeat(200_000) })).catch((e: unknown) => e);
      expect(err).toMatchObject({ retryable: true, serverWide: true });
      expect(server.messages).toHaveLength(0);
    } finally {
      await mailer.close();
      await server.close();
    }
  });

  it('reports failed authentication as server-wide, not as a bad recipient', async () => {
    const server = await startSmtpServer({ auth: { user: 'news', pass: 'right' } });
    const mailer = createMailer({
      smtpUrl: server.url.replace('news:right@', 'news:wrong@'),
      outboxDir: '/nonexistent',
    });
    try {
      const err = await mailer.send(message('a@example.org')).catch((e: unknown) => e);
      expect(err).toMatchObject({ responseCode: 535, retryable: true, serverWide: true, transportCode: 'EAUTH' });
    } finally {
      await mailer.close();
      await server.close();
    }
  });
});

describe('mailer without SMTP_URL', () => {
  let outbox: string;
  beforeEach(async () => {
    outbox = await mkdtemp(path.join(os.tmpdir(), 'gazette-outbox-'));
  });
  afterEach(() => rm(outbox, { recursive: true, force: true }));

  it('writes each message as a parseable .eml file in its folder', async () => {
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: outbox });
    const sent = await mailer.send(message('reader@example.org'), { folder: 'edition-7' });
    expect(sent.file).toBe(path.join(outbox, 'edition-7', 'e7.s18.reader@caricc.org.eml'));
    expect(await readdir(path.join(outbox, 'edition-7'))).toEqual(['e7.s18.reader@caricc.org.eml']);
    const raw = await readFile(sent.file!);
    expect(raw.toString('latin1')).toContain('\r\n');
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe('<e7.s18.reader@caricc.org>');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('reader@example.org');
    expect(mail.subject).toBe('CARICC News: 3 new items — Алматы');
    expect(mail.date?.toISOString()).toBe(DATE.toISOString());
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(mail.text?.trim()).toBe('Plain text part\nSecond line');
    expect(mail.html).toContain('<p>HTML part</p>');
  });

  it('puts mail without a folder under mail/ and a resend of one message on the same file', async () => {
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: outbox });
    await mailer.send(message('a@example.org'));
    await mailer.send(message('a@example.org', { subject: 'second try' }));
    const files = await readdir(path.join(outbox, 'mail'));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(await readFile(path.join(outbox, 'mail', files[0]!)));
    expect(mail.subject).toBe('second try');
  });

  it('refuses a folder that would leave the outbox, and unsafe headers', async () => {
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: outbox });
    await expect(mailer.send(message('a@example.org'), { folder: '../etc' })).rejects.toMatchObject({
      code: 'MAIL_OUTBOX',
    });
    await expect(
      mailer.send(message('a@example.org', { to: 'a@example.org\r\nBcc: b@example.org' })),
    ).rejects.toMatchObject({ code: 'MAIL_HEADER_INVALID' });
    expect(await readdir(outbox)).toEqual([]);
  });
});
