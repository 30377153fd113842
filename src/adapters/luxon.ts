// Adapter for luxon: every time-zone-aware date computation goes through here.
import { DateTime, IANAZone } from 'luxon';

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
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(trimmed)) return null;
  // setZone keeps a written offset as the date's zone: the instant is the same, and luxon need not
  // ask Intl for `zone`'s offset (the costly part) unless the text has no offset of its own.
  const dt = DateTime.fromISO(trimmed.replace(' ', 'T'), { zone, setZone: true });
  return dt.isValid ? dt.toJSDate() : null;
}

// A site build formats each item's date on every page that lists it, and each formatting asks
// Intl for the zone's offset; the answers depend only on the arguments, so they are remembered.
const formatted = new Map<string, string>();
const FORMATTED_LIMIT = 100_000;

function remembered(key: string, compute: () => string): string {
  let text = formatted.get(key);
  if (text === undefined) {
    text = compute();
    if (formatted.size >= FORMATTED_LIMIT) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}

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
  return remembered(`${date.getTime()}\0${zone}\0${locale}\0${format}`, () => inZone(date, zone).setLocale(locale).toFormat(format));
}

/** Midnight at the start of `date`'s day in `zone`, shifted by `days`. */
export function startOfDayInZone(date: Date, zone: string, days = 0): Date {
  return DateTime.fromJSDate(date, { zone }).startOf('day').plus({ days }).toJSDate();
}

/** ISO 8601 with the zone's offset, e.g. 2021-10-01T00:00:00+05:00. */
export function isoInZone(date: Date, zone: string): string {
  return remembered(`${date.getTime()}\0${zone}\0iso`, () => inZone(date, zone).toISO({ suppressMilliseconds: true }) ?? date.toISOString());
}
