import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTopicTags, groupItems, readerGroup } from '../../src/audience.ts';
import { loadConfig } from '../../src/config/load.ts';
import { CatalogError, loadCatalogs } from '../../src/i18n/catalog.ts';
import { ConfigError } from '../../src/errors.ts';
import type { NewsItem } from '../../src/content/types.ts';

const fixture = path.resolve(import.meta.dirname, '../fixtures/newsroom-i18n/gazette.yaml');
const builtin = path.resolve(import.meta.dirname, '../../locales');

async function newsroomWith(yaml: string, files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-i18n-'));
  await writeFile(path.join(dir, 'gazette.yaml'), yaml);
  for (const [name, text] of Object.entries(files)) {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return path.join(dir, 'gazette.yaml');
}

describe('message catalogs', () => {
  it('gives Russian plurals and dates, and English ones, from the shipped catalogs', async () => {
    const config = await loadConfig(fixture);
    const catalogs = await loadCatalogs(config);
    const ru = catalogs.messages('ru');
    expect([1, 2, 5, 11, 21, 22].map((count) => ru.t('common.items', { count }))).toEqual([
      '1 новость',
      '2 новости',
      '5 новостей',
      '11 новостей',
      '21 новость',
      '22 новости',
    ]);
    const monday = new Date('2021-10-03T20:00:00Z'); // Monday 4 October, 01:00 in Almaty
    expect(ru.date(monday)).toBe('4 октября 2021');
    expect(catalogs.messages('en').date(monday)).toBe('4 October 2021');
    expect(catalogs.messages('en').t('common.items', { count: 1 })).toBe('1 new item');
  });

  it('refuses a newsroom catalog that misses a key, naming the file and the key', async () => {
    const english = await readFile(path.join(builtin, 'en.yaml'), 'utf8');
    const kazakh = english
      .replace(/^ {2}read_full_story:.*$/m, '')
      .replace('language_name: English', 'language_name: Қазақша');
    const file = await newsroomWith(
      (await readFile(fixture, 'utf8')).replace('languages: [en, ru]', 'languages: [en, ru, kk]') +
        '\nlocales_dir: locales\n',
      { 'locales/kk.yaml': kazakh },
    );
    const config = await loadConfig(file);
    const err = await loadCatalogs(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CatalogError);
    expect((err as CatalogError).message).toMatch(/kk\.yaml: missing key "digest\.read_full_story"/);
    expect((err as CatalogError).key).toBe('digest.read_full_story');
  });

  it('refuses a language that has no catalog, naming site.languages', async () => {
    const file = await newsroomWith(
      (await readFile(fixture, 'utf8')).replace('languages: [en, ru]', 'languages: [en, ru, uz]'),
    );
    const err = await loadCatalogs(await loadConfig(file), { configFile: file }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/site\.languages: no catalog for "uz"/);
  });

  it('refuses a message that uses an argument the reference does not give', async () => {
    const english = await readFile(path.join(builtin, 'en.yaml'), 'utf8');
    const file = await newsroomWith((await readFile(fixture, 'utf8')) + '\nlocales_dir: locales\n', {
      'locales/ru.yaml': (await readFile(path.join(builtin, 'ru.yaml'), 'utf8')).replace(
        'read_more: Подробнее',
        'read_more: Подробнее {nmae}',
      ),
      'locales/en.yaml': english,
    });
    const err = await loadCatalogs(await loadConfig(file)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/ru\.yaml: site\.read_more: uses \{nmae\}/);
  });
});

describe('gazette.yaml languages and topics', () => {
  it('gives every language its own words, the default first', async () => {
    const config = await loadConfig(fixture);
    expect(config.site.language).toBe('en');
    expect(config.languages.map((l) => [l.code, l.title])).toEqual([
      ['en', 'CARICC News'],
      ['ru', 'Новости ЦАРИКЦ'],
    ]);
    expect(config.digest.topics.map((t) => t.id)).toEqual(['kazakhstan', 'kyrgyzstan', 'operations', 'training']);
  });

  it('names the key of a language setting for a language the site does not have', async () => {
    const file = await newsroomWith(
      (await readFile(fixture, 'utf8')).replace('languages:\n  ru:', 'languages:\n  kk:'),
    );
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/languages\.kk.*not one of site\.languages/);
  });

  it('an unknown tag in a topic is an error naming the file and the key', async () => {
    const config = await loadConfig(fixture);
    const bad = {
      ...config,
      digest: {
        ...config.digest,
        topics: [...config.digest.topics, { id: 'x', names: { en: 'X' }, tags: ['kazakstan'] }],
      },
    };
    expect(() =>
      checkTopicTags(
        [{ tags: ['kazakhstan', 'kyrgyzstan', 'Operations', 'seizures', 'training'] }],
        bad,
        'gazette.yaml',
      ),
    ).toThrow(/gazette\.yaml: digest\.topics\[4\]\.tags\[0\]: "kazakstan"/);
  });

  it('puts readers in groups by language and topics, and gives each group its items', async () => {
    const config = await loadConfig(fixture);
    const item = (lang: string | undefined, tags: string[]) => ({ id: tags.join(), lang, tags }) as unknown as NewsItem;
    const items = [
      item(undefined, ['kazakhstan', 'Seizures']),
      item('ru', ['kazakhstan']),
      item(undefined, ['meetings']),
    ];
    const ops = readerGroup({ language: null, topics: ['operations', 'gone'] }, config);
    expect(ops.key).toBe('en:operations');
    expect(groupItems(items, ops, config)).toEqual([items[0]]);
    const everything = readerGroup({ language: 'ru', topics: null }, config);
    expect(everything.key).toBe('ru');
    expect(groupItems(items, everything, config)).toEqual([items[1]]);
    // a reader whose topics were all removed gets everything rather than nothing
    expect(readerGroup({ language: 'xx', topics: ['gone'] }, config).key).toBe('en');
  });
});
