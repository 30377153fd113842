// Text that broke the feed library gazette once wrote its feeds with (feed@6.0.0 on xml-js 1.6): an
// unescaped category domain, XML-illegal control characters, a literal "&amp;" turned into "&", only
// the first "]]>" of a CDATA section split, ids that are not URLs, JSON Feed version 1, no dc:creator,
// lastBuildDate from the clock, guessed enclosure types. gazette now writes every format itself; each
// test shows that its output is free of the fault.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderRss } from '../../src/feed/rss.ts';
import { renderFeeds } from '../../src/feed/index.ts';
import { feedDocument, feedTestConfig, makeNewsItem } from '../helpers/feed-items.ts';
import { readAtomWithFeedsmith, readRssWithFeedsmith, readRssWithRssParser } from '../helpers/feed-parse.ts';
import { xmlSyntaxError, xmllintErrors } from '../helpers/feed-validate.ts';

const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

const files = async (items = [makeNewsItem({ id: 'a' })]) => {
  const config = await feedTestConfig();
  const out = renderFeeds(items, config);
  const get = (name: string): string => String(out.find((f) => f.path === name)!.body);
  return { out, rss: get('feed.xml'), atom: get('atom.xml'), json: get('feed.json') };
};

afterEach(() => {
  vi.useRealTimers();
});

describe('hostile text and values in our output', () => {
  it('a category domain with "&" and "<" is escaped', async () => {
    const domain = 'https://example.org/tags?a=1&b=<2>';
    const { doc } = await feedDocument([makeNewsItem({ id: 'a', tags: ['R&D <x>'] })], { tagsUrl: domain });
    const ours = renderRss(doc);
    expect(xmlSyntaxError(ours)).toBeNull();
    expect(xmllintErrors([{ name: 'ours.xml', text: ours }])).toEqual([]);
    const parsed = (await import('feedsmith')).parseRssFeed(ours);
    expect(parsed.items?.[0]?.categories?.[0]).toEqual({ name: 'R&D <x>', domain });
  });

  it('XML-illegal control characters are dropped', async () => {
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

  it('Atom ids that are not URLs are kept, percent-encoded', async () => {
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

  it('JSON Feed says version 1.1 and uses `authors`', async () => {
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

  it('RSS names authors in dc:creator, not in <author> (which RSS keeps for e-mail addresses)', async () => {
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

  it('lastBuildDate comes from the items, not the clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2031-05-05T12:00:00Z'));
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

describe('escaping', () => {
  it('splits every "]]>" of a CDATA section, and titles are text', async () => {
    const { doc } = await feedDocument([
      makeNewsItem({ id: 'a', title: 'a ]]> b ]]> c ]]]> d', contentHtml: 'x ]]> y ]]> z ]]>' }),
    ]);
    const ours = renderRss(doc);
    expect(ours).toContain('<title>a ]]&#x3E; b ]]&#x3E; c ]]]&#x3E; d</title>');
    expect(xmllintErrors([{ name: 'ours.xml', text: ours }])).toEqual([]);
    const [item] = readRssWithFeedsmith(ours).items;
    expect(item?.title).toBe('a ]]> b ]]> c ]]]> d');
    expect(item?.contentHtml).toBe('x ]]> y ]]> z ]]>');
  });

  it('keeps a literal "&amp;" in element text', async () => {
    const { doc } = await feedDocument([makeNewsItem({ id: 'a', tags: ['Fish &amp; Chips & more'] })], {
      title: 'News &amp; more',
    });
    const ours = renderRss(doc);
    const parsed = (await import('feedsmith')).parseRssFeed(ours);
    expect(parsed.title).toBe('News &amp; more');
    expect(parsed.items?.[0]?.categories?.[0]?.name).toBe('Fish &amp; Chips & more');
  });

  it('gives Atom enclosures their real MIME types and types Atom titles as text', async () => {
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
