// NewsItem factories and a fixed config for feed tests: ordinary, hostile and many items.
import path from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { NewsItem } from '../../src/content/types.ts';
import { tagPrefix } from '../../src/feed/ids.ts';
import { toFeedEntry, type FeedDocument } from '../../src/feed/model.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** The sample newsroom's gazette.yaml, with feed settings overridden where a test needs. */
export async function feedTestConfig(feeds: Partial<Config['feeds']> = {}): Promise<Config> {
  const config = await loadConfig(path.join(REPO_ROOT, 'gazette.yaml'));
  return { ...config, feeds: { ...config.feeds, ...feeds } };
}

/** One published item; every field can be overridden. */
export function makeNewsItem(overrides: Partial<NewsItem> & { id: string }): NewsItem {
  const slug = overrides.slug ?? overrides.id.replace(/[^A-Za-z0-9-]+/g, '-');
  const published = overrides.published ?? new Date('2021-10-01T04:00:00Z');
  return {
    slug,
    sourcePath: `${overrides.id}.md`,
    title: `Item ${overrides.id}`,
    published,
    updated: overrides.updated ?? published,
    summary: `Summary of ${overrides.id}.`,
    contentHtml: `<p>Body of ${overrides.id} with <a href="https://caricc.org/about/">a link</a>.</p>`,
    tags: [],
    url: `https://caricc.org/news/${encodeURIComponent(slug)}/`,
    draft: false,
    ...overrides,
  };
}

/** `count` items one day apart (newest first), ids `item-0001` (oldest) … ; some tagged, some with images. */
export function manyItems(count: number): NewsItem[] {
  const items: NewsItem[] = [];
  for (let n = 1; n <= count; n++) {
    const id = `gen/item-${String(n).padStart(4, '0')}`;
    items.push(
      makeNewsItem({
        id,
        published: new Date(Date.UTC(2015, 0, 1, 5, 0, 0) + n * 86_400_000),
        tags: n % 3 === 0 ? ['UNODC', 'Наркотики'] : n % 5 === 0 ? ['Operations'] : [],
        ...(n % 7 === 0
          ? {
              image: {
                url: `https://caricc.org/news/item-${n}/photo.jpg`,
                alt: `Photo ${n}`,
                type: 'image/jpeg',
                length: 1000 + n,
              },
            }
          : {}),
      }),
    );
  }
  return items.reverse();
}

/** Items that try every way text can break a feed. Same-minute pairs included; newest first. */
export function hostileItems(): NewsItem[] {
  const minute = Date.UTC(2022, 2, 15, 9, 30, 0);
  return [
    makeNewsItem({
      id: 'hostile/markup-in-title',
      title: `Fish & Chips <b>bold</b> "quoted" 'single' &amp; literal`,
      summary: 'A & B < C > D "E"',
      contentHtml: '<p>Body with ]]&gt; once and ]]> raw ]]> twice, &amp; an ampersand &lt;tag&gt;.</p>',
      published: new Date(minute + 40_000),
      tags: ['R&D', '<script>', 'Наркотики'],
    }),
    makeNewsItem({
      id: 'hostile/same-minute',
      title: 'Same minute as the one above',
      published: new Date(minute + 5_000),
      updated: new Date(minute + 50_000),
    }),
    makeNewsItem({
      id: 'hostile/languages',
      slug: 'тоҷикистон-oʻzbekiston',
      title: 'Тоҷикистон: ҳамкорӣ ӯ ғ қ — Oʻzbekiston gʻalaba — Казахстан 🚀🇰🇿',
      summary: 'Ҳамкорӣ бо Oʻzbekiston ва 👩🏽‍💻 emoji.',
      contentHtml: '<p>Ҳамкорӣ ӯ ғ қ, oʻ gʻ, Кыргызстан 🧪🔬</p>',
      published: new Date(minute - 86_400_000),
      tags: ['Тоҷикистон', 'Oʻzbekiston', '🚀', 'Казахстан'],
      lang: 'tg',
      author: { name: 'Ғуломов Қ. & Co <press>', email: 'press@caricc.org' },
    }),
    makeNewsItem({
      id: 'hostile/control-characters',
      title: 'Control\u0001characters\u0008in\u000Btitle\u001F\uFFFE',
      summary: 'Bell\u0007 and escape\u001B here.',
      contentHtml: '<p>Null\u0000 byte and form feed\u000C and a lone \uD800 surrogate, tab\tkept.</p>',
      published: new Date(minute - 2 * 86_400_000),
      tags: ['ctl\u0002tag'],
    }),
    makeNewsItem({
      id: 'hostile/elsewhere',
      title: 'Canonical elsewhere',
      link: 'https://www.unodc.org/centralasia/en/news/a?x=1&y=2',
      url: 'https://www.unodc.org/centralasia/en/news/a?x=1&y=2',
      published: new Date(minute - 3 * 86_400_000),
      image: {
        url: 'https://caricc.org/media/photo%20one.png?w=1&h=2',
        alt: 'A "photo" & more',
        type: 'image/png',
        length: 20480,
      },
    }),
  ];
}

/** What a reader must see of a string after control characters are dropped (independent of src/). */
export function withoutControlChars(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDFFF]/gu, '');
}

/** One RSS or Atom document of `items` as renderFeeds makes it for the sample site; fields can be overridden. */
export async function feedDocument(
  items: NewsItem[],
  overrides: Partial<FeedDocument> = {},
): Promise<{ config: Config; doc: FeedDocument }> {
  const config = await feedTestConfig();
  const entries = items.map((item) => toFeedEntry(item, config, tagPrefix(config.site.url, config.site.established)));
  const doc: FeedDocument = {
    format: 'rss',
    id: 'tag:caricc.org,2009:feed',
    title: config.site.title,
    description: config.site.description,
    language: config.site.language,
    author: config.site.author,
    homeUrl: config.site.url,
    selfUrl: `${config.site.url}feed.xml`,
    currentUrl: `${config.site.url}feed.xml`,
    archive: false,
    updated: new Date('2021-10-02T00:00:00Z'),
    published: new Date('2021-10-01T00:00:00Z'),
    stylesheetUrl: '/feed.xsl',
    tagsUrl: `${config.site.url}tags/`,
    entries,
    ...overrides,
  };
  return { config, doc };
}
