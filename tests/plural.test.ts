// Counted words follow the language's plural rules: "1 new item", never "1 new items".
import { describe, expect, it } from 'vitest';
import { fillSubject, unknownPlaceholders } from '../src/newsletter/header.ts';
import { count, plural } from '../src/plural.ts';

describe('plural', () => {
  it('takes the form the count asks for in the language', () => {
    expect([0, 1, 2].map((n) => count(n, 'item'))).toEqual(['0 items', '1 item', '2 items']);
    expect(count(1, 'content error')).toBe('1 content error');
    const news = { one: '# новость', few: '# новости', many: '# новостей', other: '# новости' };
    expect([1, 2, 5, 21, 22, 25].map((n) => plural(n, news, 'ru'))).toEqual([
      '1 новость',
      '2 новости',
      '5 новостей',
      '21 новость',
      '22 новости',
      '25 новостей',
    ]);
  });
});

describe('the subject placeholder {{items}}', () => {
  const subject = (n: number) =>
    fillSubject('{{site}}: {{items}}, week of {{date}}', { site: 'CARICC News', count: n, date: '4 October 2021' });

  it('says "1 new item" for one, and counts the others as many', () => {
    expect(subject(1)).toBe('CARICC News: 1 new item, week of 4 October 2021');
    expect(subject(2)).toBe('CARICC News: 2 new items, week of 4 October 2021');
    expect(subject(0)).toBe('CARICC News: no new items, week of 4 October 2021');
    expect(unknownPlaceholders('{{site}} {{items}} {{count}} {{date}} {{nope}}')).toEqual(['nope']);
  });
});
