// The static site rendered from NewsItem factories: validity, links, escaping, Unicode, pagination, determinism.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { slugify } from '../../src/content/slug.ts';
import type { OutputFile } from '../../src/output.ts';
import { loadSiteTemplates, renderSite, SITE_PAGE_SIZE, type SiteTemplates } from '../../src/site/index.ts';
import { validateHtml } from '../helpers/html-validate.ts';
import { manyItems, newsItem, SITE_URL, siteConfig } from './factory.ts';
import { bodyOf, decodeEntities, inner, links, tags } from './html.ts';

const templatesDir = path.resolve(import.meta.dirname, '../../templates');
let templates: SiteTemplates;
beforeAll(async () => {
  templates = await loadSiteTemplates(templatesDir);
});

const HOSTILE = `Tom & Jerry <script>alert("x")</script> 'quoted' <b>bold</b>`;
const TAJIK = 'Тоҷикистон: ғ, ӣ, қ, ӯ, ҳ, ҷ';
const UZBEK_LATIN = 'Oʻzbekiston: gʻalla, shaharda';
const UZBEK_CYRILLIC = 'Ўзбекистон: ғалла, қўшни, ҳамкорлик';
const CYRILLIC = 'Наркотики изъяты 🚔💊';

function mixedItems() {
  return [
    newsItem({
      slug: 'hostile',
      title: HOSTILE,
      summary: `Summary with ${HOSTILE}`,
      author: { name: `O'Brien & "Sons" <press>` },
      tags: ['Tom & Jerry', '<script>'],
      image: { url: `${SITE_URL}news/hostile/photo.jpg`, alt: `Alt "with" <quotes> & more`, type: 'image/jpeg' },
      published: new Date('2021-10-02T10:00:00Z'),
    }),
    newsItem({
      slug: 'тоҷикистон-хабар',
      title: TAJIK,
      summary: UZBEK_CYRILLIC,
      contentHtml: `<p>${UZBEK_LATIN} — ${CYRILLIC}</p>`,
      tags: ['Тоҷикистон', 'Oʻzbekiston', 'Наркотики', '🚀'],
      lang: 'tg',
      published: new Date('2021-10-01T10:00:00Z'),
    }),
    newsItem({
      slug: 'elsewhere',
      title: 'Reported by UNODC',
      link: 'https://www.unodc.org/unodc/en/press/2021/report.html',
      tags: ['UNODC'],
      published: new Date('2021-09-30T19:00:00Z'),
    }),
    newsItem({
      slug: 'updated-one',
      title: 'An item with an update',
      published: new Date('2021-09-20T04:00:00Z'),
      updated: new Date('2021-09-22T04:00:00Z'),
      author: { name: 'Desk', url: 'https://news.example.org/desk/' },
      tags: ['UNODC', 'unodc'],
    }),
  ];
}

function html(files: OutputFile[]): OutputFile[] {
  return files.filter((f) => f.path.endsWith('.html'));
}

describe('renderSite', () => {
  it('writes valid HTML5 on every page', async () => {
    const files = renderSite([...mixedItems(), ...manyItems(30)], siteConfig(), templates);
    const pages = html(files);
    expect(pages.length).toBeGreaterThan(40);
    for (const page of pages) {
      expect(await validateHtml(bodyOf(files, page.path), page.path), page.path).toEqual([]);
    }
  });

  it('writes the expected pages: index, history, item pages, tags, 404 and the stylesheet', () => {
    const files = renderSite([...mixedItems(), ...manyItems(20)], siteConfig(), templates);
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'index.html',
        'page/2/index.html',
        '404.html',
        'tags/index.html',
        'static/style.css',
        'news/hostile/index.html',
        'news/тоҷикистон-хабар/index.html',
        'news/item-001/index.html',
      ]),
    );
    expect(paths).toEqual([...paths].sort());
  });

  it('offers the three site feeds for autodiscovery with absolute URLs and titles', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    for (const page of ['index.html', 'news/hostile/index.html', 'tags/index.html', '404.html']) {
      const alternates = tags(bodyOf(files, page), 'link').filter((l) => l.rel === 'alternate');
      expect(
        alternates.map((l) => [l.type, l.href]),
        page,
      ).toEqual([
        ['application/rss+xml', `${SITE_URL}feed.xml`],
        ['application/atom+xml', `${SITE_URL}atom.xml`],
        ['application/feed+json', `${SITE_URL}feed.json`],
      ]);
      for (const l of alternates) expect(l.title, page).toMatch(/^Example News \((RSS|Atom|JSON Feed)\)$/);
    }
    const index = bodyOf(files, 'index.html');
    expect(links(index)).toEqual(
      expect.arrayContaining([
        `${SITE_URL}feed.xml`,
        `${SITE_URL}atom.xml`,
        `${SITE_URL}feed.json`,
        `${SITE_URL}archive/`,
        `${SITE_URL}tags/`,
      ]),
    );
  });

  it('has a subscribe form that posts an email address to /subscribe without JavaScript', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    for (const page of ['index.html', 'news/hostile/index.html']) {
      const body = bodyOf(files, page);
      const forms = tags(body, 'form');
      expect(forms, page).toEqual([expect.objectContaining({ method: 'post', action: '/subscribe' })]);
      const form = inner(body, 'form')!;
      const input = tags(form, 'input').find((i) => i.name === 'email');
      expect(input).toMatchObject({ type: 'email', required: '', name: 'email' });
      expect(tags(form, 'label')).toEqual([{ for: input!.id }]);
      expect(tags(form, 'button')).toEqual([expect.objectContaining({ type: 'submit' })]);
    }
    // The only script elements are JSON-LD data, which no browser runs.
    for (const page of html(files)) {
      const scripts = tags(bodyOf(files, page.path), 'script');
      expect(
        scripts.filter((s) => s.type !== 'application/ld+json'),
        page.path,
      ).toEqual([]);
    }
  });

  it('escapes titles, summaries, authors, alt text and tags taken from content', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    const item = bodyOf(files, 'news/hostile/index.html');
    const index = bodyOf(files, 'index.html');
    const escaped =
      'Tom &amp; Jerry &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;quoted&#39; &lt;b&gt;bold&lt;/b&gt;';
    expect(inner(item, 'h1')).toBe(escaped);
    expect(inner(item, 'title')).toBe(`${escaped} | Example News`);
    expect(index).toContain(`>${escaped}</a>`);
    expect(tags(item, 'meta').find((m) => m.property === 'og:title')?.content).toBe(HOSTILE);
    expect(tags(item, 'img').map((i) => i.alt)).toContain(`Alt "with" <quotes> & more`);
    expect(item).toContain('O&#39;Brien &amp; &quot;Sons&quot; &lt;press&gt;');
    expect(index).toContain('>Tom &amp; Jerry</a>');
    for (const page of html(files)) {
      const body = bodyOf(files, page.path);
      expect(body, page.path).not.toContain('<script>');
      expect(body, page.path).not.toContain('<b>bold');
      expect(body, page.path).not.toContain('alert("x")');
    }
  });

  it('keeps sanitized content HTML as markup', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    expect(bodyOf(files, 'news/тоҷикистон-хабар/index.html')).toContain(
      `<div class="content">\n<p>${UZBEK_LATIN} — ${CYRILLIC}</p>`,
    );
  });

  it('keeps Cyrillic, Tajik and Uzbek letters and emoji intact', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    const item = bodyOf(files, 'news/тоҷикистон-хабар/index.html');
    expect(inner(item, 'h1')).toBe(TAJIK);
    expect(item).toContain(UZBEK_LATIN);
    expect(item).toContain(CYRILLIC);
    const index = bodyOf(files, 'index.html');
    expect(index).toContain(`>${TAJIK}</a>`);
    expect(index).toContain(`>${UZBEK_CYRILLIC}</p>`);
    expect(tags(index, 'a').some((a) => a.href === `${SITE_URL}news/${encodeURIComponent('тоҷикистон-хабар')}/`)).toBe(
      true,
    );
  });

  it('writes a page per Unicode tag at its slug path, linked from items and the tag list', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    const index = bodyOf(files, 'index.html');
    const tagList = bodyOf(files, 'tags/index.html');
    for (const tag of ['Тоҷикистон', 'Oʻzbekiston', 'Наркотики', '🚀', 'Tom & Jerry', '<script>']) {
      const slug = slugify(tag);
      const url = `${SITE_URL}tags/${encodeURIComponent(slug)}/`;
      const page = bodyOf(files, `tags/${slug}/index.html`);
      // The link's path, decoded, is the folder the page was written to.
      expect(decodeURIComponent(new URL(url).pathname)).toBe(`/tags/${slug}/`);
      expect(links(index), tag).toContain(url);
      expect(links(tagList), tag).toContain(url);
      expect(tags(page, 'link').find((l) => l.rel === 'canonical')?.href).toBe(url);
      expect(decodeEntities(inner(page, 'h1')!)).toBe(tag);
    }
    expect(slugify('🚀')).toMatch(/^t-[0-9a-f]{10}$/);
  });

  it('offers each tag page its own feeds for autodiscovery, then the site feeds', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    const slug = slugify('Наркотики');
    const base = `${SITE_URL}tags/${encodeURIComponent(slug)}/`;
    const page = bodyOf(files, `tags/${slug}/index.html`);
    const alternates = tags(page, 'link').filter((l) => l.rel === 'alternate');
    expect(alternates.map((l) => [l.type, l.href])).toEqual([
      ['application/rss+xml', `${base}feed.xml`],
      ['application/atom+xml', `${base}atom.xml`],
      ['application/feed+json', `${base}feed.json`],
      ['application/rss+xml', `${SITE_URL}feed.xml`],
      ['application/atom+xml', `${SITE_URL}atom.xml`],
      ['application/feed+json', `${SITE_URL}feed.json`],
    ]);
    expect(alternates[0]!.title).toBe('Example News: Наркотики (RSS)');
    expect(links(page)).toEqual(expect.arrayContaining([`${base}feed.xml`, `${base}atom.xml`, `${base}feed.json`]));
  });

  it('merges spellings of one tag and lists every tag with its count', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    const tagList = bodyOf(files, 'tags/index.html');
    expect(tagList).toContain(`<a href="${SITE_URL}tags/unodc/">UNODC</a> <span class="count">2</span>`);
    expect(tagList).toContain(
      `<a href="${SITE_URL}tags/${encodeURIComponent(slugify('Тоҷикистон'))}/">Тоҷикистон</a> ` +
        `<span class="count">1</span>`,
    );
    // An item tagged both "UNODC" and "unodc" shows the tag once.
    expect(
      links(bodyOf(files, 'news/updated-one/index.html')).filter((h) => h === `${SITE_URL}tags/unodc/`),
    ).toHaveLength(1);
    expect(files.filter((f) => f.path.startsWith('tags/unodc/'))).toHaveLength(1);
  });

  it('reaches every item of a 300-item history through the page links', () => {
    const items = manyItems(300);
    const files = renderSite(items, siteConfig(), templates);
    const seen = new Set<string>();
    let pagePath: string | undefined = 'index.html';
    let pages = 0;
    while (pagePath) {
      const body = bodyOf(files, pagePath);
      pages += 1;
      for (const href of links(body)) if (href.startsWith(`${SITE_URL}news/`)) seen.add(href);
      const next = tags(body, 'link').find((l) => l.rel === 'next')?.href;
      expect(links(body)).toEqual(next ? expect.arrayContaining([next]) : expect.anything());
      pagePath = next ? `${decodeURIComponent(new URL(next).pathname).slice(1)}index.html` : undefined;
      expect(pages).toBeLessThanOrEqual(300);
    }
    expect(pages).toBe(Math.ceil(300 / SITE_PAGE_SIZE));
    expect(seen).toEqual(new Set(items.map((i) => i.url)));
    expect(items.every((i) => files.some((f) => f.path === `news/${i.slug}/index.html`))).toBe(true);
    // Every history page links to the first and the last, so a reader can jump straight to the
    // oldest news, and to its near neighbours; not to every page, so a page stays small.
    const pageLinks = (path: string): string[] =>
      links(bodyOf(files, path)).filter((h) => h.startsWith(`${SITE_URL}page/`) || h === SITE_URL);
    expect(pageLinks('index.html')).toContain(`${SITE_URL}page/${pages}/`);
    const middle = pageLinks('page/12/index.html');
    expect(middle).toEqual(
      expect.arrayContaining([SITE_URL, `${SITE_URL}page/10/`, `${SITE_URL}page/14/`, `${SITE_URL}page/${pages}/`]),
    );
    expect(middle).not.toContain(`${SITE_URL}page/9/`);
    expect(new Set(middle).size).toBeLessThanOrEqual(7);
    expect(bodyOf(files, 'page/12/index.html')).toContain('<li class="gap" aria-hidden="true">…</li>');
  });

  it('paginates a large tag the same way', () => {
    const files = renderSite(manyItems(100), siteConfig(), templates);
    const meetings = files.filter((f) => f.path.startsWith('tags/meetings/'));
    expect(meetings.map((f) => f.path)).toContain('tags/meetings/page/6/index.html');
    const last = bodyOf(files, 'tags/meetings/page/6/index.html');
    expect(tags(last, 'link').find((l) => l.rel === 'prev')?.href).toBe(`${SITE_URL}tags/meetings/page/5/`);
  });

  it('writes no page for an item whose link points elsewhere, and links out to it', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    expect(files.some((f) => f.path.startsWith('news/elsewhere'))).toBe(false);
    const index = bodyOf(files, 'index.html');
    expect(links(index)).toContain('https://www.unodc.org/unodc/en/press/2021/report.html');
    expect(links(index).some((h) => h.includes('news/elsewhere'))).toBe(false);
    expect(index).toContain('<span class="host">(unodc.org)</span>');
    expect(links(bodyOf(files, 'tags/unodc/index.html'))).toContain(
      'https://www.unodc.org/unodc/en/press/2021/report.html',
    );
  });

  it('shows dates in the site time zone for readers and as ISO 8601 for machines', () => {
    // 19:00 UTC on 30 September is already 1 October in Almaty.
    const files = renderSite([newsItem({ published: new Date('2021-09-30T19:00:00Z') })], siteConfig(), templates);
    const item = bodyOf(files, 'news/sample-item/index.html');
    expect(item).toContain('<time datetime="2021-10-01T01:00:00+06:00">1 October 2021</time>');
    expect(bodyOf(files, 'index.html')).toContain('<time datetime="2021-10-01T01:00:00+06:00">1 October 2021</time>');
    const utc = renderSite(
      [newsItem({ published: new Date('2021-09-30T19:00:00Z') })],
      siteConfig({ timezone: 'UTC' }),
      templates,
    );
    expect(bodyOf(utc, 'index.html')).toContain('>30 September 2021</time>');
  });

  it('gives item pages a canonical link, Open Graph basics, author, image and language', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    const item = bodyOf(files, 'news/hostile/index.html');
    const url = `${SITE_URL}news/hostile/`;
    expect(tags(item, 'link').find((l) => l.rel === 'canonical')?.href).toBe(url);
    const og = Object.fromEntries(
      tags(item, 'meta')
        .filter((m) => m.property)
        .map((m) => [m.property, m.content]),
    );
    expect(og).toMatchObject({
      'og:type': 'article',
      'og:url': url,
      'og:title': HOSTILE,
      'og:description': `Summary with ${HOSTILE}`,
      'og:image': `${SITE_URL}news/hostile/photo.jpg`,
      'og:site_name': 'Example News',
      'article:published_time': '2021-10-02T16:00:00+06:00',
    });
    expect(tags(item, 'html')[0]).toEqual({ lang: 'en' });

    const tajik = bodyOf(files, 'news/тоҷикистон-хабар/index.html');
    expect(tags(tajik, 'html')[0]).toEqual({ lang: 'tg' });
    // The site's own navigation stays marked in the site language.
    expect(tajik).toMatch(/<header class="site-header" lang="en">/);
    expect(tajik).toContain('by <span class="author">Example Press Office</span>');

    const updated = bodyOf(files, 'news/updated-one/index.html');
    expect(updated).toContain('<a href="https://news.example.org/desk/" rel="author">Desk</a>');
    expect(updated).toContain('updated <time datetime="2021-09-22T10:00:00+06:00">22 September 2021</time>');
  });

  it('links the stylesheet by a path that works from every folder depth and from 404 pages', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    const href = tags(bodyOf(files, 'news/hostile/index.html'), 'link').find((l) => l.rel === 'stylesheet')?.href;
    expect(href).toMatch(/^\/static\/style\.css\?v=[0-9a-f]{10}$/);
    expect(tags(bodyOf(files, '404.html'), 'link').find((l) => l.rel === 'stylesheet')?.href).toBe(href);
    expect(files.find((f) => f.path === 'static/style.css')?.body).toBeInstanceOf(Uint8Array);

    const sub = renderSite(mixedItems(), siteConfig({ url: 'https://example.org/newsroom/' }), templates);
    const subIndex = bodyOf(sub, 'index.html');
    expect(tags(subIndex, 'link').find((l) => l.rel === 'stylesheet')?.href).toMatch(
      /^\/newsroom\/static\/style\.css\?v=/,
    );
    expect(tags(subIndex, 'form')[0]?.action).toBe('/newsroom/subscribe');
    expect(links(subIndex)).toContain('https://example.org/newsroom/news/hostile/');
  });

  it('marks the 404 page noindex and links back into the site', () => {
    const files = renderSite(mixedItems(), siteConfig(), templates);
    const page = bodyOf(files, '404.html');
    expect(tags(page, 'meta').find((m) => m.name === 'robots')?.content).toBe('noindex');
    expect(links(page)).toContain(SITE_URL);
  });

  it('renders an empty site without failing', async () => {
    const files = renderSite([], siteConfig(), templates);
    expect(files.map((f) => f.path)).toEqual(['404.html', 'index.html', 'static/style.css', 'tags/index.html']);
    expect(bodyOf(files, 'index.html')).toContain('No news yet.');
    expect(await validateHtml(bodyOf(files, 'index.html'))).toEqual([]);
  });

  it('is deterministic: the same input renders byte-identical files', () => {
    const a = renderSite([...mixedItems(), ...manyItems(40)], siteConfig(), templates);
    const b = renderSite([...mixedItems(), ...manyItems(40)], siteConfig(), templates);
    expect(b.map((f) => f.path)).toEqual(a.map((f) => f.path));
    a.forEach((file, i) => {
      expect(Buffer.from(b[i]!.body).equals(Buffer.from(file.body)), file.path).toBe(true);
    });
  });

  it('does not change the items it renders', () => {
    const items = mixedItems();
    const before = structuredClone(items);
    renderSite(items, siteConfig(), templates);
    expect(items).toEqual(before);
  });
});
