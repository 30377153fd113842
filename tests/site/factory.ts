// NewsItem factories for site tests: complete, plausible items with fixed dates.
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { NewsItem } from '../../src/content/types.ts';

export const SITE_URL = 'https://news.example.org/';

/** A valid config; `site` fields override the defaults. */
export function siteConfig(site: Partial<Record<string, unknown>> = {}): Config {
  return parseConfig(
    {
      site: {
        title: 'Example News',
        url: SITE_URL,
        description: 'News of the example newsroom.',
        language: 'en',
        timezone: 'Asia/Almaty',
        established: 2009,
        author: { name: 'Example Press Office', email: 'press@example.org' },
        copyright: '© Example Newsroom',
        ...site,
      },
      digest: {
        subject: '{{site}}: {{count}} new items',
        from: { name: 'Example News', address: 'news@example.org' },
        postal_address: '1 Example Street, Almaty',
      },
    },
    'test config',
  );
}

/** One published item; the URL follows the site's scheme unless `link` is given. */
export function newsItem(overrides: Partial<NewsItem> & { slug?: string } = {}): NewsItem {
  const slug = overrides.slug ?? 'sample-item';
  const published = overrides.published ?? new Date('2021-09-30T19:00:00Z');
  const item: NewsItem = {
    id: slug,
    slug,
    sourcePath: `${slug}.md`,
    title: 'Sample item',
    published,
    updated: published,
    summary: 'A short summary of the sample item.',
    contentHtml: '<p>The body of the sample item, with <a href="https://example.org/ref">a reference</a>.</p>',
    tags: [],
    url: `${SITE_URL}news/${encodeURIComponent(slug)}/`,
    draft: false,
    ...overrides,
  };
  if (overrides.link !== undefined && overrides.url === undefined) item.url = overrides.link;
  return item;
}

/** `count` items one hour apart, newest first, as renderSite receives them. */
export function manyItems(count: number, start = new Date('2021-10-01T06:00:00Z')): NewsItem[] {
  return Array.from({ length: count }, (_, i) =>
    newsItem({
      slug: `item-${String(i + 1).padStart(3, '0')}`,
      title: `Item number ${i + 1}`,
      published: new Date(start.getTime() - i * 3_600_000),
      tags: i % 3 === 0 ? ['Operations'] : ['Meetings'],
    }),
  );
}
