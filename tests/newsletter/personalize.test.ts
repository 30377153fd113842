import { beforeAll, describe, expect, it } from 'vitest';
import { composeDigest, personalize, type Digest } from '../../src/newsletter/index.ts';
import type { MailMessage } from '../../src/mail/message.ts';
import { HOSTILE_TITLE } from './hostile.ts';
import { NOW, newsItem, sampleConfig, sampleDigest, templates } from './factory.ts';

const config = sampleConfig();
const SECRET = 'test-secret-0123456789abcdef';
let digest: Digest;

beforeAll(async () => {
  digest = await sampleDigest(config);
});

function recipient(i: number) {
  const token = `tok${String(i).padStart(6, '0')}`;
  return {
    subscriberId: i,
    email: `reader${i}@example.com`,
    name: `Reader ${i}`,
    unsubscribeUrl: `https://caricc.org/unsubscribe?token=${token}`,
    token,
  };
}

function headerValues(m: MailMessage): string[] {
  return [
    m.subject,
    m.to,
    m.replyTo ?? '',
    m.from.name,
    m.from.address,
    m.messageId,
    ...Object.keys(m.headers),
    ...Object.values(m.headers),
  ];
}

describe('personalize', () => {
  it('gives each of 1,000 recipients their own Message-ID and unsubscribe link in body and header', () => {
    const ids = new Set<string>();
    for (let i = 1; i <= 1000; i++) {
      const r = recipient(i);
      const m = personalize(digest, r, config, SECRET);
      ids.add(m.messageId);
      expect(m.to).toBe(r.email);
      // opaque: 32 base32 characters at the From domain, no edition or subscriber id to read
      expect(m.messageId).toMatch(/^[a-z2-7]{32}@caricc\.org$/);
      expect(m.html).toContain(`href="${r.unsubscribeUrl}"`);
      expect(m.text).toContain(`\n${r.unsubscribeUrl}\n`);
      expect(m.headers['List-Unsubscribe']).toBe(
        `<${r.unsubscribeUrl}>, <mailto:press@caricc.org?subject=unsubscribe-${r.token}>`,
      );
      expect(m.html).toContain(`Hello Reader ${i},`);
      expect(m.text).toContain(`Subscribed address: ${r.email}\n`);
      // Nobody else's link or address leaks into this message.
      const other = recipient(i === 1000 ? 1 : i + 1);
      expect(m.html).not.toContain(other.token);
      expect(m.text).not.toContain(other.token);
      expect(m.html).not.toContain(other.email);
    }
    expect(ids.size).toBe(1000);
  });

  it('sets every header a list message needs, and no Date: the mailer dates it as it sends', () => {
    const m = personalize(digest, recipient(345), config, SECRET);
    expect(m.from).toEqual({ name: 'CARICC News', address: 'news@caricc.org' });
    expect(m.replyTo).toBe('press@caricc.org');
    expect(m.subject).toBe('CARICC News: 4 new items, week of 4 October 2021');
    expect(m.date).toBeUndefined();
    expect(m.headers).toEqual({
      'List-Id': 'CARICC News <caricc.org>',
      'List-Unsubscribe':
        '<https://caricc.org/unsubscribe?token=tok000345>, ' +
        '<mailto:press@caricc.org?subject=unsubscribe-tok000345>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Archive': '<https://caricc.org/archive/>',
      Precedence: 'bulk',
      'Auto-Submitted': 'auto-generated',
      // Gmail's campaign:customer:mail type:sender, nothing about the subscriber
      'Feedback-ID': '12:caricc.org:digest:gazette',
    });
  });

  it('gives the same Message-ID to the same (edition, subscriber) every time, e.g. after a resume', () => {
    expect(personalize(digest, recipient(7), config, SECRET)).toEqual(
      personalize(digest, recipient(7), config, SECRET),
    );
    const id = (d: Digest, i: number, secret = SECRET) => personalize(d, recipient(i), config, secret).messageId;
    expect(id(digest, 7)).not.toBe(id(digest, 8));
    expect(id(digest, 7)).not.toBe(id({ ...digest, editionId: '13' }, 7));
    // made with the secret: nobody without it can tell which subscriber or edition an id belongs to
    expect(id(digest, 7)).not.toBe(id(digest, 7, 'another secret'));
    // without a secret (a caller not passing one yet): still opaque and stable, keyed by the signed link
    const unkeyed = personalize(digest, recipient(7), config).messageId;
    expect(unkeyed).toMatch(/^[a-z2-7]{32}@caricc\.org$/);
    expect(personalize(digest, recipient(7), config).messageId).toBe(unkeyed);
  });

  it("writes an address's domain as an A-label (punycode), keeping a local part outside ASCII", () => {
    const at = (email: string) => personalize(digest, { ...recipient(1), email }, config, SECRET);
    expect(at('reader@Пример.РФ').to).toBe('reader@xn--e1afmkfd.xn--p1ai');
    const utf8 = at('чтец@пример.рф');
    expect(utf8.to).toBe('чтец@xn--e1afmkfd.xn--p1ai');
    // the reader sees the address as they gave it
    expect(utf8.text).toContain('Subscribed address: чтец@пример.рф\n');
    expect(() => at('reader@exa%mple.com')).toThrow(expect.objectContaining({ code: 'DIGEST_RECIPIENT_INVALID' }));
  });

  it('greets by name when there is one and plainly when there is none', () => {
    const m = personalize(
      digest,
      { subscriberId: 'a', email: 'a@example.com', name: null, unsubscribeUrl: 'https://caricc.org/u?token=a' },
      config,
    );
    expect(m.text).toContain('\nHello,\n');
    expect(m.html).toContain('Hello,');
  });

  it('uses a List-Id description given in the config', () => {
    const m = personalize(digest, recipient(1), sampleConfig({ list_id: 'CARICC weekly news <news.caricc.org>' }));
    expect(m.headers['List-Id']).toBe('CARICC weekly news <news.caricc.org>');
  });

  it('uses the configured unsubscribe mailbox and a token given apart from the URL', () => {
    const m = personalize(
      digest,
      { subscriberId: 1, email: 'a@example.com', unsubscribeUrl: 'https://caricc.org/u/abc', unsubscribeToken: 'abc' },
      sampleConfig({ unsubscribe_mailbox: 'unsubscribe@caricc.org' }),
    );
    expect(m.headers['List-Unsubscribe']).toBe(
      '<https://caricc.org/u/abc>, <mailto:unsubscribe@caricc.org?subject=unsubscribe-abc>',
    );
  });

  it('keeps hostile names out of the markup and every header on one line', () => {
    const m = personalize(
      digest,
      {
        subscriberId: '9\r\nBcc: x@example.com',
        email: 'reader@example.com',
        name: 'Evil\r\nBcc: x@example.com <script>alert(1)</script> & "Зафар" 🚨',
        unsubscribeUrl: 'https://caricc.org/unsubscribe?token=a b\r\n>,<c"d',
      },
      config,
    );
    expect(m.html).toContain(
      'Hello Evil Bcc: x@example.com &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Зафар&quot; 🚨,',
    );
    expect(m.html).not.toContain('<script>');
    expect(m.text).toContain('Hello Evil Bcc: x@example.com <script>alert(1)</script> & "Зафар" 🚨,\n');
    for (const v of headerValues(m)) expect(v).not.toMatch(/[\r\n]/);
    expect(m.messageId).toMatch(/^[a-z2-7]{32}@caricc\.org$/);
    const [https, mailto] = m.headers['List-Unsubscribe']!.split(', ');
    expect(https).toMatch(/^<https:\/\/caricc\.org\/unsubscribe\?token=[^<>\s,"]+>$/);
    expect(mailto).toMatch(/^<mailto:press@caricc\.org\?subject=unsubscribe-[^<>\s,"]+>$/);
  });

  it('keeps hostile config values and content out of the header lines', async () => {
    const hostile = sampleConfig(
      {
        from: { name: 'CARICC\r\nBcc: x@example.com', address: 'news@caricc.org' },
        list_id: 'List\r\nX: 1 <news.caricc.org\r\n>',
      },
      { title: 'CARICC "News"\r\nX-Evil: 1' },
    );
    const d = await composeDigest({
      items: [newsItem({ title: HOSTILE_TITLE, published: new Date('2021-09-30T00:00:00Z') })],
      config: hostile,
      editionId: 'e\r\n1',
      window: { start: new Date('2021-09-27T00:00:00Z'), end: NOW },
      now: NOW,
      templates: await templates(),
    });
    const m = personalize(d, recipient(1), hostile);
    for (const v of headerValues(m)) expect(v).not.toMatch(/[\r\n\u2028\u2029]/);
    expect(m.from.name).toBe('CARICC Bcc: x@example.com');
    expect(m.messageId).toMatch(/^[a-z2-7]{32}@caricc\.org$/);
    expect(m.headers['Feedback-ID']).toBe('e-1:news.caricc.org:digest:gazette');
  });

  it('refuses a recipient whose address or unsubscribe URL could not be used safely', () => {
    const ok = recipient(1);
    expect(() => personalize(digest, { ...ok, email: 'a@example.com\r\nBcc: b@example.com' }, config)).toThrow(
      expect.objectContaining({ code: 'DIGEST_RECIPIENT_INVALID' }),
    );
    expect(() => personalize(digest, { ...ok, email: 'not-an-address' }, config)).toThrow(
      expect.objectContaining({ code: 'DIGEST_RECIPIENT_INVALID' }),
    );
    expect(() => personalize(digest, { ...ok, unsubscribeUrl: 'javascript:alert(1)' }, config)).toThrow(
      expect.objectContaining({ code: 'DIGEST_RECIPIENT_INVALID' }),
    );
    expect(() => personalize(digest, { ...ok, unsubscribeUrl: '/unsubscribe?token=x' }, config)).toThrow(
      expect.objectContaining({ code: 'DIGEST_RECIPIENT_INVALID' }),
    );
  });
});
