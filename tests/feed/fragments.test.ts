// Each entry is serialized once per format and spliced into every document that holds it: the
// spliced documents must be byte for byte what serializing each document whole gives.
import { describe, expect, it } from 'vitest';
import {
  renderRss2,
  renderRss2FromFragments,
  renderRss2Item,
  renderRss2Items,
  type Rss2Channel,
  type Rss2Item,
} from '../../src/adapters/feed.ts';
import { renderFeeds } from '../../src/feed/index.ts';
import { feedTestConfig, hostileItems, manyItems } from '../helpers/feed-items.ts';

const channel: Rss2Channel = {
  title: 'Title & <more>',
  link: 'https://example.org/',
  description: 'D ]]> "quoted"',
  language: 'ru',
  copyright: '© 2021',
  image: 'https://example.org/logo.png',
  lastBuildDate: new Date('2021-10-02T00:00:00Z'),
  pubDate: new Date('2021-10-01T00:00:00Z'),
  selfUrl: 'https://example.org/feed.xml',
  links: [
    { rel: 'prev-archive', href: 'https://example.org/feeds/rss-1.xml', type: 'application/rss+xml' },
    { rel: 'current', href: 'https://example.org/feed.xml' },
  ],
  archive: true,
  stylesheet: '/feed.xsl',
};

function rssItems(): Rss2Item[] {
  return hostileItems().map((item, i) => ({
    title: item.title,
    link: item.url,
    guid: `tag:example.org,2021:${item.id}`,
    guidIsPermaLink: i % 3 === 0 && item.url.startsWith('http'),
    pubDate: item.published,
    descriptionHtml: i % 2 ? item.summary : '',
    contentHtml: i === 1 ? '' : item.contentHtml,
    ...(i % 2 ? { creator: `Author ${i} & co` } : {}),
    categories: item.tags.map((name) => ({ name, domain: 'https://example.org/tags/?a=1&b=<2>' })),
    ...(i === 0 ? { enclosure: { url: 'https://example.org/a b.jpg', type: 'image/jpeg', length: 1234 } } : {}),
  }));
}

describe('documents spliced from serialized entries', () => {
  it('RSS: equal to the library serializing the whole document, for hostile items', () => {
    const items = rssItems();
    expect(items.length).toBeGreaterThan(3);
    expect(
      renderRss2FromFragments(
        channel,
        items.map((item) => renderRss2Item(item).xml),
      ),
    ).toBe(renderRss2(channel, items));
    expect(renderRss2FromFragments(channel, [renderRss2Item(items[2]!).xml])).toBe(renderRss2(channel, [items[2]!]));
    expect(renderRss2FromFragments(channel, [])).toBe(renderRss2(channel, []));
  });

  it('RSS: items rendered together give the fragments each gives alone, even when their text holds item tags', () => {
    const items = rssItems();
    // CDATA keeps HTML as it is: "</item><item>" in a body must not cut the batch in the wrong place.
    items.push({
      ...items[2]!,
      guid: 'tag:example.org,2021:tags',
      contentHtml: '<p>a</item>\n        <item>b <code>&lt;item&gt;</code></p>',
    });
    items.push({ ...items[3]!, guid: 'tag:example.org,2021:after' });
    const together = renderRss2Items(items).map((f) => f.xml);
    expect(together).toEqual(items.map((item) => renderRss2Item(item).xml));
    expect(renderRss2FromFragments(channel, together)).toBe(renderRss2(channel, items));
    expect(renderRss2Items([])).toEqual([]);
  });

  it('JSON Feed: formatted exactly as JSON.stringify formats the whole document', async () => {
    const config = await feedTestConfig({ limit: 5, archivePageSize: 10 });
    const files = renderFeeds([...hostileItems(), ...manyItems(40)], config).filter((f) => f.path.endsWith('.json'));
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const text = String(file.body);
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    }
    const empty = renderFeeds([], config).find((f) => f.path === 'feed.json')!;
    expect(JSON.parse(String(empty.body)).items).toEqual([]);
  });

  it('an entry reads the same in the subscription feed, its archive page and its tag feeds', async () => {
    const config = await feedTestConfig({ limit: 5, archivePageSize: 10 });
    const files = renderFeeds(manyItems(60), config);
    const itemOf = (path: string, id: string): string => {
      const xml = String(files.find((f) => f.path === path)!.body);
      const at = xml.indexOf(id);
      return xml.slice(xml.lastIndexOf('<entry', at), xml.indexOf('</entry>', at));
    };
    // The newest item is in atom.xml and in each of its tags' feeds.
    const atom = String(files.find((f) => f.path === 'atom.xml')!.body);
    const newest = atom.slice(atom.indexOf('<entry')).match(/<id>([^<]+)<\/id>/)![1]!;
    const tagFeeds = files.filter(
      (f) => /^tags\/[^/]+\/atom\.xml$/.test(f.path) && String(f.body).includes(`<id>${newest}</id>`),
    );
    expect(tagFeeds.length).toBeGreaterThan(0);
    for (const feed of tagFeeds)
      expect(itemOf(feed.path, `<id>${newest}</id>`)).toBe(itemOf('atom.xml', `<id>${newest}</id>`));
  });
});
