// Which items an edition covers: the window since the previous sent edition, and the items published in it.
import type { Config } from '../config/schema.ts';
import type { NewsItem } from '../content/types.ts';

/** Half-open interval [start, end) of publication dates an edition covers. */
export interface DigestWindow {
  start: Date;
  end: Date;
}

const DAY_MS = 86_400_000;

/**
 * The window of the next edition: from the end of the previous sent edition (or, for the
 * first edition, `digest.firstWindowDays` days before `now`) up to `now`.
 */
export function digestWindow(previousEditionEnd: Date | null, now: Date, config: Pick<Config, 'digest'>): DigestWindow {
  const start = previousEditionEnd ?? new Date(now.getTime() - config.digest.firstWindowDays * DAY_MS);
  // A clock that went backwards must not produce a window that ends before it starts.
  return { start: new Date(Math.min(start.getTime(), now.getTime())), end: new Date(now.getTime()) };
}

/**
 * The published (non-draft) items with `start <= published < end`, newest first; ties keep a
 * stable order by id so two runs over the same items agree. Empty means: no edition to send.
 */
export function selectDigestItems(items: readonly NewsItem[], window: DigestWindow): NewsItem[] {
  const start = window.start.getTime();
  const end = window.end.getTime();
  return items
    .filter((item) => !item.draft && item.published.getTime() >= start && item.published.getTime() < end)
    .sort((a, b) => b.published.getTime() - a.published.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
