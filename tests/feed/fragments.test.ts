// Each entry is serialized once per format and spliced into every document that holds it: the
// spliced documents must be byte for byte what serializing each document whole gives.
import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../src/feed/atom.ts';
import { renderFeeds } from '../../src/feed/index.ts';
import type { FeedDocument, FeedEntry } from '../../src/feed/model.ts';
import { renderRss } from '../../src/feed/rss.ts';
import { feedDocument, feedTestConfig, hostileItems, manyItems } from '../helpers/feed-items.ts';

describe('documents spliced from serialized entries', () => {
  it.each([
    ['RSS', renderRss],
    ['Atom', renderAtom],
  ] as const)('%s: equal to serializing the whole document afresh, for hostile items', async (_format, render) => {
    const { doc } = await feedDocument([...hostileItems(), ...manyItems(5)]);
    const archive: FeedDocument = {
      ...doc,
      archive: true,
      selfUrl: 'https://caricc.org/feeds/rss-1.xml',
      nextArchiveUrl: 'https://caricc.org/feeds/rss-2.xml',
    };
    const cache = new Map<FeedEntry, string>();
    // Another document (a tag feed, say) serializes some of the entries first.
    render({ ...doc, entries: doc.entries.slice(2, 6) }, cache);
    expect(cache.size).toBe(4);
    expect(render(archive, cache)).toBe(render(archive));
    expect(cache.size).toBe(doc.entries.length);
    expect(render({ ...doc, entries: [] }, cache)).toBe(render({ ...doc, entries: [] }));
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
