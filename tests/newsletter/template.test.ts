// The digest composed once as a message template and filled per recipient: the same message personalize + compose give.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeMessage, compileTemplate, digestDkimOptionsForTest } from './template-support.ts';
import { createMailer } from '../../src/mail/index.ts';
import {
  digestTemplate,
  personalize,
  recipientValues,
  type Digest,
  type DigestRecipient,
} from '../../src/newsletter/index.ts';
import { checkDkim } from './dkim-verify.ts';
import { HOSTILE_TITLE } from './hostile.ts';
import { NOW, newsItem, sampleConfig, sampleDigest, templates } from './factory.ts';
import { composeDigest } from '../../src/newsletter/index.ts';

const config = sampleConfig();
const SECRET = 'template-test-secret';
/** When the message is handed over: not the edition's date. */
const SENT_AT = new Date('2021-10-04T03:17:42Z');
let digest: Digest;
let dir: string;

beforeAll(async () => {
  digest = await sampleDigest(config);
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-template-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const READERS: DigestRecipient[] = [
  {
    subscriberId: 1,
    email: 'reader1@example.com',
    name: 'Reader 1',
    unsubscribeUrl: 'https://caricc.org/unsubscribe?token=tok1',
  },
  {
    subscriberId: 2,
    email: 'reader2@example.com',
    name: null,
    unsubscribeUrl: 'https://caricc.org/unsubscribe?token=tok2',
  },
  // Cyrillic and Tajik, an equals sign, HTML markup, trailing white space and a name long enough to wrap
  {
    subscriberId: 3,
    email: 'reader3@example.com',
    name: 'Ғафуров Зафар = <b>"bold"</b> & co ',
    unsubscribeUrl: 'https://caricc.org/unsubscribe?token=tok3',
  },
  {
    subscriberId: 4,
    email: 'x@example.com',
    name: `${'Долгое имя '.repeat(8)}end`,
    unsubscribeUrl: `https://caricc.org/unsubscribe?token=${'a'.repeat(150)}`,
  },
  {
    subscriberId: 5,
    email: 'reader5@example.com',
    name: HOSTILE_TITLE,
    unsubscribeUrl: 'https://caricc.org/unsubscribe?token=tok5',
  },
];

async function both(
  d: Digest,
  r: DigestRecipient,
): Promise<{ raw: Buffer; template: ParsedMail; composed: ParsedMail }> {
  const template = await compileTemplate(digestTemplate(d, config));
  const raw = template.render(recipientValues(d, r, config, SECRET), SENT_AT);
  if (!raw) throw new Error('not rendered');
  return {
    raw,
    template: await simpleParser(raw),
    composed: await simpleParser(await composeMessage(personalize(d, r, config, SECRET), SENT_AT)),
  };
}

describe('the digest as a message template', () => {
  it('gives each recipient the message personalize and nodemailer compose for them', async () => {
    for (const r of READERS) {
      const { raw, template, composed } = await both(digest, r);
      expect(template.text).toBe(composed.text);
      expect(template.html).toBe(composed.html);
      for (const field of ['subject', 'messageId', 'date'] as const) expect(template[field]).toEqual(composed[field]);
      expect(template.date).toEqual(SENT_AT);
      for (const field of ['from', 'to', 'replyTo'] as const)
        expect(JSON.stringify(template[field])).toEqual(JSON.stringify(composed[field]));
      for (const name of [
        'list-id',
        'list-unsubscribe',
        'list-unsubscribe-post',
        'list-archive',
        'mime-version',
        'precedence',
        'auto-submitted',
        'feedback-id',
      ]) {
        expect(JSON.stringify(template.headers.get(name)), name).toBe(JSON.stringify(composed.headers.get(name)));
      }
      // the boundary is drawn at random each time
      expect((template.headers.get('content-type') as { value: string }).value).toBe('multipart/alternative');
      const text = raw.toString('latin1');
      expect(text).not.toMatch(/(^|[^\r])\n/);
      // quoted-printable lines stay within 76 characters, header lines within 998
      for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
      const bodies = text.slice(text.indexOf('\r\n\r\n'));
      for (const line of bodies.split('\r\n')) expect(line.length, line).toBeLessThanOrEqual(76);
    }
  });

  it('keeps a hostile item intact and refuses nothing personalize accepts', async () => {
    const d = await composeDigest({
      items: [newsItem({ title: HOSTILE_TITLE })],
      config,
      editionId: '9',
      window: { start: new Date(NOW.getTime() - 7 * 86_400_000), end: NOW },
      now: NOW,
      templates: await templates(),
      force: false,
    });
    const { template, composed } = await both(d, READERS[2]!);
    expect(template.subject).toBe(composed.subject);
    expect(template.html).toBe(composed.html);
    expect(template.text).toBe(composed.text);
  });

  it('writes a non-ASCII local part as it is (RFC 6532) and the domain as an A-label, as in full', async () => {
    const r = { subscriberId: 7, email: 'чтец@пример.рф', unsubscribeUrl: 'https://caricc.org/unsubscribe?token=t' };
    const { raw, template, composed } = await both(digest, r);
    expect(raw.toString('utf8')).toMatch(/^To: чтец@xn--e1afmkfd\.xn--p1ai\r$/m);
    const full = await composeMessage(personalize(digest, r, config, SECRET), SENT_AT);
    expect(full.toString('utf8')).toMatch(/^To: чтец@xn--e1afmkfd\.xn--p1ai\r$/m);
    expect(JSON.stringify(composed.to)).toBe(JSON.stringify(template.to));
    expect(template.html).toBe(composed.html);
  });

  it('leaves a header value it cannot write as it is to the full composer', async () => {
    const template = await compileTemplate(digestTemplate(digest, config));
    const values = recipientValues(digest, READERS[0]!, config, SECRET);
    expect(template.render({ ...values, headers: { 'List-Unsubscribe': '<https://caricc.org/ü>' } }, SENT_AT)).toBe(
      undefined,
    );
  });

  it('signs a rendered message with DKIM when the mailer has a key, oversigning what a forger would add', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const dkim = digestDkimOptionsForTest(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: path.join(dir, 'outbox'), dkim, now: () => SENT_AT });
    const template = await mailer.compile!(digestTemplate(digest, config));
    const values = recipientValues(digest, READERS[0]!, config, SECRET);
    const sent = await mailer.sendRaw!(
      { from: 'news@caricc.org', to: values.to, messageId: values.messageId, raw: template.render(values)! },
      { folder: 'edition-3' },
    );
    const raw = await readFile(sent.file!);
    const key = { domain: 'caricc.org', selector: 'news2021', publicKey };
    const check = await checkDkim(raw, key);
    expect(check.result).toBe('pass');
    const once = [
      'from',
      'to',
      'subject',
      'date',
      'message-id',
      'list-id',
      'list-unsubscribe',
      'list-unsubscribe-post',
    ];
    for (const name of once)
      expect(
        check.signed.filter((h) => h === name),
        name,
      ).toHaveLength(2);
    expect((await simpleParser(raw)).date).toEqual(SENT_AT);
  });

  it('does not complete a message whose ready promise rejects', async () => {
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: path.join(dir, 'outbox') });
    const template = await mailer.compile!(digestTemplate(digest, config));
    const values = recipientValues(digest, READERS[1]!, config, SECRET);
    const refused = mailer.sendRaw!(
      { from: 'news@caricc.org', to: values.to, messageId: values.messageId, raw: template.render(values)! },
      { folder: 'edition-4', ready: Promise.reject(new Error('taken')) },
    );
    await expect(refused).rejects.toThrow('taken');
    await expect(readFile(path.join(dir, 'outbox', 'edition-4', `${values.messageId}.eml`))).rejects.toThrow();
  });
});
