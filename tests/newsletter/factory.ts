// Factories for newsletter tests: the sample newsroom's config, NewsItems with fixed dates, composed digests.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { NewsItem } from '../../src/content/types.ts';
import { parseYaml } from '../../src/adapters/yaml.ts';
import { loadContent } from '../../src/content/index.ts';
import { truncateAtWord } from '../../src/content/text.ts';
import {
  composeDigest,
  digestWindow,
  loadDigestTemplates,
  type Digest,
  type DigestTemplates,
} from '../../src/newsletter/index.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const TEMPLATES_DIR = path.join(ROOT, 'templates');
export const CONTENT_DIR = path.join(ROOT, 'content');

/** Monday 4 October 2021, 09:00 in Almaty: the sample newsroom's digest time. */
export const NOW = new Date('2021-10-04T03:00:00Z');

/** The repository's gazette.yaml, with `digest` keys replaced or added (raw YAML names, e.g. `reply_to`). */
export function sampleConfig(digest: Record<string, unknown> = {}, site: Record<string, unknown> = {}): Config {
  const raw = parseYaml(readFileSync(path.join(ROOT, 'gazette.yaml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  return parseConfig({ ...raw, site: { ...raw.site, ...site }, digest: { ...raw.digest, ...digest } }, 'gazette.yaml');
}

let counter = 0;

/** One published item on the sample site; every field can be overridden. */
export function newsItem(overrides: Partial<NewsItem> = {}): NewsItem {
  counter += 1;
  const slug = overrides.slug ?? `item-${counter}`;
  const published = overrides.published ?? new Date('2021-10-01T05:00:00Z');
  return {
    id: slug,
    slug,
    sourcePath: `2021/${slug}.md`,
    title: `Item ${counter}`,
    published,
    updated: published,
    summary: `Summary of item ${counter}.`,
    contentHtml: `<p>Body of item ${counter}.</p>`,
    tags: [],
    url: `https://caricc.org/news/${slug}/`,
    draft: false,
    ...overrides,
  };
}

let templatesOnce: Promise<DigestTemplates> | undefined;

/** The repository's digest templates, read once per test file. */
export function templates(): Promise<DigestTemplates> {
  templatesOnce ??= loadDigestTemplates(TEMPLATES_DIR);
  return templatesOnce;
}

/** The sample content of the repository, loaded as the content module does at NOW. */
export function sampleItems(config: Config = sampleConfig()): Promise<NewsItem[]> {
  return loadContent(CONTENT_DIR, config, NOW);
}

/** Previous edition 1 September 2021: the sample content's four September/October items fall in the window. */
export const SAMPLE_PREVIOUS_END = new Date('2021-09-01T00:00:00Z');

/** The sample digest: the repository's content, config and templates, edition "12" on NOW. */
export async function sampleDigest(config: Config = sampleConfig()): Promise<Digest> {
  return composeDigest({
    items: await sampleItems(config),
    config,
    editionId: '12',
    window: digestWindow(SAMPLE_PREVIOUS_END, NOW, config),
    now: NOW,
    templates: await templates(),
  });
}

/**
 * `count` items written from the sample content's real news text (content/, from the newsroom's own page),
 * newest first, one an hour before NOW: a title from a paragraph's first words, its summary cut as the
 * content module cuts it, an image on every fourth (every other one without image_alt), and every fifth
 * in Russian.
 */
export function seedItems(count: number): NewsItem[] {
  const dir = path.join(CONTENT_DIR, '2021');
  const paragraphs = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .flatMap((f) =>
      readFileSync(path.join(dir, f), 'utf8')
        .split(/^---$/m)
        .slice(2)
        .join('---')
        .split(/\n\s*\n/),
    )
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p, i, all) => p.length > 120 && all.indexOf(p) === i);
  return Array.from({ length: count }, (_, i) => {
    const text = paragraphs[i % paragraphs.length]!;
    const russian = i % 5 === 4;
    return newsItem({
      slug: `seed-${i + 1}`,
      url: `https://caricc.org/news/seed-${i + 1}/`,
      title: russian
        ? `ЦАРИКЦ: встреча № ${i + 1} по вопросам противодействия незаконному обороту наркотиков`
        : truncateAtWord(text, 90),
      summary: truncateAtWord(text, 300),
      published: new Date(NOW.getTime() - (i + 1) * 3_600_000),
      ...(russian ? { lang: 'ru' } : {}),
      ...(i % 4 === 0
        ? {
            image: {
              url: `https://caricc.org/images/seed-${i + 1}.jpg`,
              alt: i % 8 === 0 ? truncateAtWord(text, 60) : '',
              type: 'image/jpeg',
            },
          }
        : {}),
    });
  });
}
