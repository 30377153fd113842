// Adapter for luxon: every time-zone-aware date computation goes through here.
import { DateTime, IANAZone } from 'luxon';
import { boundedMemo } from '../memo.ts';

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/**
 * Parses a front-matter date. A date without a time means midnight in `zone`;
 * a date-time without an offset is read in `zone` too. Returns null when the
 * text is not an ISO 8601 date or names an impossible day (2021-02-30).
 */
export function parseContentDate(text: string, zone: string): Date | null {
  const trimmed = text.trim();
  if (!CONTENT_DATE.test(trimmed)) return null;
  return instantWithOffset(trimmed) ?? parseWithLuxon(trimmed, zone);
}

const CONTENT_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** `parseContentDate` by luxon alone: what instantWithOffset must agree with. */
export function parseContentDateWithLuxon(text: string, zone: string): Date | null {
  const trimmed = text.trim();
  return CONTENT_DATE.test(trimmed) ? parseWithLuxon(trimmed, zone) : null;
}

function parseWithLuxon(trimmed: string, zone: string): Date | null {
  // setZone keeps a written offset as the date's zone: the instant is the same, and luxon need not
  // ask Intl for `zone`'s offset (the costly part) unless the text has no offset of its own.
  const dt = DateTime.fromISO(trimmed.replace(' ', 'T'), { zone, setZone: true });
  return dt.isValid ? dt.toJSDate() : null;
}

const WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant of a full date and time with its own offset (`2026-11-12T09:30:00+06:00`, the
 * common case), without luxon: the zone plays no part, and luxon's parse costs about 40 µs a date.
 * Undefined for anything else, or anything out of range, which luxon then judges.
 */
function instantWithOffset(text: string): Date | undefined {
  const m = WITH_OFFSET.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // luxon reads a fraction as milliseconds, cut (not rounded) to three digits
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
  const offsetMinutes = m[10] === undefined ? 0 : Number(m[10]);
  // day 0 of the next month is the month's last (Date.UTC reads years below 100 as 19xx: refused below)
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (
    year < 100 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    offsetHours > 14 ||
    offsetMinutes > 59
  ) {
    return undefined;
  }
  const offset = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset * 60_000);
}

// A site build formats each item's date on every page that lists it, and each formatting asks
// Intl for the zone's offset; the answers depend only on the arguments, so they are remembered.
const remembered = boundedMemo<string>(100_000);

// The last instant put in a zone: a page formats each item's date twice in a row (its machine
// and its reader form), and the zone's offset at that instant, the costly part, is then asked once.
let lastInZone: { time: number; zone: string; dateTime: DateTime } | undefined;

function inZone(date: Date, zone: string): DateTime {
  const time = date.getTime();
  if (lastInZone === undefined || lastInZone.time !== time || lastInZone.zone !== zone) {
    lastInZone = { time, zone, dateTime: DateTime.fromJSDate(date, { zone }) };
  }
  return lastInZone.dateTime;
}

/** Formats `date` in `zone` with a luxon format string (e.g. `d LLLL yyyy`). */
export function formatInZone(date: Date, zone: string, format: string, locale = 'en'): string {
  return remembered(`${date.getTime()}\0${zone}\0${locale}\0${format}`, () =>
    inZone(date, zone).setLocale(locale).toFormat(format),
  );
}

/** Midnight at the start of `date`'s day in `zone`, shifted by `days`. */
export function startOfDayInZone(date: Date, zone: string, days = 0): Date {
  return DateTime.fromJSDate(date, { zone }).startOf('day').plus({ days }).toJSDate();
}

/** ISO 8601 with the zone's offset, e.g. 2021-10-01T00:00:00+05:00. */
export function isoInZone(date: Date, zone: string): string {
  return remembered(
    `${date.getTime()}\0${zone}\0iso`,
    () => inZone(date, zone).toISO({ suppressMilliseconds: true }) ?? date.toISOString(),
  );
}
