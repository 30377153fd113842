// Front-matter dates that carry their own offset (2021-10-01T09:30:00+06:00, or Z) name one
// instant whatever the site's time zone, so they are read here without the time-zone library;
// anything else (a date alone, no offset, a fraction of a second, an unusual field) goes to it.
import { parseContentDate } from '../adapters/luxon.ts';

const withOffset = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/** The instant an ISO 8601 date-time with an offset names; undefined when the time-zone library must decide. */
function offsetDateTime(text: string): Date | null | undefined {
  const m = withOffset.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const offset = m[7] === undefined ? 0 : (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  if (year < 1000 || hour > 23 || minute > 59 || second > 59 || Number(m[8] ?? 0) > 23 || Number(m[9] ?? 0) > 59) return undefined;
  if (month < 1 || month > 12 || day < 1) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  // An impossible day (2021-02-30) rolls over into the next month.
  if (new Date(local).getUTCDate() !== day) return null;
  return new Date(local - offset * 60_000);
}

/**
 * Parses a front-matter date as the luxon adapter's parseContentDate does: a date without a
 * time is midnight in `zone`, a date-time without an offset is read in `zone`; null when the
 * text is not an ISO 8601 date or names an impossible day.
 */
export function parseItemDate(text: string, zone: string): Date | null {
  const trimmed = text.trim();
  const fast = offsetDateTime(trimmed);
  return fast !== undefined ? fast : parseContentDate(trimmed, zone);
}
