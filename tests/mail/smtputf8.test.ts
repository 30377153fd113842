// Addresses outside ASCII against a real smtp-server: domains go out as A-labels, a local part outside ASCII
// travels with SMTPUTF8 when the server offers it and is refused, clearly and for good, when it does not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer, SmtpError, type Mailer } from '../../src/mail/index.ts';
import { digestTemplate, personalize, recipientValues, type Digest } from '../../src/newsletter/index.ts';
import { sampleConfig, sampleDigest } from '../newsletter/factory.ts';
import { startUtf8Server as server, type Utf8Server } from './utf8-server.ts';

const config = sampleConfig();
const SECRET = 'smtputf8-test-secret';
let digest: Digest;
beforeAll(async () => {
  digest = await sampleDigest(config);
});

const reader = (subscriberId: number, email: string) => ({
  subscriberId,
  email,
  name: 'Чтец',
  unsubscribeUrl: `https://caricc.org/unsubscribe?token=t${subscriberId}`,
});

/** One reader's digest as the ledger sends it: from the template, bytes and envelope. */
async function sendFromTemplate(mailer: Mailer, r: ReturnType<typeof reader>) {
  const template = await mailer.compile!(digestTemplate(digest, config));
  const values = recipientValues(digest, r, config, SECRET);
  const raw = template.render(values)!;
  return mailer.sendRaw!({ from: 'news@caricc.org', to: values.to, messageId: values.messageId, raw });
}

describe('a server that offers SMTPUTF8', () => {
  let smtp: Utf8Server;
  let mailer: Mailer;
  beforeAll(async () => {
    smtp = await server({ hideSMTPUTF8: false });
    mailer = createMailer({ smtpUrl: smtp.url, outboxDir: '/nonexistent' });
  });
  afterAll(async () => {
    await mailer.close();
    await smtp.close();
  });

  it('gets a non-ASCII local part with SMTPUTF8, the domain an A-label in the envelope and in To', async () => {
    await sendFromTemplate(mailer, reader(1, 'чтец@пример.рф'));
    await mailer.send(personalize(digest, reader(2, 'дилноза@пример.рф'), config, SECRET));
    const [fromTemplate, composed] = smtp.received;
    expect(fromTemplate).toMatchObject({
      commands: ['MAIL FROM:<news@caricc.org> SMTPUTF8', 'RCPT TO:<чтец@xn--e1afmkfd.xn--p1ai>'],
      smtpUtf8: true,
    });
    expect(fromTemplate!.raw.toString('utf8')).toMatch(/^To: чтец@xn--e1afmkfd\.xn--p1ai\r$/m);
    expect(composed!.commands[1]).toBe('RCPT TO:<дилноза@xn--e1afmkfd.xn--p1ai>');
    expect(composed!.smtpUtf8).toBe(true);
    expect(composed!.raw.toString('utf8')).toMatch(/^To: дилноза@xn--e1afmkfd\.xn--p1ai\r$/m);
  });

  it('gets any message, not only a digest, with its domain as an A-label', async () => {
    await mailer.send({
      from: { name: 'CARICC News', address: 'news@caricc.org' },
      to: 'чтец@Пример.РФ',
      subject: 'Confirm your subscription',
      text: 'Confirm',
      messageId: 'confirm-1@caricc.org',
      headers: {},
    });
    const last = smtp.received.at(-1)!;
    expect(last.commands[1]).toBe('RCPT TO:<чтец@xn--e1afmkfd.xn--p1ai>');
    expect(last.raw.toString('utf8')).toMatch(/^To: чтец@xn--e1afmkfd\.xn--p1ai\r$/m);
  });

  it('gets an ASCII local part at an international domain without SMTPUTF8', async () => {
    await sendFromTemplate(mailer, reader(3, 'reader@Пример.РФ'));
    const last = smtp.received.at(-1)!;
    expect(last.commands[1]).toBe('RCPT TO:<reader@xn--e1afmkfd.xn--p1ai>');
    expect(last.smtpUtf8).toBe(false);
    expect(last.raw.toString('latin1')).toMatch(/^To: reader@xn--e1afmkfd\.xn--p1ai\r$/m);
  });
});

describe('a server that does not offer SMTPUTF8', () => {
  let smtp: Utf8Server;
  let mailer: Mailer;
  beforeAll(async () => {
    smtp = await server({ hideSMTPUTF8: true });
    mailer = createMailer({ smtpUrl: smtp.url, outboxDir: '/nonexistent', pool: { maxConnections: 1 } });
  });
  afterAll(async () => {
    await mailer.close();
    await smtp.close();
  });

  it('fails that message for good, saying why, sends nothing of it, and sends the next one', async () => {
    for (const attempt of [
      () => sendFromTemplate(mailer, reader(4, 'чтец@пример.рф')),
      () => mailer.send(personalize(digest, reader(5, 'чтец@пример.рф'), config, SECRET)),
    ]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SmtpError);
      expect(err).toMatchObject({
        code: 'SMTP_REJECTED',
        transportCode: 'ESMTPUTF8',
        retryable: false,
        serverWide: false,
      });
      expect((err as Error).message).toMatch(/чтец@xn--e1afmkfd\.xn--p1ai: .*needs SMTPUTF8.*does not offer/);
    }
    expect(smtp.rcpt).toEqual([]);
    // the connection stays usable: the next reader's digest goes out
    await sendFromTemplate(mailer, reader(6, 'reader@пример.рф'));
    expect(smtp.received.map((m) => m.commands[1])).toEqual(['RCPT TO:<reader@xn--e1afmkfd.xn--p1ai>']);
  });
});
