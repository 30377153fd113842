// RFC 5005 archived feeds: paging back from each subscription feed reaches every item exactly once,
// and archive pages keep their entries when new items arrive. Also the per-tag feeds.
import { describe, expect, it } from 'vitest';
import { planPages, renderFeeds } from '../../src/feed/index.ts';
import { slugify } from '../../src/content/slug.ts';
import type { NewsItem } from '../../src/content/types.ts';
import type { OutputFile } from '../../src/output.ts';
import { feedTestConfig, makeNewsItem, manyItems } from '../helpers/feed-items.ts';
import {
  readAtomWithFeedsmith,
  readAtomWithRssParser,
  readJsonFeedWithFeedsmith,
  readRssWithFeedsmith,
  readRssWithRssParser,
  type ReadFeed,
} from '../helpers/feed-parse.ts';

const SITE = 'https://caricc.org/';
const tagId = (item: NewsItem): string => `tag:caricc.org,2009:${item.id}`;

type Reader = (text: string) => ReadFeed | Promise<ReadFeed>;

/** Follows `rel` links from `start` through the rendered files, as a reader fetching URLs would. */
async function pageBack(
  files: OutputFile[],
  start: string,
  read: Reader,
  rel: string,
): Promise<{ ids: string[]; documents: string[] }> {
  const byUrl = new Map(files.map((f) => [SITE + f.path.split('/').map(encodeURIComponent).join('/'), String(f.body)]));
  const ids: string[] = [];
  const documents: string[] = [];
  let url: string | undefined = SITE + start.split('/').map(encodeURIComponent).join('/');
  while (url !== undefined) {
    const text = byUrl.get(url);
    if (text === undefined) throw new Error(`${url} is linked but not rendered`);
    if (documents.includes(url)) throw new Error(`${url} visited twice`);
    documents.push(url);
    const feed = await read(text);
    ids.push(...feed.items.map((i) => i.id ?? '(no id)'));
    url = feed.links[rel];
  }
  return { ids, documents };
}

describe('RFC 5005 archive paging over 300 items (limit 20, pages of 100)', async () => {
  const config = await feedTestConfig({ limit: 20, archivePageSize: 100 });
  const items = manyItems(300);
  const files = renderFeeds(items, config);
  const allIds = items.map(tagId);

  it.each([
    ['feed.xml', 'rss-parser', readRssWithRssParser, 'prev-archive'],
    ['feed.xml', 'feedsmith', readRssWithFeedsmith, 'prev-archive'],
    ['atom.xml', 'rss-parser', readAtomWithRssParser, 'prev-archive'],
    ['atom.xml', 'feedsmith', readAtomWithFeedsmith, 'prev-archive'],
    ['feed.json', 'feedsmith', readJsonFeedWithFeedsmith, 'next'],
  ] as const)(
    'from %s read by %s visits every item exactly once, newest to oldest',
    async (start, _parser, read, rel) => {
      const { ids, documents } = await pageBack(files, start, read, rel);
      expect(ids.length).toBe(300);
      expect(new Set(ids).size).toBe(300);
      expect(ids).toEqual(allIds);
      expect(documents.length).toBe(3);
    },
  );

  it(
    'keeps at least the newest `limit` items in the subscription feed ' + 'and full pages counted from the oldest',
    async () => {
      const current = await readRssWithRssParser(String(files.find((f) => f.path === 'feed.xml')!.body));
      expect(current.items.length).toBeGreaterThanOrEqual(20);
      expect(current.items.map((i) => i.id)).toEqual(allIds.slice(0, current.items.length));
      const oldestPage = readAtomWithFeedsmith(String(files.find((f) => f.path === 'feeds/atom-1.xml')!.body));
      expect(oldestPage.items.map((i) => i.id)).toEqual(allIds.slice(-100));
    },
  );

  it(
    'marks archive documents with fh:archive and links them to the current feed; ' +
      'subscription feeds are not archives',
    () => {
      for (const file of files.filter((f) => /^feeds\/(rss|atom)-\d+\.xml$/.test(f.path))) {
        const xml = String(file.body);
        expect(xml, file.path).toMatch(/<fh:archive(\s+xmlns:fh="http:\/\/purl\.org\/syndication\/history\/1\.0")?\/>/);
        expect(xml, file.path).toMatch(/xmlns:fh="http:\/\/purl\.org\/syndication\/history\/1\.0"/);
        expect(xml, file.path).toMatch(
          new RegExp(
            `href="${SITE}(feed|atom)\\.xml" rel="current"|rel="current" type="[^"]+" href="${SITE}(feed|atom)\\.xml"`,
          ),
        );
        expect(xml, file.path).toContain(`${SITE}${file.path}"`);
      }
      for (const name of ['feed.xml', 'atom.xml'])
        expect(String(files.find((f) => f.path === name)!.body)).not.toContain('fh:archive');
    },
  );

  it('links archive pages both ways: prev-archive to the older page, next-archive to the newer one', async () => {
    const page1 = readAtomWithFeedsmith(String(files.find((f) => f.path === 'feeds/atom-1.xml')!.body));
    const page2 = readAtomWithFeedsmith(String(files.find((f) => f.path === 'feeds/atom-2.xml')!.body));
    expect(page1.links['prev-archive']).toBeUndefined();
    expect(page1.links['next-archive']).toBe(`${SITE}feeds/atom-2.xml`);
    expect(page2.links['prev-archive']).toBe(`${SITE}feeds/atom-1.xml`);
    expect(page2.links['next-archive']).toBeUndefined();
    expect(page2.links.self).toBe(`${SITE}feeds/atom-2.xml`);
    expect(page2.links.current).toBe(`${SITE}atom.xml`);
  });

  it('keeps the entries of every archive page when 100 newer items arrive', async () => {
    const more = manyItems(400);
    const later = renderFeeds(more, config);
    const before = new Map(files.map((f) => [f.path, String(f.body)]));
    const after = new Map(later.map((f) => [f.path, String(f.body)]));
    for (const format of ['rss', 'atom', 'json']) {
      const ext = format === 'json' ? 'json' : 'xml';
      // Page 1 was already followed by page 2: byte for byte the same.
      expect(after.get(`feeds/${format}-1.${ext}`)).toBe(before.get(`feeds/${format}-1.${ext}`));
      // Page 2 was the newest page; it keeps its entries and only gains its link to page 3.
      const newest = before.get(`feeds/${format}-2.${ext}`)!;
      const grown = after.get(`feeds/${format}-2.${ext}`)!;
      const withoutNextLink = (text: string): string => text.replace(/\n\s*<(atom:)?link[^>]*next-archive[^>]*\/>/, '');
      if (format === 'json') expect(grown).toBe(newest);
      else {
        expect(withoutNextLink(grown)).toBe(newest);
        expect(grown).toContain(`feeds/${format}-3.xml`);
      }
    }
    const { ids } = await pageBack(later, 'atom.xml', readAtomWithFeedsmith, 'prev-archive');
    expect(ids).toEqual(more.map(tagId));
  });
});

describe('planPages', () => {
  it.each([0, 1, 19, 20, 21, 119, 120, 121, 219, 220, 299, 300, 301, 319, 320, 1000])(
    'partitions %i items: each in one document, full pages only, at least `limit` in the subscription feed',
    (count) => {
      const items = Array.from({ length: count }, (_, i) => count - i); // newest first: count … 1
      const plan = planPages(items, 20, 100);
      const all = [...plan.current, ...plan.archives.slice().reverse().flat()];
      expect(all).toEqual(items);
      expect(plan.current.length).toBeGreaterThanOrEqual(Math.min(count, 20));
      expect(plan.current.length).toBeLessThan(20 + 100);
      for (const [index, page] of plan.archives.entries()) {
        expect(page.length).toBe(100);
        expect(Math.min(...page)).toBe(index * 100 + 1);
      }
    },
  );
});

describe('tag feeds', async () => {
  const config = await feedTestConfig({ limit: 5, archivePageSize: 10 });
  const items = manyItems(120);

  it("hold their tag's newest items, in all three formats, with the tag in the title and no archive", async () => {
    const files = renderFeeds(items, config);
    for (const tag of ['UNODC', 'Наркотики', 'Operations']) {
      const slug = slugify(tag);
      const want = items.filter((i) => i.tags.includes(tag)).map(tagId);
      expect(want.length).toBeGreaterThan(15);
      const rss = await pageBack(files, `tags/${slug}/feed.xml`, readRssWithRssParser, 'prev-archive');
      const atom = await pageBack(files, `tags/${slug}/atom.xml`, readAtomWithFeedsmith, 'prev-archive');
      const json = await pageBack(files, `tags/${slug}/feed.json`, readJsonFeedWithFeedsmith, 'next');
      expect(atom.documents.length).toBe(1);
      expect(rss.ids).toEqual(want.slice(0, 5));
      expect(atom.ids).toEqual(want.slice(0, 5));
      expect(json.ids).toEqual(want.slice(0, 5));
      const head = await readRssWithRssParser(String(files.find((f) => f.path === `tags/${slug}/feed.xml`)!.body));
      expect(head.title).toBe(`CARICC News: ${tag}`);
      expect(head.links.self).toBe(`${SITE}tags/${encodeURIComponent(slug)}/feed.xml`);
    }
    expect(files.filter((f) => /^tags\/[^/]+\/feeds\//.test(f.path))).toEqual([]);
  });

  it('share one feed for tags that slugify alike and make none for items without tags', () => {
    const files = renderFeeds(
      [
        makeNewsItem({ id: 'a', tags: ['Drug Trafficking'] }),
        makeNewsItem({ id: 'b', tags: ['drug-trafficking'], published: new Date('2021-10-02T00:00:00Z') }),
        makeNewsItem({ id: 'c' }),
      ],
      config,
    );
    const tagFeeds = files.filter((f) => f.path.startsWith('tags/') && f.path.endsWith('/feed.xml')).map((f) => f.path);
    expect(tagFeeds).toEqual(['tags/drug-trafficking/feed.xml']);
    const xml = String(files.find((f) => f.path === 'tags/drug-trafficking/feed.xml')!.body);
    expect(xml.match(/<item>/g)?.length).toBe(2);
  });
});
