// feed@6.0.0's known output bugs: each test shows the bug in the bare library (so a release that
// fixes it fails here and its guard can go) and proves that our output is free of it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnguardedFeed, renderRss2, type Rss2Channel, type Rss2Item } from '../../src/adapters/feed.ts';
import { renderFeeds } from '../../src/feed/index.ts';
import { feedTestConfig, makeNewsItem } from '../helpers/feed-items.ts';
import { readAtomWithFeedsmith, readRssWithFeedsmith, readRssWithRssParser } from '../helpers/feed-parse.ts';
import { xmlSyntaxError, xmllintErrors } from '../helpers/feed-validate.ts';

const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function bareFeed(): InstanceType<typeof UnguardedFeed> {
  return new UnguardedFeed({
    title: 'T',
    id: 'https://example.org/',
    link: 'https://example.org/',
    description: 'D',
    updated: new Date('2021-01-01T00:00:00Z'),
  });
}

const channel: Rss2Channel = {
  title: 'T',
  link: 'https://example.org/',
  description: 'D',
  language: 'en',
  lastBuildDate: new Date('2021-10-02T00:00:00Z'),
  pubDate: new Date('2021-10-01T00:00:00Z'),
  selfUrl: 'https://example.org/feed.xml',
  links: [],
  archive: false,
};

const rssItem = (overrides: Partial<Rss2Item> = {}): Rss2Item => ({
  title: 'A',
  link: 'https://example.org/a',
  guid: 'tag:example.org,2021:a',
  guidIsPermaLink: false,
  pubDate: new Date('2021-10-01T00:00:00Z'),
  descriptionHtml: 'S',
  contentHtml: '<p>C</p>',
  categories: [],
  ...overrides,
});

const files = async (items = [makeNewsItem({ id: 'a' })]) => {
  const config = await feedTestConfig();
  const out = renderFeeds(items, config);
  const get = (name: string): string => String(out.find((f) => f.path === name)!.body);
  return { out, rss: get('feed.xml'), atom: get('atom.xml'), json: get('feed.json') };
};

afterEach(() => {
  vi.useRealTimers();
});

describe('feed@6.0.0 bugs kept out of our output', () => {
  it('(1) the RSS category domain attribute is not escaped', async () => {
    const domain = 'https://example.org/tags?a=1&b=<2>';
    const bare = bareFeed();
    bare.addItem({ title: 'A', link: 'https://example.org/a', date: new Date(0), category: [{ name: 'x', domain }] });
    expect(bare.rss2()).toContain(`domain="${domain}"`);
    expect(xmllintErrors([{ name: 'bare.xml', text: bare.rss2() }]).length).toBeGreaterThan(0);

    const ours = renderRss2(channel, [rssItem({ categories: [{ name: 'R&D <x>', domain }] })]);
    expect(xmlSyntaxError(ours)).toBeNull();
    expect(xmllintErrors([{ name: 'ours.xml', text: ours }])).toEqual([]);
    const parsed = (await import('feedsmith')).parseRssFeed(ours);
    expect(parsed.items?.[0]?.categories?.[0]).toEqual({ name: 'R&D <x>', domain });
  });

  it('(2) XML-illegal control characters pass through', async () => {
    const bare = bareFeed();
    bare.addItem({ title: 'Bell\u0007', link: 'https://example.org/a', date: new Date(0), content: 'Null\u0000' });
    expect(bare.rss2()).toMatch(ILLEGAL);
    expect(xmllintErrors([{ name: 'bare.xml', text: bare.rss2() }]).length).toBeGreaterThan(0);

    const { out } = await files([
      makeNewsItem({
        id: 'ctl\u0001',
        title: 'Bell\u0007',
        summary: 'Esc\u001B',
        contentHtml: '<p>Null\u0000 \uFFFE</p>',
        tags: ['t\u0002'],
        author: { name: 'N\u0003' },
      }),
    ]);
    for (const file of out) expect(String(file.body), file.path).not.toMatch(ILLEGAL);
    expect(
      xmllintErrors(out.filter((f) => f.path.endsWith('.xml')).map((f) => ({ name: f.path, text: String(f.body) }))),
    ).toEqual([]);
  });

  it('(3) Atom ids that are not URLs throw', async () => {
    const bare = bareFeed();
    bare.addItem({ title: 'A', id: '2021/news item', link: 'https://example.org/a', date: new Date(0) });
    expect(() => bare.atom1()).toThrow();

    const { atom } = await files([
      makeNewsItem({ id: '2021/news item', slug: 'x' }),
      makeNewsItem({ id: 'новости/ҳамкорӣ', slug: 'y', published: new Date('2021-10-03T00:00:00Z') }),
    ]);
    const ids = readAtomWithFeedsmith(atom).items.map((i) => i.id);
    expect(ids).toEqual([
      'tag:caricc.org,2009:%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/%D2%B3%D0%B0%D0%BC%D0%BA%D0%BE%D1%80%D3%A3',
      'tag:caricc.org,2009:2021/news%20item',
    ]);
  });

  it('(4) JSON Feed says version 1 and uses `author`', async () => {
    const bare = bareFeed();
    bare.options.author = { name: 'Press' };
    bare.addItem({ title: 'A', link: 'https://example.org/a', date: new Date(0), author: [{ name: 'Press' }] });
    const bareJson = JSON.parse(bare.json1()) as Record<string, unknown>;
    expect(bareJson.version).toBe('https://jsonfeed.org/version/1');
    expect(bareJson.author).toBeDefined();

    const { json } = await files();
    const feed = JSON.parse(json) as {
      version: string;
      author?: unknown;
      authors: unknown[];
      items: Array<Record<string, unknown>>;
    };
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.author).toBeUndefined();
    expect(feed.authors).toEqual([{ name: 'CARICC Press Office', url: 'mailto:press@caricc.org' }]);
    for (const item of feed.items) {
      expect(item.author).toBeUndefined();
      expect(item.authors).toEqual([{ name: 'CARICC Press Office', url: 'mailto:press@caricc.org' }]);
    }
  });

  it('(5) RSS has no dc:creator', async () => {
    const bare = bareFeed();
    bare.addItem({
      title: 'A',
      link: 'https://example.org/a',
      date: new Date(0),
      content: 'c',
      author: [{ name: 'Ғуломов' }],
    });
    expect(bare.rss2()).not.toContain('dc:creator');
    // …and writes a bare name into <author>, which RSS reserves for e-mail addresses.
    expect(bare.rss2()).toContain('<author>Ғуломов</author>');

    const { rss } = await files([
      makeNewsItem({ id: 'a', author: { name: 'Ғуломов Қ. & Co' } }),
      makeNewsItem({ id: 'b', published: new Date('2021-09-01T00:00:00Z') }),
    ]);
    expect(rss).not.toContain('<author>');
    const items = (await readRssWithRssParser(rss)).items;
    expect(items).toHaveLength(2);
    const parsed = (await import('feedsmith')).parseRssFeed(rss);
    expect(parsed.items?.map((i) => i.dc?.creators)).toEqual([['Ғуломов Қ. & Co'], ['CARICC Press Office']]);
  });

  it('(6) lastBuildDate is stamped with new Date()', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2031-05-05T12:00:00Z'));
    const bare = new UnguardedFeed({ title: 'T', id: 'https://example.org/', link: 'https://example.org/' });
    expect(bare.rss2()).toContain('<lastBuildDate>Mon, 05 May 2031 12:00:00 GMT</lastBuildDate>');
    expect(bare.atom1()).toContain('2031-05-05T12:00:00');

    const items = [
      makeNewsItem({ id: 'a', published: new Date('2021-10-01T00:00:00Z'), updated: new Date('2021-10-05T06:07:08Z') }),
      makeNewsItem({ id: 'b', published: new Date('2021-10-03T00:00:00Z') }),
    ];
    const first = await files(items);
    expect(first.rss).toContain('<lastBuildDate>Tue, 05 Oct 2021 06:07:08 GMT</lastBuildDate>');
    expect(first.rss).toContain('<pubDate>Sun, 03 Oct 2021 00:00:00 GMT</pubDate>');
    expect(first.atom).toContain('<updated>2021-10-05T06:07:08Z</updated>');
    vi.setSystemTime(new Date('2040-01-01T00:00:00Z'));
    const second = await files(items);
    expect(second.out).toEqual(first.out);
    for (const file of first.out) expect(String(file.body)).not.toMatch(/2031|2040/);
  });
});

describe('further xml-js 1.6 serializer quirks feed@6 passes on', () => {
  it('splits only the first "]]>" of a CDATA section', () => {
    const bare = bareFeed();
    bare.addItem({ title: 'A', link: 'https://example.org/a', date: new Date(0), content: 'x ]]> y ]]> z' });
    expect(xmllintErrors([{ name: 'bare.xml', text: bare.rss2() }]).length).toBeGreaterThan(0);

    const ours = renderRss2(channel, [rssItem({ title: 'a ]]> b ]]> c ]]]> d', contentHtml: 'x ]]> y ]]> z ]]>' })]);
    expect(xmllintErrors([{ name: 'ours.xml', text: ours }])).toEqual([]);
    const [item] = readRssWithFeedsmith(ours).items;
    expect(item?.title).toBe('a ]]> b ]]> c ]]]> d');
    expect(item?.contentHtml).toBe('x ]]> y ]]> z ]]>');
  });

  it('turns a literal "&amp;" in element text into "&"', async () => {
    const bare = bareFeed();
    bare.addItem({
      title: 'A',
      link: 'https://example.org/a',
      date: new Date(0),
      category: [{ name: 'Fish &amp; Chips' }],
    });
    expect(bare.rss2()).toContain('<category>Fish &amp; Chips</category>');

    const ours = renderRss2({ ...channel, title: 'News &amp; more' }, [
      rssItem({ categories: [{ name: 'Fish &amp; Chips & more' }] }),
    ]);
    const parsed = (await import('feedsmith')).parseRssFeed(ours);
    expect(parsed.title).toBe('News &amp; more');
    expect(parsed.items?.[0]?.categories?.[0]?.name).toBe('Fish &amp; Chips & more');
  });

  it('guesses Atom enclosure types from file extensions and types Atom titles as HTML', async () => {
    const bare = bareFeed();
    bare.addItem({
      title: 'Use <b> tags',
      link: 'https://example.org/a',
      date: new Date(0),
      image: { url: 'https://example.org/a.jpg', type: 'image/jpeg' },
    });
    expect(bare.atom1()).toContain('type="image/jpg"');
    expect(bare.atom1()).toMatch(/<title type="html"><!\[CDATA\[Use <b> tags\]\]><\/title>/);

    const { atom } = await files([
      makeNewsItem({
        id: 'a',
        title: 'Use <b> tags',
        image: { url: 'https://caricc.org/a.jpg', alt: '', type: 'image/jpeg', length: 12 },
      }),
    ]);
    expect(atom).toContain('<link rel="enclosure" type="image/jpeg" length="12" href="https://caricc.org/a.jpg"/>');
    expect(atom).toContain('<title type="text">Use &#x3C;b&#x3E; tags</title>');
  });
});
