// What crawlers and link previews read: sitemap.xml (and its index), the Google News sitemap, robots.txt,
// OpenGraph and Twitter card tags and NewsArticle JSON-LD, from the sample newsroom built by the real build.
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullBuild } from '../../src/build/index.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { loadContent } from '../../src/content/load.ts';
import type { NewsItem } from '../../src/content/types.ts';
import type { SentEdition } from '../../src/newsletter/index.ts';
import { renderSitemaps } from '../../src/site/sitemap.ts';
import { validateHtml } from '../helpers/html-validate.ts';
import { attribute, metaContents, parseDocument } from './html.ts';

const root = path.resolve(import.meta.dirname, '../..');
const XSD = path.join(root, 'tests/fixtures/sitemap/sitemap.xsd');
const NOW = new Date('2026-01-01T00:00:00Z');
const SITE_IMAGE = 'https://caricc.org/static/caricc-logo.png';
const HOSTILE = 'Raid </script><script>alert(1)</script> & "quotes" <!-- at the border post';
// Longer than the 110 characters Google reads of a headline; the hostile part comes first.
const HOSTILE_TITLE = `${HOSTILE}: customs officers of three countries seize 40 kg of heroin in a joint operation`;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const edition: SentEdition = {
  editionId: 'ed-1',
  slug: '2021-10-04',
  date: new Date('2021-10-04T03:00:00Z'),
  sentAt: new Date('2021-10-04T03:20:00Z'),
  subject: 'CARICC News: 2 new items',
  itemIds: ['a', 'b'],
  html: {
    parts: ['<!DOCTYPE html><html lang="en"><head><title>Digest</title></head><body><p>Digest</p></body></html>'],
    slots: [],
  },
};

let dir: string;
let config: Config;
/** The sample content plus three items of the last days, built with a site image. */
let out: string;
let items: NewsItem[];
/** The sample content alone, built without a site image and with at most 10 URLs per sitemap file. */
let small: string;
let sampleItems: NewsItem[];

function itemFile(fields: Record<string, string>, body: string): string {
  const lines = Object.entries(fields).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return ['---', ...lines, '---', '', body, ''].join('\n');
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-discovery-'));
  const sample = await loadConfig(path.join(root, 'gazette.yaml'));
  config = { ...sample, site: { ...sample.site, image: SITE_IMAGE } };
  const content = path.join(dir, 'content');
  await cp(path.join(root, 'content'), content, { recursive: true });
  await mkdir(path.join(content, 'recent'));
  await cp(path.join(root, 'tests/fixtures/server/public/images/logo.png'), path.join(content, 'recent/raid.png'));
  await writeFile(
    path.join(content, 'recent/2025-12-31-raid.md'),
    itemFile(
      {
        title: HOSTILE_TITLE,
        date: '2025-12-31T10:00:00+06:00',
        updated: '2025-12-31T16:30:00+06:00',
        summary: `Summary with ${HOSTILE}`,
        author: 'Aida Sultanova',
        image: 'raid.png',
        image_alt: 'Seized packages "on a table" & <scales>',
      },
      'Officers seized the packages at dawn.',
    ),
  );
  await writeFile(
    path.join(content, 'recent/2025-12-30-vstrecha.md'),
    itemFile(
      { title: 'Встреча в Бишкеке', date: '2025-12-30T12:00:00+06:00', lang: 'ru' },
      'Встреча в Бишкеке.',
    ).replace('---\n\n', 'tags: ["встречи"]\n---\n\n'),
  );
  await writeFile(
    path.join(content, 'recent/2025-12-28-older.md'),
    itemFile({ title: 'Three days before the build', date: '2025-12-28T12:00:00+06:00' }, 'Older news.'),
  );
  items = await loadContent(content, config, NOW);
  out = path.join(dir, 'public');
  await fullBuild({
    config,
    contentDir: content,
    outDir: out,
    templatesDir: path.join(root, 'templates'),
    now: NOW,
    sentEditions: [edition],
  });
  sampleItems = await loadContent(path.join(root, 'content'), sample, NOW);
  small = path.join(dir, 'small');
  await fullBuild({
    config: sample,
    contentDir: path.join(root, 'content'),
    outDir: small,
    templatesDir: path.join(root, 'templates'),
    now: NOW,
    sitemapMaxUrls: 10,
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = (folder: string, file: string): Promise<string> => readFile(path.join(folder, file), 'utf8');

/** Every file under `folder`, as forward-slash paths. */
async function filesOf(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(folder, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

/** The URL a static host answers a page with: `news/x/index.html` at `…/news/x/`. */
function urlOfPage(file: string): string {
  const parts = file.split('/').map(encodeURIComponent);
  const last = parts.pop()!;
  return `${config.site.url}${parts.map((p) => `${p}/`).join('')}${last === 'index.html' ? '' : last}`;
}

/** xmllint --schema over the files; its complaints, empty when every file is valid. */
function schemaErrors(files: string[]): string[] {
  const run = spawnSync('xmllint', ['--noout', '--nonet', '--schema', XSD, ...files], { encoding: 'utf8' });
  if (run.error) throw run.error;
  const errors = run.stderr.split('\n').filter((l) => l.trim() !== '' && !l.endsWith(' validates'));
  if (run.status !== 0 && errors.length === 0) throw new Error(`xmllint failed with status ${run.status}`);
  return errors;
}

function wellFormedErrors(file: string): string[] {
  const run = spawnSync('xmllint', ['--noout', '--nonet', file], { encoding: 'utf8' });
  if (run.error) throw run.error;
  return run.stderr.split('\n').filter((l) => l.trim() !== '');
}

const xml = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (name) => name === 'url' || name === 'sitemap',
});

type UrlEntry = { loc: string; lastmod?: string };

function urlsOf(body: string): UrlEntry[] {
  return (xml.parse(body).urlset.url ?? []) as UrlEntry[];
}

/** The site's pages for people and crawlers: not the 404 page, nor a feed's page for browsers (noindex). */
const isSitePage = (f: string): boolean => f.endsWith('.html') && f !== '404.html' && !f.endsWith('.xml.html');

describe('sitemap.xml', () => {
  it('is valid against the sitemaps.org schema', () => {
    expect(schemaErrors([path.join(out, 'sitemap.xml')])).toEqual([]);
  });

  it("lists every HTML page but the 404 page and the feeds' pages, by absolute URL, and nothing else", async () => {
    const pages = (await filesOf(out)).filter(isSitePage).map(urlOfPage);
    expect(pages).toEqual(expect.arrayContaining([`${config.site.url}archive/`, `${config.site.url}tags/`]));
    const locs = urlsOf(await read(out, 'sitemap.xml')).map((u) => u.loc);
    expect([...locs].sort()).toEqual([...pages].sort());
    expect(new Set(locs).size).toBe(locs.length);
    for (const loc of locs) expect(new URL(loc).href).toBe(loc);
  });

  it('dates each item page by its last change and each list page by the newest of its items', async () => {
    const lastmod = new Map(urlsOf(await read(out, 'sitemap.xml')).map((u) => [u.loc, u.lastmod]));
    for (const item of items.filter((i) => i.link === undefined)) {
      const page = parseDocument(await read(out, `news/${item.slug}/index.html`));
      const modified = metaContents(page, 'property', 'article:modified_time');
      expect(lastmod.get(item.url), item.url).toBe(modified[0]);
      expect(Date.parse(lastmod.get(item.url)!)).toBe(item.updated.getTime());
    }
    const newest = Math.max(...items.map((i) => i.updated.getTime()));
    expect(Date.parse(lastmod.get(config.site.url)!)).toBe(newest);
    expect(Date.parse(lastmod.get(`${config.site.url}archive/`)!)).toBe(edition.sentAt!.getTime());
    expect(Date.parse(lastmod.get(`${config.site.url}archive/${edition.slug}/`)!)).toBe(edition.sentAt!.getTime());
    const tag = `${config.site.url}tags/${encodeURIComponent('встречи')}/`;
    expect(Date.parse(lastmod.get(tag)!)).toBe(Date.parse('2025-12-30T12:00:00+06:00'));
    for (const value of lastmod.values()) expect(value).toMatch(ISO_WITH_OFFSET);
  });

  it('becomes an index of sitemap files past the limit, each valid and within it', async () => {
    const index = xml.parse(await read(small, 'sitemap.xml'));
    // The npm package `sitemap` ships the schema of <urlset> only (tests/fixtures/sitemap/README.md):
    // the index's structure is checked here with a parser, every file it names against the schema.
    expect(index.urlset).toBeUndefined();
    expect(index.sitemapindex['@_xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
    const parts = index.sitemapindex.sitemap as UrlEntry[];
    expect(parts.length).toBeGreaterThan(2);
    const files = parts.map((p, i) => {
      expect(p.loc).toBe(`${config.site.url}sitemap-${i + 1}.xml`);
      expect(Object.keys(p)).toEqual(['loc', 'lastmod']);
      expect(p.lastmod).toMatch(ISO_WITH_OFFSET);
      return path.join(small, `sitemap-${i + 1}.xml`);
    });
    expect(schemaErrors(files)).toEqual([]);
    const locs: string[] = [];
    for (const [i, file] of files.entries()) {
      const urls = urlsOf(await readFile(file, 'utf8'));
      expect(urls.length).toBeGreaterThan(0);
      expect(urls.length).toBeLessThanOrEqual(10);
      const newest = Math.max(...urls.map((u) => (u.lastmod ? Date.parse(u.lastmod) : 0)));
      expect(Date.parse(parts[i]!.lastmod!)).toBe(newest);
      locs.push(...urls.map((u) => u.loc));
    }
    const pages = (await filesOf(small)).filter(isSitePage);
    expect(locs.sort()).toEqual(pages.map(urlOfPage).sort());
    expect(await filesOf(small)).not.toContain(`sitemap-${files.length + 1}.xml`);
  });

  it('splits by size as well as by count', async () => {
    const entries = urlsOf(await read(out, 'sitemap.xml')).map((u) => ({ loc: u.loc, lastmod: new Date(u.lastmod!) }));
    const files = renderSitemaps(entries, config, { maxBytes: 1000 });
    expect(xml.parse(files[0]!.body).sitemapindex.sitemap.length).toBe(files.length - 1);
    const parts = path.join(dir, 'by-size');
    await mkdir(parts);
    for (const file of files.slice(1)) {
      expect(Buffer.byteLength(file.body), file.path).toBeLessThanOrEqual(1000);
      await writeFile(path.join(parts, file.path), file.body);
    }
    expect(schemaErrors(files.slice(1).map((f) => path.join(parts, f.path)))).toEqual([]);
    const locs = files.slice(1).flatMap((f) => urlsOf(f.body).map((u) => u.loc));
    expect(locs).toEqual(entries.map((e) => e.loc));
  });
});

describe('sitemap-news.xml', () => {
  // Google publishes sitemap-news.xsd, but no npm package ships it (tests/fixtures/sitemap/README.md),
  // so the structure Google documents is checked with a parser, and well-formedness with xmllint.
  const news = new XMLParser({
    ignoreAttributes: false,
    parseTagValue: false,
    isArray: (name) => name === 'url',
  });

  it('lists the items of the two days before the build with their publication, date and title', async () => {
    expect(wellFormedErrors(path.join(out, 'sitemap-news.xml'))).toEqual([]);
    const doc = news.parse(await read(out, 'sitemap-news.xml'));
    expect(doc.urlset['@_xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
    expect(doc.urlset['@_xmlns:news']).toBe('http://www.google.com/schemas/sitemap-news/0.9');
    const urls = doc.urlset.url as { loc: string; 'news:news': Record<string, unknown> }[];
    const recent = items
      .filter((i) => i.published.getTime() > NOW.getTime() - 2 * 86_400_000)
      .sort((a, b) => b.published.getTime() - a.published.getTime());
    expect(recent.map((i) => i.title)).toEqual([HOSTILE_TITLE, 'Встреча в Бишкеке']);
    expect(urls.map((u) => u.loc)).toEqual(recent.map((i) => i.url));
    for (const [i, url] of urls.entries()) {
      const entry = url['news:news'];
      expect(Object.keys(entry)).toEqual(['news:publication', 'news:publication_date', 'news:title']);
      expect(entry['news:publication']).toEqual({
        'news:name': 'CARICC News',
        'news:language': i === 0 ? 'en' : 'ru',
      });
      expect(entry['news:publication_date']).toMatch(ISO_WITH_OFFSET);
      expect(Date.parse(entry['news:publication_date'] as string)).toBe(recent[i]!.published.getTime());
      expect(entry['news:title']).toBe(recent[i]!.title);
    }
  });

  it('is not written when nothing is that recent (it must list an article), nor named in robots.txt', async () => {
    expect(await filesOf(small)).not.toContain('sitemap-news.xml');
    const sitemaps = (await read(small, 'robots.txt')).split('\n').filter((l) => l.startsWith('Sitemap: '));
    expect(sitemaps).toEqual(['Sitemap: https://caricc.org/sitemap.xml']);
  });
});

describe('robots.txt', () => {
  it('names both sitemaps by absolute URL and keeps crawlers out of the dashboard only', async () => {
    const robots = await read(out, 'robots.txt');
    const lines = robots.split('\n');
    expect(lines).toContain('User-agent: *');
    expect(lines.filter((l) => l.startsWith('Disallow:'))).toEqual(['Disallow: /admin']);
    const sitemaps = lines.filter((l) => l.startsWith('Sitemap: ')).map((l) => l.slice('Sitemap: '.length));
    expect(sitemaps).toEqual(['https://caricc.org/sitemap.xml', 'https://caricc.org/sitemap-news.xml']);
    const files = await filesOf(out);
    for (const url of sitemaps) expect(files).toContain(url.slice(config.site.url.length));
  });
});

describe('item pages', () => {
  const pagesOf = (list: NewsItem[]) => list.filter((i) => i.link === undefined);

  it('stay valid HTML with the new head tags', async () => {
    for (const item of pagesOf(items)) {
      const file = `news/${item.slug}/index.html`;
      expect(await validateHtml(await read(out, file), file), file).toEqual([]);
    }
  });

  it('carry OpenGraph and Twitter card tags with absolute URLs', async () => {
    for (const item of pagesOf(items)) {
      const page = parseDocument(await read(out, `news/${item.slug}/index.html`));
      const og = (p: string) => metaContents(page, 'property', p);
      const tw = (n: string) => metaContents(page, 'name', n);
      const canonical = attribute(page.querySelector('link[rel="canonical"]')!, 'href');
      expect(og('og:type')).toEqual(['article']);
      expect(og('og:title')).toEqual([item.title]);
      expect(og('og:description')).toEqual([item.summary]);
      expect(og('og:url')).toEqual([item.url]);
      expect(canonical).toBe(item.url);
      expect(og('og:site_name')).toEqual(['CARICC News']);
      expect(Date.parse(og('article:published_time')[0]!)).toBe(item.published.getTime());
      expect(Date.parse(og('article:modified_time')[0]!)).toBe(item.updated.getTime());
      const image = item.image?.url ?? SITE_IMAGE;
      expect(og('og:image')).toEqual([image]);
      expect(new URL(image).protocol).toBe('https:');
      expect(tw('twitter:card')).toEqual([item.image ? 'summary_large_image' : 'summary']);
      expect(tw('twitter:title')).toEqual([item.title]);
      expect(tw('twitter:description')).toEqual([item.summary]);
      expect(tw('twitter:image')).toEqual([image]);
    }
    const raid = items.find((i) => i.title === HOSTILE_TITLE)!;
    expect(raid.image?.url).toBe(`${raid.url}raid.png`);
  });

  it('carry NewsArticle JSON-LD with what Google reads of an article', async () => {
    for (const item of pagesOf(items)) {
      const page = parseDocument(await read(out, `news/${item.slug}/index.html`));
      const scripts = page.querySelectorAll('script[type="application/ld+json"]');
      expect(scripts.length, item.slug).toBe(1);
      const article = JSON.parse(scripts[0]!.textContent);
      expect(article['@context']).toBe('https://schema.org');
      expect(article['@type']).toBe('NewsArticle');
      expect([...article.headline].length).toBeLessThanOrEqual(110);
      if ([...item.title].length <= 110) expect(article.headline).toBe(item.title);
      else expect(item.title.startsWith(article.headline.slice(0, -1))).toBe(true);
      expect(article.datePublished).toMatch(ISO_WITH_OFFSET);
      expect(article.dateModified).toMatch(ISO_WITH_OFFSET);
      expect(Date.parse(article.datePublished)).toBe(item.published.getTime());
      expect(Date.parse(article.dateModified)).toBe(item.updated.getTime());
      expect(article.author.name).toBe(item.author?.name ?? 'CARICC Press Office');
      expect(article.author['@type']).toBe(item.author ? 'Person' : 'Organization');
      expect(article.image).toEqual([item.image?.url ?? SITE_IMAGE]);
      expect(article.publisher).toMatchObject({
        '@type': 'Organization',
        name: 'CARICC News',
        logo: { '@type': 'ImageObject', url: SITE_IMAGE },
      });
      expect(article.mainEntityOfPage).toEqual({ '@type': 'WebPage', '@id': item.url });
      expect(article.url).toBe(item.url);
    }
  });

  it('keep a title with </script> inside the JSON-LD', async () => {
    const raid = items.find((i) => i.title === HOSTILE_TITLE)!;
    const html = await read(out, `news/${raid.slug}/index.html`);
    const page = parseDocument(html);
    // One script element in the whole page: the title's </script> ended nothing, its <script> began nothing.
    const scripts = page.querySelectorAll('script');
    expect(scripts.map((s) => attribute(s, 'type'))).toEqual(['application/ld+json']);
    const article = JSON.parse(scripts[0]!.textContent);
    expect(article.headline.startsWith(HOSTILE)).toBe(true);
    expect(article.headline.endsWith('…')).toBe(true);
    expect(article.description).toBe(`Summary with ${HOSTILE}`);
    expect(html).not.toContain('<script>alert(1)');
  });

  it('leave out image and logo in JSON-LD when neither the item nor the site has one', async () => {
    for (const item of pagesOf(sampleItems)) {
      const page = parseDocument(await read(small, `news/${item.slug}/index.html`));
      const article = JSON.parse(page.querySelector('script[type="application/ld+json"]')!.textContent);
      expect(article.image).toBeUndefined();
      expect(article.publisher).toEqual({ '@type': 'Organization', name: 'CARICC News', url: 'https://caricc.org/' });
      expect(metaContents(page, 'property', 'og:image')).toEqual([]);
      expect(metaContents(page, 'name', 'twitter:card')).toEqual(['summary']);
    }
  });
});
