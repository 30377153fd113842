// Dates with their own offset are read without the time-zone library, to the same instant.
import { describe, expect, it } from 'vitest';
import { parseContentDate } from '../../src/adapters/luxon.ts';
import { parseItemDate } from '../../src/content/date.ts';

describe('item dates', () => {
  it('gives the instant the luxon adapter gives, or null where it gives null', () => {
    const texts: string[] = [];
    for (const day of ['2021-10-01', '2021-02-28', '2021-02-29', '2020-02-29', '2021-04-31', '2021-00-10', '2021-13-01', '2021-12-00', '0999-01-01', '1000-01-01']) {
      for (const time of ['', 'T00:00', 'T09:30:00', ' 23:59:59', 'T24:00:00', 'T23:60', 'T12:00:61', 'T09:30:00.250']) {
        for (const offset of ['', 'Z', '+06:00', '-05:00', '+0530', '+14:00', '+24:00', '-00:00', '+05:60']) {
          if (time === '' && offset !== '') continue;
          texts.push(`${day}${time}${offset}`, `  ${day}${time}${offset} `);
        }
      }
    }
    texts.push('1 October 2021', '2021-10-01T09:30+06', '', '2021-1-1');
    for (const zone of ['Asia/Almaty', 'America/New_York', 'UTC']) {
      for (const text of texts) expect(parseItemDate(text, zone)?.toISOString() ?? null, `${text} in ${zone}`).toBe(parseContentDate(text, zone)?.toISOString() ?? null);
    }
    expect(parseItemDate('2021-10-01T09:30:00+06:00', 'UTC')).toEqual(new Date('2021-10-01T03:30:00Z'));
    expect(parseItemDate('2021-02-29T09:30:00Z', 'UTC')).toBeNull();
  });
});
