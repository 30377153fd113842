// A digest composed for a group of readers: its language's subject, plural, words and dates, from the catalogs.
import { describe, expect, it } from 'vitest';
import { readerGroup } from '../../src/audience.ts';
import { loadCatalogs } from '../../src/i18n/catalog.ts';
import { composeDigest, fillSlots, personalize } from '../../src/newsletter/index.ts';
import { i18nConfig } from '../delivery/groups-support.ts';
import { newsItem, templates } from './factory.ts';

const NOW = new Date('2026-11-30T04:00:00Z');
const window = { start: new Date('2026-11-20T00:00:00Z'), end: NOW };

function ruItems(n: number) {
  return Array.from({ length: n }, (_, i) =>
    newsItem({
      title: `Новость номер ${i + 1}`,
      lang: 'ru',
      tags: ['kazakhstan'],
      published: new Date(Date.UTC(2026, 10, 23 + (i % 5), 6)),
    }),
  );
}

describe('a Russian group digest', () => {
  it('says 1 новость, 2 новости, 5 новостей in the subject and the count line', async () => {
    const config = await i18nConfig();
    const catalogs = await loadCatalogs(config);
    const group = readerGroup({ language: 'ru', topics: ['kazakhstan'] }, config);
    const subjects: string[] = [];
    for (const n of [1, 2, 5]) {
      const digest = await composeDigest({
        items: ruItems(n),
        config,
        editionId: '7',
        window,
        now: NOW,
        templates: await templates(),
        group,
        catalogs,
      });
      subjects.push(digest.subject);
      const text = fillSlots(digest.text, {
        greeting: 'Здравствуйте!',
        email: 'r@example.org',
        unsubscribeUrl: 'https://caricc.example/u',
        unsubscribeLabel: 'Отписаться',
        preferencesUrl: 'https://caricc.example/p',
      });
      expect(text).toContain(`В этом выпуске: ${['1 новость', '2 новости', '5 новостей'][[1, 2, 5].indexOf(n)]}.`);
    }
    expect(subjects).toEqual([
      'Новости ЦАРИКЦ: 1 новость, неделя 30 ноября 2026',
      'Новости ЦАРИКЦ: 2 новости, неделя 30 ноября 2026',
      'Новости ЦАРИКЦ: 5 новостей, неделя 30 ноября 2026',
    ]);
  });

  it('greets by name, labels the links and dates the items in Russian; the archive page is under ru/', async () => {
    const config = await i18nConfig();
    const group = readerGroup({ language: 'ru', topics: ['kazakhstan'] }, config);
    const digest = await composeDigest({
      items: ruItems(2),
      config,
      editionId: '7',
      window,
      now: NOW,
      templates: await templates(),
      group,
    });
    expect(digest.archiveUrl).toBe('https://caricc.example/ru/archive/2026-11-30-7/kazakhstan/');
    const message = personalize(
      digest,
      {
        subscriberId: 3,
        email: 'reader@example.org',
        name: 'Айгуль',
        unsubscribeUrl: 'https://caricc.example/unsubscribe?token=t',
        preferencesUrl: 'https://caricc.example/preferences?token=p',
      },
      config,
    );
    for (const part of [message.text, message.html ?? '']) {
      expect(part).toContain('Здравствуйте, Айгуль!');
      expect(part).toContain('24 ноября 2026');
      expect(part).toContain('Отписаться');
      expect(part).toContain('Изменить подписку');
      expect(part).toContain('https://caricc.example/preferences?token=p');
    }
  });
});
