// Front-matter dates: a full date and time with its own offset is read without luxon; every
// form must give the instant luxon gives (or be refused as luxon refuses it).
import { describe, expect, it } from 'vitest';
import { parseContentDate, parseContentDateWithLuxon } from '../../src/adapters/luxon.ts';

const ZONES = ['Asia/Bishkek', 'Europe/Vienna', 'America/New_York', 'UTC'];

/** A seeded generator, so a failure can be run again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function dateTexts(count: number, seed: number): string[] {
  const r = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const year = pick([1999, 2000, 2004, 2008, 2024, 2025, 2026, 2100, 1900, 1600, 9999, 50]);
    const month = Math.floor(r() * 14); // 0 and 13 out of range
    const day = Math.floor(r() * 33); // 0 and 32 out of range, 29–31 against each month
    const hour = Math.floor(r() * 25);
    const minute = pick([0, 30, 59, 60]);
    const second = pick(['', ':00', ':45', ':59', ':60']);
    const fraction = second === '' ? '' : pick(['', '.1', '.12', '.123', '.1234', '.999999']);
    const offset = pick([
      'Z',
      '+00:00',
      '+05:00',
      '+06:00',
      '-04:00',
      '+05:30',
      '-09:30',
      '+14:00',
      '+15:00',
      '-12:00',
      '+0530',
      '',
      '+05:60',
    ]);
    const sep = pick(['T', 'T', 'T', ' ']);
    const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
    texts.push(
      pick([`${date}${sep}${pad(hour)}:${pad(minute)}${second}${fraction}${offset}`, date, `${date}${offset}`]),
    );
  }
  return texts;
}

describe('parseContentDate', () => {
  it('reads every date and time as luxon does, with or without an offset, valid or not', () => {
    const texts = [
      ...dateTexts(20_000, 11),
      '2026-02-29T10:00:00+06:00',
      '2024-02-29T10:00:00+06:00',
      '2026-11-12T24:00:00Z',
      '2026-11-12T09:30:00.5+06:00',
      ' 2026-11-12T09:30:00+06:00 ',
      '2026-11-12T09:30+06:00',
      '2026-11-12T09:30:00-00:00',
    ];
    let agreed = 0;
    for (const text of texts) {
      const zone = ZONES[agreed % ZONES.length]!;
      const ours = parseContentDate(text, zone);
      const luxon = parseContentDateWithLuxon(text, zone);
      expect({ text, zone, time: ours?.getTime() ?? null }).toEqual({ text, zone, time: luxon?.getTime() ?? null });
      agreed++;
    }
    // the generator's mix: valid dates with an offset, and refusals, both in numbers
    const withOffset = texts.filter((t) => /T\d\d:\d\d.*(Z|[+-]\d\d:\d\d)$/.test(t));
    expect(withOffset.filter((t) => parseContentDate(t, 'UTC') !== null).length).toBeGreaterThan(1_000);
    expect(texts.filter((t) => parseContentDate(t, 'UTC') === null).length).toBeGreaterThan(2_000);
  });

  it('gives the instant a newsroom wrote', () => {
    expect(parseContentDate('2026-11-12T09:30:00+06:00', 'Europe/Vienna')?.toISOString()).toBe(
      '2026-11-12T03:30:00.000Z',
    );
    expect(parseContentDate('2026-02-29T09:30:00+06:00', 'UTC')).toBeNull();
    expect(parseContentDate('2026-11-12 09:30', 'Asia/Bishkek')?.toISOString()).toBe('2026-11-12T03:30:00.000Z');
  });
});
