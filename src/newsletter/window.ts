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

/** What earlier editions carried: what the next one must not carry again. */
export interface MailedHistory {
  /** Ids of the items carried by editions that were sent, or are being sent or paused. */
  mailed: ReadonlySet<string>;
  /** Where the first edition's window started (whatever became of it); null before the first edition. */
  firstWindowStart: Date | null;
}

/**
 * The next edition's items: every published item not mailed yet, whatever its date says about the
 * last edition's window (an item committed late, with an earlier date, still goes out once), no
 * older than `digest.maxItemAgeDays` and never from before the first edition's window (the first
 * edition covers `digest.firstWindowDays`). An item mailed once is never carried again, even when
 * its date moved or it was updated. Newest first, as selectDigestItems orders them.
 */
export function nextEditionItems(
  items: readonly NewsItem[],
  history: MailedHistory,
  now: Date,
  config: Pick<Config, 'digest'>,
): { window: DigestWindow; items: NewsItem[] } {
  const oldest =
    history.firstWindowStart === null
      ? now.getTime() - config.digest.firstWindowDays * DAY_MS
      : Math.max(now.getTime() - config.digest.maxItemAgeDays * DAY_MS, history.firstWindowStart.getTime());
  const window = { start: new Date(Math.min(oldest, now.getTime())), end: new Date(now.getTime()) };
  const unsent = items.filter((item) => !history.mailed.has(item.id));
  return { window, items: selectDigestItems(unsent, window) };
}
