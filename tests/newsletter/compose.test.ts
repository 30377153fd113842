import { describe, expect, it } from 'vitest';
import { ConfigError, GazetteError } from '../../src/errors.ts';
import { MjmlError } from '../../src/adapters/mjml.ts';
import {
  composeDigest,
  digestFromJson,
  digestToJson,
  fillSlots,
  loadDigestTemplates,
} from '../../src/newsletter/index.ts';
import { createSlotTokens } from '../../src/newsletter/slots.ts';
import { HOSTILE_ALT, HOSTILE_SUMMARY, HOSTILE_TITLE, HOSTILE_TITLE_LINE } from './hostile.ts';
import { NOW, newsItem, sampleConfig, sampleDigest, sampleItems, templates, TEMPLATES_DIR } from './factory.ts';

const values = {
  greeting: 'Hello,',
  email: 'reader@example.com',
  unsubscribeUrl: 'https://caricc.org/unsubscribe?token=t',
  unsubscribeLabel: 'Unsubscribe',
  preferencesUrl: 'https://caricc.org/preferences?token=abc',
};

describe('composeDigest with the sample content', () => {
  it('fills the subject template with site, count and the edition date in the site time zone', async () => {
    const digest = await sampleDigest();
    expect(digest.subject).toBe('CARICC News: 4 new items, week of 4 October 2021');
    // 23:30 UTC on 3 October is already 4 October in Almaty.
    const late = await composeDigest({
      items: await sampleItems(),
      config: sampleConfig(),
      editionId: '13',
      window: { start: new Date('2021-09-01T00:00:00Z'), end: NOW },
      now: new Date('2021-10-03T23:30:00Z'),
      templates: await templates(),
    });
    expect(late.subject).toContain('week of 4 October 2021');
    expect(late.slug).toBe('2021-10-04-13');
  });

  it('lists the window items newest first in both parts', async () => {
    const config = sampleConfig();
    const items = await sampleItems(config);
    const digest = await sampleDigest(config);
    const inWindow = items.filter((i) => i.published >= new Date('2021-09-01T00:00:00Z'));
    expect(digest.itemIds).toEqual(inWindow.map((i) => i.id));
    const text = fillSlots(digest.text, values);
    const html = fillSlots(digest.html, values);
    let lastText = -1;
    for (const item of inWindow) {
      expect(text).toContain(item.url);
      const at = text.indexOf(item.url);
      expect(at).toBeGreaterThan(lastText);
      lastText = at;
      expect(html).toContain(`href="${item.url}"`);
    }
  });

  it(
    'writes a text part for reading: ' + 'every title, date, summary and URL, lines within 72 columns except URLs',
    async () => {
      const config = sampleConfig();
      const items = (await sampleItems(config)).filter((i) => i.published >= new Date('2021-09-01T00:00:00Z'));
      const text = fillSlots((await sampleDigest(config)).text, values);
      const flat = text.replace(/\s+/g, ' ');
      for (const item of items) {
        expect(flat).toContain(item.title.replace(/\s+/g, ' '));
        expect(flat).toContain(item.summary.replace(/\s+/g, ' '));
      }
      expect(text).toContain('1 October 2021');
      expect(text).toContain('29 September 2021');
      expect(text).not.toMatch(/<[a-z/]/i);
      for (const line of text.split('\n'))
        if (!/https?:\/\//.test(line)) expect([...line].length).toBeLessThanOrEqual(72);
      expect(text).toContain("This week's news from the Centre and its partners.");
      expect(text).toContain('010000, Republic of Kazakhstan, Almaty, Sharipova str. 12');
      expect(text).toContain('Unsubscribe:\nhttps://caricc.org/unsubscribe?token=t');
      expect(text).toContain('https://caricc.org/archive/2021-10-04-12/');
    },
  );

  it(
    'shows the masthead, intro, footer, postal address, ' + 'unsubscribe and view-in-browser links in the HTML',
    async () => {
      const html = fillSlots((await sampleDigest()).html, values);
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain('<html lang="en"');
      expect(html).toContain('CARICC News</a>');
      expect(html).toContain('4 October 2021</time>');
      expect(html).toContain('This week&#39;s news from the Centre and its partners.');
      expect(html).toContain('010000, Republic of Kazakhstan, Almaty, Sharipova str. 12');
      expect(html).toContain('You receive this email because reader@example.com is subscribed to the');
      expect(html).toContain('href="https://caricc.org/unsubscribe?token=t"');
      expect(html).toContain('href="https://caricc.org/archive/2021-10-04-12/"');
      expect(html).not.toContain('fonts.googleapis.com');
    },
  );

  it('is deterministic: the same input twice gives byte-identical parts', async () => {
    const a = digestToJson(await sampleDigest());
    const b = digestToJson(await sampleDigest());
    expect(a).toBe(b);
  });

  it('cuts each part at a handful of slots so personalizing is a join, not a scan', async () => {
    const digest = await sampleDigest();
    expect([...digest.html.slots].sort()).toEqual([
      'email',
      'greeting',
      'preferencesUrl',
      'unsubscribeLabel',
      'unsubscribeUrl',
    ]);
    expect(digest.text.slots.length).toBeLessThanOrEqual(7);
    expect(digest.html.parts.join('')).not.toMatch(/gz[0-9a-f]{16}/);
  });

  it('survives a round trip through JSON, for the edition row in the database', async () => {
    const digest = await sampleDigest();
    expect(digestFromJson(digestToJson(digest))).toEqual(digest);
    expect(() => digestFromJson('{"version":1}')).toThrow(GazetteError);
  });
});

describe('composeDigest edge cases', () => {
  const window = { start: new Date('2021-09-27T03:00:00Z'), end: NOW };

  it('refuses an empty edition unless forced', async () => {
    const base = { items: [], config: sampleConfig(), editionId: '1', window, now: NOW, templates: await templates() };
    await expect(composeDigest(base)).rejects.toMatchObject({ code: 'DIGEST_EMPTY' });
    const forced = await composeDigest({ ...base, force: true });
    expect(forced.itemIds).toEqual([]);
    expect(forced.subject).toBe('CARICC News: no new items, week of 4 October 2021');
    expect(fillSlots(forced.text, values)).toContain('There are no new items since the last digest.');
  });

  it('leaves out items outside the window even when the caller passes them', async () => {
    const inside = newsItem({ slug: 'inside', published: new Date('2021-09-30T00:00:00Z') });
    const outside = newsItem({ slug: 'outside', published: new Date('2021-09-01T00:00:00Z') });
    const digest = await composeDigest({
      items: [outside, inside],
      config: sampleConfig(),
      editionId: '2',
      window,
      now: NOW,
      templates: await templates(),
    });
    expect(digest.itemIds).toEqual(['inside']);
  });

  it('reports an unknown subject placeholder as a config error naming the key', async () => {
    const config = sampleConfig({ subject: '{{site}} {{week}}' });
    const err = await composeDigest({
      items: [newsItem({ published: new Date('2021-09-30T00:00:00Z') })],
      config,
      editionId: '3',
      window,
      now: NOW,
      templates: await templates(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).key).toBe('digest.subject');
    expect((err as Error).message).toContain('{{week}}');
  });

  it('never puts a line break into the subject, whatever the config and content hold', async () => {
    const config = sampleConfig(
      { subject: 'Digest\r\nBcc: x@example.com {{site}}\n{{count}}\u2028{{date}}' },
      { title: 'CARICC\r\nX-Evil: 1' },
    );
    const digest = await composeDigest({
      items: [newsItem({ title: HOSTILE_TITLE, published: new Date('2021-09-30T00:00:00Z') })],
      config,
      editionId: '4',
      window,
      now: NOW,
      templates: await templates(),
    });
    expect(digest.subject).toBe('Digest Bcc: x@example.com CARICC X-Evil: 1 1 4 October 2021');
    expect(digest.subject).not.toMatch(/[\r\n\u2028\u2029]/);
  });

  it('escapes hostile titles, summaries and alt texts and keeps every script readable', async () => {
    const item = newsItem({
      title: HOSTILE_TITLE,
      summary: HOSTILE_SUMMARY,
      published: new Date('2021-09-30T00:00:00Z'),
      image: { url: 'https://caricc.org/images/a.jpg', alt: HOSTILE_ALT, type: 'image/jpeg' },
    });
    const digest = await composeDigest({
      items: [item],
      config: sampleConfig(),
      editionId: '5',
      window,
      now: NOW,
      templates: await templates(),
    });
    const html = fillSlots(digest.html, values);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
    expect(html).toContain('alt="&quot; onerror=&quot;alert(1)&quot; x=&quot;&lt;b&gt;"');
    expect(html).toContain('Наркотики, Тоҷикистон, Oʻzbekiston, Қазақстан 🚨👮‍♀️');
    const text = fillSlots(digest.text, values);
    expect(text.replace(/\n\s*/g, ' ')).toContain(HOSTILE_TITLE_LINE);
    expect(text).not.toContain('\r');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: hostile text that must come out as written
    expect(text).toContain('<% it.x %> ${x} {{count}} end');
  });

  it('refuses an image or link that is not http(s)', async () => {
    const item = newsItem({
      url: 'javascript:alert(1)',
      published: new Date('2021-09-30T00:00:00Z'),
      image: { url: 'javascript:alert(2)', alt: 'x', type: 'image/jpeg' },
    });
    const digest = await composeDigest({
      items: [item],
      config: sampleConfig(),
      editionId: '6',
      window,
      now: NOW,
      templates: await templates(),
    });
    const html = fillSlots(digest.html, values);
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('<img');
  });

  it("fails with the MJML validator's message when a template breaks the rules", async () => {
    const good = await loadDigestTemplates(TEMPLATES_DIR);
    const broken = new Map(good.templates);
    broken.set('digest-footer', '<mj-text>outside a column</mj-text>');
    const err = await composeDigest({
      items: [newsItem({ published: new Date('2021-09-30T00:00:00Z') })],
      config: sampleConfig(),
      editionId: '7',
      window,
      now: NOW,
      templates: { templates: broken },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MjmlError);
    expect((err as MjmlError).code).toBe('MJML_INVALID');
    expect((err as Error).message).toMatch(/mj-text/);
  });

  it('names the missing template files', async () => {
    await expect(loadDigestTemplates('/nonexistent-templates')).rejects.toMatchObject({ code: 'TEMPLATES_MISSING' });
  });
});

describe('slot tokens', () => {
  it('never match text that happens to contain the token an input would otherwise get', () => {
    const first = createSlotTokens(['content']);
    const forged = `content ${first.tokens.unsubscribeUrl}`;
    const second = createSlotTokens([forged]);
    expect(second.tokens.unsubscribeUrl).not.toBe(first.tokens.unsubscribeUrl);
    const cut = second.split(`${forged}|${second.tokens.unsubscribeUrl}`);
    expect(cut.slots).toEqual(['unsubscribeUrl']);
    expect(cut.parts[0]).toBe(`${forged}|`);
  });

  it('are the same for the same input', () => {
    expect(createSlotTokens(['a', 'b']).tokens).toEqual(createSlotTokens(['a', 'b']).tokens);
  });
});
