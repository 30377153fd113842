// `gazette build` of a newsroom in English and Russian: each language's feeds and pages hold its own items, in its
// own words; a translated story links to its other language both ways; the default language's files are the ones
// the same newsroom in English alone gets; and bad language settings stop the build naming the file and the key.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticFiles } from '../../src/server/static-files.ts';
import { readAtomWithFeedsmith, readRssWithFeedsmith } from '../helpers/feed-parse.ts';
import { buildNewsroom, copyNewsroom, englishOnlyNewsroom, FIXTURE, filesUnder, SITE } from './newsroom-i18n.ts';
import { gazette, repoRoot, snapshot } from './tree.ts';

let dir: string;
let out: string;
const read = (p: string): Promise<string> => readFile(path.join(out, p), 'utf8');

const EN_TITLES = [
  'Director meets UNODC',
  'Operation Channel results',
  'Analysts trained in Bishkek',
  'Heroin seized in Almaty',
];
const RU_TITLES = [
  'Встреча в Ташкенте',
  'Учения в Астане',
  'Аналитики прошли обучение в Бишкеке',
  'В Алматы изъят героин',
];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-languages-'));
  out = path.join(dir, 'both/public');
  buildNewsroom(FIXTURE, out);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a newsroom in two languages', { timeout: 120_000 }, () => {
  it('gives each language its own RSS, Atom and JSON feeds with its own items and title', async () => {
    const rss = readRssWithFeedsmith(await read('feed.xml'));
    expect(rss.title).toBe('CARICC News');
    expect(rss.items.map((i) => i.title)).toEqual(EN_TITLES);
    const atom = readAtomWithFeedsmith(await read('atom.xml'));
    expect(atom.items.map((i) => i.title)).toEqual(EN_TITLES);
    const json = JSON.parse(await read('feed.json')) as { title: string; language: string; items: { title: string }[] };
    expect([json.title, json.language]).toEqual(['CARICC News', 'en']);
    expect(json.items.map((i) => i.title)).toEqual(EN_TITLES);

    const ruRss = await read('ru/feed.xml');
    expect(readRssWithFeedsmith(ruRss).title).toBe('Новости ЦАРИКЦ');
    expect(readRssWithFeedsmith(ruRss).items.map((i) => i.title)).toEqual(RU_TITLES);
    expect(ruRss).toContain('<language>ru</language>');
    expect(ruRss).toContain(
      '<description>Новости Центральноазиатского регионального информационного координационного центра.</description>',
    );
    const ruAtom = await read('ru/atom.xml');
    expect(ruAtom).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ru">');
    expect(ruAtom).toContain(
      '<link rel="self" type="application/atom+xml" href="https://caricc.example/ru/atom.xml"/>',
    );
    expect(readAtomWithFeedsmith(ruAtom).title).toBe('Новости ЦАРИКЦ');
    expect(readAtomWithFeedsmith(ruAtom).items.map((i) => i.title)).toEqual(RU_TITLES);
    const ruJson = JSON.parse(await read('ru/feed.json')) as {
      title: string;
      language: string;
      feed_url: string;
      items: { title: string; url: string }[];
    };
    expect([ruJson.title, ruJson.language, ruJson.feed_url]).toEqual([
      'Новости ЦАРИКЦ',
      'ru',
      'https://caricc.example/ru/feed.json',
    ]);
    expect(ruJson.items.map((i) => i.title)).toEqual(RU_TITLES);
    expect(ruJson.items.every((i) => i.url.startsWith(`${SITE}ru/news/`))).toBe(true);
  });

  it("gives each language its own tag feeds, in that language's words", async () => {
    const ruTag = await read('ru/tags/kazakhstan/feed.xml');
    expect(readRssWithFeedsmith(ruTag).title).toBe('Новости ЦАРИКЦ: kazakhstan');
    expect(readRssWithFeedsmith(ruTag).items.map((i) => i.title)).toEqual(['Учения в Астане', 'В Алматы изъят героин']);
    expect(ruTag).toContain('<description>Новости с тегом «kazakhstan» на сайте «Новости ЦАРИКЦ».</description>');
    const enTag = await read('tags/kazakhstan/feed.xml');
    expect(readRssWithFeedsmith(enTag).items.map((i) => i.title)).toEqual(['Heroin seized in Almaty']);
    expect(enTag).toContain('<description>Items tagged “kazakhstan” from CARICC News.</description>');
    const files = await filesUnder(out);
    // "cooperation" and "unodc" are English tags only; "meetings" is on items of both languages
    expect(files).toContain('tags/cooperation/feed.xml');
    expect(files).not.toContain('ru/tags/cooperation/feed.xml');
    expect(files).toContain('ru/tags/meetings/atom.xml');
    expect(files).toContain('ru/feed.xml.html');
    expect(await read('ru/feed.xml.html')).toContain('<title>Новости ЦАРИКЦ (лента RSS)</title>');
    expect(await read('ru/feed.xsl')).toContain('<strong>Это веб-лента.</strong>');
    expect(await read('ru/atom.xml')).toContain('<?xml-stylesheet type="text/xsl" href="/ru/feed.xsl"?>');
  });

  it('writes the Russian pages under /ru/ with Russian chrome and dates', async () => {
    const page = await read('ru/news/geroin-izyat-v-almaty/index.html');
    expect(page).toContain('<html lang="ru">');
    expect(page).toContain('<title>В Алматы изъят героин | Новости ЦАРИКЦ</title>');
    expect(page).toContain('<time datetime="2026-11-23T11:00:00+05:00">23 ноября 2026</time>');
    expect(page).toContain('>Перейти к содержанию</a>');
    expect(page).toContain('<li><a href="https://caricc.example/ru/">Новости</a></li>');
    expect(page).toContain('<li><a href="https://caricc.example/ru/tags/kazakhstan/" rel="tag">kazakhstan</a></li>');
    expect(page).toContain('<h2 id="subscribe-heading">Еженедельная рассылка</h2>');
    expect(page).toContain('<a href="https://caricc.example/ru/feed.xml" type="application/rss+xml">RSS</a>');
    expect(page).not.toMatch(/Skip to content|Latest news|Get the weekly digest|November/);

    const home = await read('ru/index.html');
    expect(home).toContain('<h2 class="page-heading">Последние новости</h2>');
    for (const title of RU_TITLES) expect(home).toContain(title);
    for (const title of EN_TITLES) expect(home).not.toContain(title);
    expect(home).toContain('<time datetime="2026-11-26T11:00:00+05:00">26 ноября 2026</time>');
    expect(await read('ru/tags/kazakhstan/index.html')).toContain('<p class="tag-meta">2 новости. Следить за тегом:');
    expect(await read('ru/tags/index.html')).toContain('<h1 class="page-heading">Теги</h1>');
    // the Russian pages link to the Russian digest archive, which is there before any Russian digest went out
    expect(page).toContain('href="https://caricc.example/ru/archive/"');
    expect(page).not.toContain('href="https://caricc.example/archive/"');
    const archive = await read('ru/archive/index.html');
    expect(archive).toContain('<html lang="ru">');
    expect(archive).toContain('Архив дайджестов');

    const english = await read('news/heroin-seized-in-almaty/index.html');
    expect(english).toContain('<time datetime="2026-11-23T10:00:00+05:00">23 November 2026</time>');
    expect(english).toContain('>Skip to content</a>');
  });

  it('links a story and its translation both ways with hreflang alternates', async () => {
    const en = await read('news/heroin-seized-in-almaty/index.html');
    const ru = await read('ru/news/geroin-izyat-v-almaty/index.html');
    const pair = [
      '<link rel="alternate" hreflang="en" href="https://caricc.example/news/heroin-seized-in-almaty/">',
      '<link rel="alternate" hreflang="ru" href="https://caricc.example/ru/news/geroin-izyat-v-almaty/">',
    ];
    for (const link of pair) {
      expect(en).toContain(link);
      expect(ru).toContain(link);
    }
    // an untranslated story names no other language
    expect(await read('ru/news/trenirovka-v-astane/index.html')).not.toContain(
      'hreflang="en" href="https://caricc.example/news/',
    );
    // the Russian Atom entry names its English original
    expect(await read('ru/atom.xml')).toContain(
      '<link rel="alternate" type="text/html" hreflang="en" href="https://caricc.example/news/heroin-seized-in-almaty/"/>',
    );
  });

  it('shows a language switch to each home page, and a subscribe form with the language and the topics', async () => {
    const ru = await read('ru/index.html');
    expect(ru).toContain('<li><a href="https://caricc.example/" hreflang="en" lang="en">English</a></li>');
    expect(ru).toContain(
      '<li><a href="https://caricc.example/ru/" hreflang="ru" lang="ru" aria-current="true">Русский</a></li>',
    );
    expect(ru).toContain('<form class="subscribe-form" method="post" action="/subscribe">');
    expect(ru).toContain('<input type="hidden" name="language" value="ru">');
    expect(ru).toContain('<label><input type="checkbox" name="topics" value="kazakhstan"> Казахстан</label>');
    expect(ru).toMatch(/<input type="checkbox" id="subscribe-everything" checked> Всё<\/label>/);
    // no topic is checked: everything
    expect(ru).not.toMatch(/name="topics"[^>]* checked/);
    const en = await read('index.html');
    expect(en).toContain('<input type="hidden" name="language" value="en">');
    expect(en).toContain('<label><input type="checkbox" name="topics" value="operations"> Operations</label>');
  });

  it("answers a browser's navigation to /ru/feed.xml with its Russian page, a feed reader with the feed", async () => {
    const files = createStaticFiles({ root: out });
    const request = {
      head: false,
      rawPath: '/ru/feed.xml',
      search: '',
      acceptEncoding: null,
      ifNoneMatch: null,
      ifModifiedSince: null,
    };
    const browser = await files.respond({ ...request, accept: 'text/html', secFetchDest: 'document' });
    expect(browser.status).toBe(200);
    expect(browser.headers['content-type']).toMatch(/^text\/html/);
    expect(Buffer.from(browser.body as Uint8Array).toString('utf8')).toContain('<strong>Это веб-лента</strong> (RSS).');
    const reader = await files.respond({ ...request, accept: 'application/rss+xml' });
    expect(reader.headers['content-type']).toMatch(/^application\/rss\+xml/);
    expect(Buffer.from(reader.body as Uint8Array).toString('utf8')).toContain('<language>ru</language>');
  });

  it('lists every language in one sitemap', async () => {
    const sitemap = await read('sitemap.xml');
    expect(sitemap).toContain('<loc>https://caricc.example/news/heroin-seized-in-almaty/</loc>');
    expect(sitemap).toContain('<loc>https://caricc.example/ru/news/geroin-izyat-v-almaty/</loc>');
    expect(sitemap).toContain('<loc>https://caricc.example/ru/tags/kazakhstan/</loc>');
  });
});

describe('the default language of a site in two languages and the same newsroom in one', { timeout: 120_000 }, () => {
  let single: string;
  beforeAll(async () => {
    const source = await englishOnlyNewsroom(path.join(dir, 'english-only'));
    single = path.join(dir, 'english-only/public');
    buildNewsroom(source, single);
  });

  it('have byte-identical feed documents', async () => {
    const feed = (p: string) =>
      /^(feed\.xml|atom\.xml|feed\.json|feed\.xsl)$|^(tags|feeds)\/.+\.(xml|json)$|\.xml\.html$/.test(p);
    const one = Object.entries(await snapshot(single)).filter(([p]) => feed(p) && !p.startsWith('ru/'));
    const both = Object.entries(await snapshot(out)).filter(([p]) => feed(p) && !p.startsWith('ru/'));
    expect(one.map(([p]) => p)).toContain('tags/kazakhstan/atom.xml');
    expect(one.length).toBeGreaterThan(20);
    expect(both).toEqual(one);
  });

  it('have the same HTML pages but for the hreflang alternates and the language switch', async () => {
    const pages = (await filesUnder(single)).filter((p) => p.endsWith('.html') && !p.endsWith('.xml.html'));
    expect(pages).toContain('news/heroin-seized-in-almaty/index.html');
    expect(
      (await filesUnder(out)).filter((p) => p.endsWith('.html') && !p.startsWith('ru/') && !p.endsWith('.xml.html')),
    ).toEqual(pages);
    const languageSwitch =
      '<nav class="site-nav language-switch" aria-label="Languages">\n<ul>\n' +
      '<li><a href="https://caricc.example/" hreflang="en" lang="en" aria-current="true">English</a></li>\n' +
      '<li><a href="https://caricc.example/ru/" hreflang="ru" lang="ru">Русский</a></li>\n</ul>\n</nav>\n';
    const hreflang = /<link rel="alternate" hreflang="[a-z]+" href="[^"]+">\n/g;
    let alternates = 0;
    for (const page of pages) {
      const alone = await readFile(path.join(single, page), 'utf8');
      const inTwo = await readFile(path.join(out, page), 'utf8');
      // the digest archive's pages are the newsletter's, without the site's header
      if (!page.startsWith('archive/')) expect(inTwo.split(languageSwitch).length, page).toBe(2);
      alternates += (inTwo.match(hreflang) ?? []).length;
      expect(inTwo.replace(languageSwitch, '').replace(hreflang, ''), page).toBe(alone);
    }
    expect(alternates).toBe(2);
  });
});

describe('bad language settings', { timeout: 120_000 }, () => {
  async function failingBuild(name: string, spoil: (dir: string) => Promise<void>): Promise<string> {
    const newsroom = await copyNewsroom(path.join(dir, name));
    await spoil(newsroom);
    const run = gazette(
      'build',
      '--config',
      path.join(newsroom, 'gazette.yaml'),
      '--content',
      path.join(newsroom, 'content'),
      '--out',
      path.join(newsroom, 'public'),
    );
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(await filesUnder(newsroom).then((f) => f.some((p) => p.startsWith('public/')))).toBe(false);
    return run.stderr;
  }
  const edit = async (file: string, from: string | RegExp, to: string): Promise<void> => {
    const text = await readFile(file, 'utf8');
    const changed = text.replace(from, to);
    expect(changed).not.toBe(text);
    await writeFile(file, changed);
  };

  it('refuses an item whose lang is not one of site.languages, naming the file and the field', async () => {
    const stderr = await failingBuild('unknown-lang', (d) =>
      edit(path.join(d, 'content/ru/2026-11-25-trenirovka-v-astane.md'), 'lang: ru', 'lang: kk'),
    );
    expect(stderr).toMatch(
      /ru\/2026-11-25-trenirovka-v-astane\.md:4 \(field "lang"\): "kk" is not one of site\.languages \(en, ru\)/,
    );
  });

  it('refuses a translation_of that names no item, naming the file and the field', async () => {
    const stderr = await failingBuild('unknown-translation', (d) =>
      edit(path.join(d, 'content/ru/2026-11-23-geroin-izyat-v-almaty.md'), 'heroin-seized-in-almaty', 'heroin'),
    );
    expect(stderr).toMatch(
      /ru\/2026-11-23-geroin-izyat-v-almaty\.md \(field "translation_of"\): no item has the id "en\/2026-11-23-heroin"/,
    );
  });

  it('refuses a translation_of that names an item of the same language', async () => {
    const stderr = await failingBuild('same-language', (d) =>
      edit(
        path.join(d, 'content/ru/2026-11-25-trenirovka-v-astane.md'),
        'lang: ru\n',
        'lang: ru\ntranslation_of: ru/2026-11-24-analitiki-v-bishkeke\n',
      ),
    );
    expect(stderr).toMatch(/ru\/2026-11-25-trenirovka-v-astane\.md \(field "translation_of"\): .*same language, "ru"/);
  });

  it('refuses a topic tag no item carries, naming gazette.yaml and the key, in one line', async () => {
    const stderr = await failingBuild('unknown-tag', (d) =>
      edit(path.join(d, 'gazette.yaml'), 'tags: [operations, seizures]', 'tags: [operations, seizure]'),
    );
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).toMatch(/^gazette: \S*unknown-tag\/gazette\.yaml: digest\.topics\[2\]\.tags\[1\]: "seizure"/);
    expect(stderr).toMatch(/ \(topic "operations"\) is a tag no item carries\n$/);
  });

  it("refuses a newsroom's catalog that misses a key, naming the file and the key, in one line", async () => {
    const russian = await readFile(path.join(repoRoot, 'locales/ru.yaml'), 'utf8');
    const stderr = await failingBuild('missing-key', async (d) => {
      await mkdir(path.join(d, 'locales'), { recursive: true });
      // a newsroom's own Russian wording, with the key of the subscribe button left out
      const spoilt = russian.replace(/^ {2}subscribe_button: .*\n/m, '');
      expect(spoilt).not.toBe(russian);
      await writeFile(path.join(d, 'locales/ru.yaml'), spoilt);
      await writeFile(
        path.join(d, 'gazette.yaml'),
        `${await readFile(path.join(d, 'gazette.yaml'), 'utf8')}\nlocales_dir: locales\n`,
      );
    });
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).toMatch(/missing-key\/locales\/ru\.yaml: missing key "site\.subscribe_button"/);
  });

  it('takes the same slug in two languages, and refuses it twice in one', async () => {
    const newsroom = await copyNewsroom(path.join(dir, 'same-slug'));
    await edit(
      path.join(newsroom, 'content/ru/2026-11-26-vstrecha-v-tashkente.md'),
      'lang: ru\n',
      'lang: ru\nslug: director-meets-unodc\n',
    );
    buildNewsroom(newsroom, path.join(newsroom, 'public'));
    expect(await readFile(path.join(newsroom, 'public/ru/news/director-meets-unodc/index.html'), 'utf8')).toContain(
      'Встреча в Ташкенте',
    );
    expect(await readFile(path.join(newsroom, 'public/news/director-meets-unodc/index.html'), 'utf8')).toContain(
      'Director meets UNODC',
    );
    const stderr = await failingBuild('same-slug-twice', (d) =>
      edit(
        path.join(d, 'content/ru/2026-11-25-trenirovka-v-astane.md'),
        'lang: ru\n',
        'lang: ru\nslug: vstrecha-v-tashkente\n',
      ),
    );
    expect(stderr).toMatch(
      /ru\/2026-11-26-vstrecha-v-tashkente\.md \(field "slug"\): slug "vstrecha-v-tashkente" is also/,
    );
  });
});
