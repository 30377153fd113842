// Every emitted feed read back by two independent parsers: titles, links, ids, dates, content survive.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderFeeds } from '../../src/feed/index.ts';
import { loadContent } from '../../src/content/index.ts';
import type { Config } from '../../src/config/schema.ts';
import type { NewsItem } from '../../src/content/types.ts';
import type { OutputFile } from '../../src/output.ts';
import { feedTestConfig, hostileItems, makeNewsItem, REPO_ROOT, withoutControlChars } from '../helpers/feed-items.ts';
import {
  readAtomWithFeedsmith,
  readAtomWithRssParser,
  readJsonFeedWithFeedsmith,
  readRssWithFeedsmith,
  readRssWithRssParser,
  type ReadFeed,
} from '../helpers/feed-parse.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const HOSTILE_CONTENT = path.join(REPO_ROOT, 'tests/fixtures/content/hostile');

function body(files: OutputFile[], name: string): string {
  const file = files.find((f) => f.path === name);
  if (file === undefined) throw new Error(`no ${name} among ${files.map((f) => f.path).join(', ')}`);
  return String(file.body);
}

interface Expected {
  id: string;
  title: string;
  link: string;
  published: number;
  updated: number;
  contentHtml: string;
}

function expected(item: NewsItem): Expected {
  return {
    // tag: URIs keep ASCII ids as they are; others are checked in ids.test.ts.
    id: `tag:caricc.org,2009:${encodeURIComponent(item.id).replace(/%2F/g, '/')}`,
    title: withoutControlChars(item.title),
    link: new URL(item.link ?? item.url).href,
    published: item.published.getTime(),
    updated: item.updated.getTime(),
    contentHtml: withoutControlChars(item.contentHtml),
  };
}

/** Asserts that `feed` holds exactly `items` (newest first) with every field intact. */
function expectItems(
  feed: ReadFeed,
  items: NewsItem[],
  options: { hasUpdated: boolean; secondsOnly: boolean; trims?: boolean },
): void {
  // feedsmith trims leading and trailing whitespace of every text value; the others keep it.
  const want = items
    .map(expected)
    .map((w) => (options.trims === true ? { ...w, title: w.title.trim(), contentHtml: w.contentHtml.trim() } : w));
  expect(feed.items.map((i) => i.id)).toEqual(want.map((w) => w.id));
  feed.items.forEach((got, index) => {
    const w = want[index]!;
    expect(got.title, w.id).toBe(w.title);
    expect(got.link, w.id).toBe(w.link);
    expect(got.contentHtml, w.id).toBe(w.contentHtml);
    const round = (ms: number | undefined): number | undefined =>
      options.secondsOnly && ms !== undefined ? Math.floor(ms / 1000) * 1000 : ms;
    expect(got.published, w.id).toBe(round(w.published));
    if (options.hasUpdated) expect(got.updated, w.id).toBe(w.updated);
  });
}

async function expectAllFormatsCarry(items: NewsItem[], config: Config, prefix = ''): Promise<void> {
  const files = renderFeeds(items, config);
  const rss = body(files, `${prefix}feed.xml`);
  const atom = body(files, `${prefix}atom.xml`);
  const json = body(files, `${prefix}feed.json`);
  const sorted = [...items].sort(
    (a, b) => b.published.getTime() - a.published.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  expectItems(await readRssWithRssParser(rss), sorted, { hasUpdated: false, secondsOnly: true });
  expectItems(readRssWithFeedsmith(rss), sorted, { hasUpdated: false, secondsOnly: true, trims: true });
  expectItems(await readAtomWithRssParser(atom), sorted, { hasUpdated: false, secondsOnly: false });
  expectItems(readAtomWithFeedsmith(atom), sorted, { hasUpdated: true, secondsOnly: false, trims: true });
  expectItems(readJsonFeedWithFeedsmith(json), sorted, { hasUpdated: true, secondsOnly: false, trims: true });
  const raw = JSON.parse(json) as {
    items: Array<{
      id: string;
      title: string;
      url: string;
      content_html: string;
      date_published: string;
      date_modified: string;
    }>;
  };
  const want = sorted.map(expected);
  expect(
    raw.items.map((i) => [
      i.id,
      i.title,
      i.url,
      i.content_html,
      Date.parse(i.date_published),
      Date.parse(i.date_modified),
    ]),
  ).toEqual(want.map((w) => [w.id, w.title, w.link, w.contentHtml, w.published, w.updated]));
}

describe('feeds read back by rss-parser and feedsmith', () => {
  it('carry ordinary items from factories', async () => {
    const config = await feedTestConfig();
    const items = [1, 2, 3].map((n) =>
      makeNewsItem({
        id: `2021/item-${n}`,
        published: new Date(Date.UTC(2021, 9, n, 6)),
        updated: new Date(Date.UTC(2021, 9, n + 1, 6)),
        tags: ['UNODC'],
      }),
    );
    await expectAllFormatsCarry(items, config);
    await expectAllFormatsCarry(items, config, 'tags/unodc/');
  });

  it(
    'carry hostile items: markup and quotes in titles, ]]> in bodies, ' +
      'Cyrillic, Tajik, Uzbek, emoji, same minute, control characters',
    async () => {
      const config = await feedTestConfig();
      await expectAllFormatsCarry(hostileItems(), config);
    },
  );

  it('keep hostile text exactly as a reader should see it', async () => {
    const config = await feedTestConfig();
    const files = renderFeeds(hostileItems(), config);
    for (const feed of [
      await readRssWithRssParser(body(files, 'feed.xml')),
      readAtomWithFeedsmith(body(files, 'atom.xml')),
      readJsonFeedWithFeedsmith(body(files, 'feed.json')),
    ]) {
      const titles = feed.items.map((i) => i.title);
      expect(titles).toContain(`Fish & Chips <b>bold</b> "quoted" 'single' &amp; literal`);
      expect(titles).toContain('Тоҷикистон: ҳамкорӣ ӯ ғ қ — Oʻzbekiston gʻalaba — Казахстан 🚀🇰🇿');
      expect(titles).toContain('Controlcharactersintitle');
      const contents = feed.items.map((i) => i.contentHtml ?? '');
      expect(contents).toContain('<p>Body with ]]&gt; once and ]]> raw ]]> twice, &amp; an ampersand &lt;tag&gt;.</p>');
      expect(contents).toContain('<p>Null byte and form feed and a lone  surrogate, tab\tkept.</p>');
      // Two items in the same minute stay two items, in a fixed order.
      expect(feed.items.filter((i) => i.id?.startsWith('tag:caricc.org,2009:hostile/')).length).toBe(5);
    }
  });

  it('carry the sample newsroom content loaded from content/', async () => {
    const config = await feedTestConfig();
    const items = await loadContent(path.join(REPO_ROOT, 'content'), config, NOW);
    expect(items.length).toBeGreaterThanOrEqual(8);
    await expectAllFormatsCarry(items, config);
    const tagged = new Map<string, NewsItem[]>();
    for (const item of items) for (const tag of item.tags) tagged.set(tag, [...(tagged.get(tag) ?? []), item]);
    const { slugify } = await import('../../src/content/slug.ts');
    for (const [tag, tagItems] of tagged) await expectAllFormatsCarry(tagItems, config, `tags/${slugify(tag)}/`);
  });

  it.skipIf(!existsSync(HOSTILE_CONTENT))(
    'carry the hostile content folder tests/fixtures/content/hostile (skipped only where that fixture is absent)',
    async () => {
      const config = await feedTestConfig();
      const items = await loadContent(HOSTILE_CONTENT, config, NOW);
      expect(items.length).toBeGreaterThan(0);
      await expectAllFormatsCarry(items, config);
    },
  );
});
