// What the content folder publishes when: items out now, items scheduled for later, and the next publication instant.
import type { Config } from '../config/schema.ts';
import { parseContent, readContentFolder } from '../content/index.ts';
import type { NewsItem } from '../content/types.ts';

/** The latest instant a Date can hold: every non-draft item is "published" by then. */
const END_OF_TIME = new Date(8.64e15);

export interface ContentCalendar {
  /** Items published at `now`. */
  published: number;
  /** Non-draft items dated after `now`. */
  scheduled: number;
  /** When the earliest scheduled item comes out; undefined when none is scheduled. */
  nextPublishAt: Date | undefined;
}

/** Counts published and scheduled items (pure). */
export function calendarOf(items: readonly NewsItem[], now: Date): ContentCalendar {
  let published = 0;
  let next: number | undefined;
  for (const item of items) {
    const t = item.published.getTime();
    if (t <= now.getTime()) published++;
    else next = next === undefined ? t : Math.min(next, t);
  }
  return {
    published,
    scheduled: items.length - published,
    nextPublishAt: next === undefined ? undefined : new Date(next),
  };
}

/**
 * Reads the content folder and dates its items; throws ContentErrors as a build would. The
 * Markdown bodies are not rendered: dates and errors do not depend on them.
 */
export async function loadContentCalendar(contentDir: string, config: Config, now: Date): Promise<ContentCalendar> {
  const items = parseContent(await readContentFolder(contentDir), config, END_OF_TIME, { bodies: false });
  return calendarOf(items, now);
}
