// Content pipeline: the sample newsroom, hostile markup and text, drafts and scheduled items.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { loadContent, parseContent } from '../../src/content/index.ts';
import { ContentErrors } from '../../src/errors.ts';

const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'tests/fixtures/content');
const config = await loadConfig(path.join(root, 'gazette.yaml'));
const later = new Date('2030-01-01T00:00:00Z');
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('sample content', () => {
  it('holds the eight items of the news page, newest first, dated at midnight in Asia/Almaty', async () => {
    const items = await loadContent(path.join(root, 'content'), config, later);
    expect(items).toHaveLength(8);
    expect(items.map((i) => i.published.toISOString())).toEqual([
      '2021-09-30T18:00:00.000Z', // 2021-10-01 00:00 +06:00
      '2021-09-28T18:00:00.000Z',
      '2021-09-19T18:00:00.000Z', // a range of days: its first day
      '2021-09-19T18:00:00.000Z',
      '2021-08-29T18:00:00.000Z',
      '2021-08-02T18:00:00.000Z',
      '2021-07-27T18:00:00.000Z',
      '2021-03-31T18:00:00.000Z', // only a month: its first day
    ]);
    // Two items share a day: their order follows their ids, whatever order the disk lists them in.
    expect(items[2]!.id < items[3]!.id).toBe(true);
    const first = items[0]!;
    expect(first.id).toBe('2021/2021-10-01-caricc-director-meets-kazakhstan-interior-minister');
    expect(first.slug).toBe('caricc-director-meets-kazakhstan-interior-minister');
    expect(first.url).toBe('https://caricc.org/news/caricc-director-meets-kazakhstan-interior-minister/');
    expect(first.title).toBe('CARICC Director meets the Minister of Internal Affairs of Kazakhstan');
    expect(first.tags).toEqual(['kazakhstan', 'cooperation', 'meetings']);
    expect(first.contentHtml).toContain(
      '<p>The meeting took place in the manner of a friendly and meaningful conversation.</p>',
    );
    expect(first.contentHtml.match(/<p>/g)).toHaveLength(6);
    for (const item of items) {
      expect(item.summary.length).toBeGreaterThan(40);
      expect(item.summary).not.toMatch(/[<>]/);
      expect(item.tags.length).toBeGreaterThan(0);
      expect(item.updated).toEqual(item.published);
      expect(item.draft).toBe(false);
    }
  });

  it('keeps every paragraph of the news page verbatim', async () => {
    const items = await loadContent(path.join(root, 'content'), config, later);
    const html = items
      .map((i) => i.contentHtml)
      .join('\n')
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    const seed = await readFile(path.join(root, '../shared/seed/000_c1e137ff30c1ff6a.txt'), 'utf8').catch(
      () => undefined,
    );
    const paragraphs = (seed ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^(Breaking news|Rate this item|\(0 votes\)|Page \d+ of)/.test(l));
    if (seed !== undefined) expect(paragraphs.length).toBeGreaterThan(40);
    for (const p of paragraphs) expect(html).toContain(`<p>${p}</p>`);
    expect(html).toContain(
      '<p>In this respect, we heartened to note the allocation from the Republic of Kazakhstan ' +
        'and the Russian Federation of regular voluntary contributions ' +
        "to the Center's budget in the amount of $100,000 each.</p>",
    );
  });
});

describe('hostile content', async () => {
  const items = await loadContent(path.join(fixtures, 'hostile'), config, later);
  const markup = items.find((i) => i.slug === 'markup')!;
  const tajik = items.find((i) => i.slug === 'маводи-мухаддир')!;

  it('keeps &, <, quotes and ]]> in titles, summaries, tags and author as plain text, minus control characters', () => {
    expect(markup.title).toBe(`Tom & Jerry <b>bold</b> say "hello" & 'bye' ]]>`);
    expect(markup.summary).toBe('Ampersands & <angle brackets> in a "summary"');
    expect(markup.tags).toEqual(['security & safety', '<script>']);
    expect(markup.author).toEqual({ name: "O'Brien & Sons", email: 'press@caricc.org' });
  });

  it('removes scripts, frames, plugins, styles, handlers, data attributes and dangerous URLs', () => {
    const html = markup.contentHtml;
    for (const banned of [
      '<script',
      'alert("body")',
      '<iframe',
      'evil.example',
      '<object',
      '<embed',
      '<style',
      'display: none',
      'onclick',
      'onerror',
      'style=',
      'data-track',
      'class="x"',
      'href="javascript',
      'href="JaVaScRiPt',
      'vbscript:',
      'data:',
    ]) {
      expect(html).not.toContain(banned);
    }
    expect(html).toContain('<p>Paragraph with handlers</p>');
    expect(html).toContain('CDATA terminator ]]&gt; and &lt;![CDATA[ opener, &amp; ampersand');
  });

  it('makes relative links and images absolute against the item URL', () => {
    const html = markup.contentHtml;
    expect(html).toContain('<a href="https://caricc.org/news/about/">relative link</a>');
    expect(html).toContain('<a href="https://caricc.org/contacts/">root link</a>');
    expect(html).toContain('<a href="https://caricc.org/news/markup/#part">fragment</a>');
    expect(html).toContain('<img src="https://caricc.org/news/markup/images/map.png" alt="a local map" />');
    for (const [, url] of html.matchAll(/(?:href|src)="([^"]*)"/g)) expect(url).toMatch(/^(https:\/\/|mailto:)/);
  });

  it(
    'resolves the front-matter image: ' + 'absolute URL, MIME type, size of the local file, published with the item',
    () => {
      expect(markup.image).toEqual({
        url: 'https://caricc.org/news/markup/images/map.png',
        alt: 'Map of the route & border',
        type: 'image/png',
        length: 69,
      });
      expect(markup.assets).toEqual([{ source: '2021/images/map.png', path: 'news/markup/images/map.png' }]);
    },
  );

  it('removes XML-illegal control characters from text and HTML', () => {
    // eslint-disable-next-line no-control-regex
    const illegal = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
    for (const item of items) {
      for (const text of [item.title, item.summary, item.contentHtml, ...item.tags, item.image?.alt ?? ''])
        expect(text).not.toMatch(illegal);
    }
    expect(markup.contentHtml).toContain('Control characters: bell null escape vertical-tab form-feed delete C1 end.');
  });

  it('keeps Cyrillic, Tajik and Uzbek letters and emoji, with a Unicode slug and a percent-encoded URL', () => {
    expect(tajik.title).toBe('Маводи мухаддир: ҳамкорӣ, рӯйхат, ғалла, қонун — Oʻzbekiston, gʻalaba 🚨🌍');
    expect(tajik.tags).toEqual(['Тоҷикистон', 'Oʻzbekiston', 'наркотики', '🚨']);
    expect(tajik.url).toBe(`https://caricc.org/news/${encodeURIComponent('маводи-мухаддир')}/`);
    expect(tajik.lang).toBe('tg');
    expect(tajik.contentHtml).toContain('Ҳамкорӣ ва қонун, Oʻzbekiston va gʻalaba 🚨.');
  });

  it('derives a missing summary from the first paragraph, cut at a word boundary with an ellipsis', () => {
    expect(tajik.summary.endsWith('…')).toBe(true);
    expect(Array.from(tajik.summary).length).toBeLessThanOrEqual(281);
    expect(tajik.summary.length).toBeGreaterThan(200);
    const words = tajik.summary.slice(0, -1).split(' ');
    expect('The delegation of the Republic of Tajikistan discussed the situation on the border,'.split(' ')).toContain(
      words.at(-1),
    );
    expect(tajik.summary).not.toContain('Второй абзац');
  });

  it('orders two items of the same minute by id, the same way every time', () => {
    expect(items.map((i) => i.slug)).toEqual(['same-minute-a', 'same-minute-b', 'маводи-мухаддир', 'markup']);
    const shuffled = parseContent(
      [
        { path: 'b.md', bytes: encode('---\ntitle: B\ndate: 2021-11-03T10:15:00+06:00\n---\nb\n') },
        { path: 'a.md', bytes: encode('---\ntitle: A\ndate: 2021-11-03T10:15:00+06:00\n---\na\n') },
      ],
      config,
      later,
    );
    expect(shuffled.map((i) => i.id)).toEqual(['a', 'b']);
  });
});

describe('drafts and scheduled items', () => {
  const dir = path.join(fixtures, 'schedule');

  it('publishes neither drafts nor items dated after now', async () => {
    const items = await loadContent(dir, config, new Date('2021-06-30T12:00:00Z'));
    expect(items.map((i) => i.title)).toEqual(['Published']);
  });

  it('publishes a scheduled item once now reaches its date (09:00 in Asia/Almaty)', async () => {
    expect((await loadContent(dir, config, new Date('2021-07-01T02:59:59Z'))).map((i) => i.title)).toEqual([
      'Published',
    ]);
    expect((await loadContent(dir, config, new Date('2021-07-01T03:00:00Z'))).map((i) => i.title)).toEqual([
      'Scheduled',
      'Published',
    ]);
  });

  it('reads a written offset or Z as given, and a date or time without one in the site time zone', () => {
    const dates = [
      '2021-10-01',
      '2021-10-01T09:30',
      '2021-10-01 09:30:15',
      '2021-10-01T09:30:00+02:00',
      '2021-10-01T09:30:00-0330',
      '2021-10-01T09:30:00Z',
      '2021-10-01T09:30:00.250Z',
    ];
    const files = dates.map((date, i) => ({
      path: `d${i}.md`,
      bytes: encode(`---\ntitle: T${i}\ndate: ${date}\n---\nx\n`),
    }));
    const byTitle = new Map(
      parseContent(files, config, later).map((item) => [item.title, item.published.toISOString()]),
    );
    expect(dates.map((_, i) => byTitle.get(`T${i}`))).toEqual([
      '2021-09-30T18:00:00.000Z', // midnight at +06:00 (Asia/Almaty)
      '2021-10-01T03:30:00.000Z',
      '2021-10-01T03:30:15.000Z',
      '2021-10-01T07:30:00.000Z',
      '2021-10-01T13:00:00.000Z',
      '2021-10-01T09:30:00.000Z',
      '2021-10-01T09:30:00.250Z',
    ]);
  });
});

describe('content errors', () => {
  const parse = (files: Record<string, string | Uint8Array>): unknown => {
    try {
      parseContent(
        Object.entries(files).map(([p, b]) => ({ path: p, bytes: typeof b === 'string' ? encode(b) : b })),
        config,
        later,
      );
      return undefined;
    } catch (err) {
      return err;
    }
  };

  it('reports every problem of every file at once, with file, field and line', () => {
    const err = parse({
      'a.md': '---\ntitle: A\ndate: 2021-02-29\nfoo: 1\n---\nx\n',
      'b.md': '---\ntitle: [not, text]\ndate: 2021-01-01\nupdated: 2020-12-31\n---\n',
      'c.md': '---\ntitle: C\ndate: 2021-01-01\nauthor:\n  name: C\n  email: not-an-email\nslug: Not A Slug\n---\n',
    });
    expect(err).toBeInstanceOf(ContentErrors);
    const errors = (err as ContentErrors).errors.map((e) => ({
      file: e.file,
      field: e.field,
      line: e.line,
      code: e.code,
    }));
    expect(errors).toEqual([
      { file: 'a.md', field: 'foo', line: 4, code: 'UNKNOWN_FIELD' },
      { file: 'b.md', field: 'title', line: 2, code: 'WRONG_TYPE' },
      { file: 'c.md', field: 'author.email', line: 4, code: 'INVALID_VALUE' },
    ]);
  });

  it('checks dates and slugs once the fields have the right types', () => {
    const err = parse({
      'a.md': '---\ntitle: A\ndate: 2021-02-29\n---\nx\n',
      'b.md': '---\ntitle: B\ndate: 2021-01-01\nupdated: 2020-12-31\n---\n',
      'c.md': '---\ntitle: C\ndate: 1 October 2021\nslug: Not A Slug\n---\n',
    }) as ContentErrors;
    expect(err.errors.map((e) => e.message)).toEqual([
      'a.md:3 (field "date"): "2021-02-29" is not a real date or time',
      'b.md:4 (field "updated"): updated must not be earlier than date',
      'c.md:3 (field "date"): must be a date like 2021-10-01 or 2021-10-01T09:30:00+05:00, got "1 October 2021"',
      'c.md:4 (field "slug"): must be a URL slug (lower-case letters, digits and hyphens), e.g. "not-a-slug"',
    ]);
  });

  it('refuses front matter in a language that would run code', () => {
    const err = parse({ 'a.md': '---js\n{ title: (() => { throw new Error("ran") })() }\n---\nx\n' }) as ContentErrors;
    expect(err.errors[0]!.message).toMatch(/^a\.md:1: no front matter/);
    const json = parse({ 'b.md': '---\n---json\n---\n' });
    expect(json).toBeInstanceOf(ContentErrors);
  });
});

describe('front matter fields', () => {
  it('takes id, slug, author, updated, link, lang and a remote image as given', () => {
    const [item] = parseContent(
      [
        {
          path: '2021/2021-10-05-elsewhere.md',
          bytes: encode(
            '---\ntitle: "  Reported   elsewhere  "\ndate: 2021-10-05T09:30:00+06:00\nupdated: 2021-10-06\n' +
              'id: tag:caricc.org,2009:item-1\nslug: reported-elsewhere\n' +
              'author: Press Office\nlink: https://www.unodc.org/centralasia/news.html\nlang: ru\nimage: https://cdn.example.org/photo.JPG\ndraft: false\n---\nBody.\n',
          ),
        },
      ],
      config,
      later,
    );
    expect(item).toMatchObject({
      id: 'tag:caricc.org,2009:item-1',
      slug: 'reported-elsewhere',
      title: 'Reported elsewhere',
      author: { name: 'Press Office' },
      link: 'https://www.unodc.org/centralasia/news.html',
      url: 'https://www.unodc.org/centralasia/news.html',
      lang: 'ru',
      image: { url: 'https://cdn.example.org/photo.JPG', alt: '', type: 'image/jpeg' },
      summary: 'Body.',
    });
    expect(item!.published.toISOString()).toBe('2021-10-05T03:30:00.000Z');
    expect(item!.updated.toISOString()).toBe('2021-10-05T18:00:00.000Z');
    expect(item!.image).not.toHaveProperty('length');
    expect(item).not.toHaveProperty('assets');
  });
});
