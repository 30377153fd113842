// Content of a site in several languages: where an item of each language is published, `translation_of`, and the
// `lang` an item may have; the parser threads give what the main thread gives.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { loadContent, parseContent, type SourceFile } from '../../src/content/index.ts';
import { translationsOf } from '../../src/content/translations.ts';
import { ContentErrors } from '../../src/errors.ts';

const root = path.resolve(import.meta.dirname, '../..');
const fixture = path.join(root, 'tests/fixtures/newsroom-i18n');
const config = await loadConfig(path.join(fixture, 'gazette.yaml'));
const single = await loadConfig(path.join(root, 'gazette.yaml'));
const later = new Date('2030-01-01T00:00:00Z');
const file = (p: string, text: string): SourceFile => ({ path: p, bytes: new TextEncoder().encode(text) });
const item = (title: string, extra = ''): string => `---\ntitle: ${title}\ndate: 2026-11-23\n${extra}---\n\nText.\n`;

function errorsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ContentErrors) return err.errors.map((e) => e.message);
    throw err;
  }
  return [];
}

describe('items of a site in several languages', () => {
  it('publish the default language at the top and the others under /<lang>/, with their translation', async () => {
    const items = await loadContent(path.join(fixture, 'content'), config, later);
    const byId = new Map(items.map((i) => [i.id, i]));
    expect(byId.get('en/2026-11-23-heroin-seized-in-almaty')!.url).toBe(
      'https://caricc.example/news/heroin-seized-in-almaty/',
    );
    const ru = byId.get('ru/2026-11-23-geroin-izyat-v-almaty')!;
    expect(ru.url).toBe('https://caricc.example/ru/news/geroin-izyat-v-almaty/');
    expect(ru.translationOf).toBe('en/2026-11-23-heroin-seized-in-almaty');
    const translations = translationsOf(items, config);
    expect(translations.get(ru)).toEqual([{ lang: 'en', url: 'https://caricc.example/news/heroin-seized-in-almaty/' }]);
    expect(translations.get(byId.get('en/2026-11-23-heroin-seized-in-almaty')!)).toEqual([
      { lang: 'ru', url: 'https://caricc.example/ru/news/geroin-izyat-v-almaty/' },
    ]);
    expect(translations.has(byId.get('ru/2026-11-25-trenirovka-v-astane')!)).toBe(false);
    // parser threads (forced by a threshold of one file) give the same items
    const threaded = await loadContent(path.join(fixture, 'content'), config, later, {
      threads: 1,
      threadThreshold: 1,
    });
    expect(threaded.map((i) => [i.id, i.url, i.translationOf])).toEqual(
      items.map((i) => [i.id, i.url, i.translationOf]),
    );
  });

  it("publish a Russian item's local image next to its page under ru/", () => {
    const [ru] = parseContent(
      [
        file('ru/a.md', item('Снимок', 'lang: ru\nimage: map.png\n')),
        { path: 'ru/map.png', bytes: new Uint8Array(0), size: 10 },
      ],
      config,
      later,
    );
    expect(ru!.image!.url).toBe('https://caricc.example/ru/news/a/map.png');
    expect(ru!.assets).toEqual([{ source: 'ru/map.png', path: 'ru/news/a/map.png' }]);
  });

  it('refuse a lang that is not one of site.languages, but a single-language site takes any', () => {
    expect(errorsOf(() => parseContent([file('a.md', item('A', 'lang: kk\n'))], config, later))).toEqual([
      'a.md:4 (field "lang"): "kk" is not one of site.languages (en, ru)',
    ]);
    const [kazakh] = parseContent([file('a.md', item('A', 'lang: kk\n'))], single, later);
    expect([kazakh!.lang, kazakh!.url]).toEqual(['kk', 'https://caricc.org/news/a/']);
    // there, a translation is an item in another language tag, on the same pages
    const pair = parseContent(
      [file('a.md', item('A')), file('b.md', item('Б', 'lang: kk\ntranslation_of: a\n'))],
      single,
      later,
    );
    expect(pair.map((i) => i.url).sort()).toEqual(['https://caricc.org/news/a/', 'https://caricc.org/news/b/']);
    expect(
      errorsOf(() =>
        parseContent(
          [file('a.md', item('A')), file('b.md', item('B', 'lang: en\ntranslation_of: a\n'))],
          single,
          later,
        ),
      ),
    ).toEqual(['b.md (field "translation_of"): "a" (a.md) is in the same language, "en"']);
  });

  it('refuse a translation_of naming no item, the item itself or an item of the same language', () => {
    const errors = errorsOf(() =>
      parseContent(
        [
          file('en/a.md', item('A')),
          file('ru/b.md', item('B', 'lang: ru\ntranslation_of: en/nothing\n')),
          file('ru/c.md', item('C', 'lang: ru\ntranslation_of: ru/c\n')),
          file('en/d.md', item('D', 'translation_of: en/a\n')),
          file('ru/e.md', item('E', 'lang: ru\ntranslation_of: en/a\n')),
        ],
        config,
        later,
      ),
    );
    expect(errors).toEqual([
      'en/d.md (field "translation_of"): "en/a" (en/a.md) is in the same language, "en"',
      'ru/b.md (field "translation_of"): no item has the id "en/nothing"',
      'ru/c.md (field "translation_of"): names the item itself',
    ]);
  });

  it('take one slug in two languages, not twice in one', () => {
    const items = parseContent(
      [file('en/a.md', item('A', 'slug: same\n')), file('ru/a.md', item('А', 'lang: ru\nslug: same\n'))],
      config,
      later,
    );
    expect(items.map((i) => i.url).sort()).toEqual([
      'https://caricc.example/news/same/',
      'https://caricc.example/ru/news/same/',
    ]);
    expect(
      errorsOf(() =>
        parseContent(
          [file('en/a.md', item('A', 'slug: same\n')), file('en/b.md', item('B', 'slug: same\n'))],
          config,
          later,
        ),
      ),
    ).toEqual(['en/b.md (field "slug"): slug "same" is also the slug of en/a.md']);
  });
});
