// CSV export of subscribers, streamed page by page; the columns read back by import. `language` is a language code
// (blank: the site's default) and `topics` the topic ids separated by spaces (blank: everything).
import type { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { csvWriter } from '../adapters/csv.ts';
import type { Store } from '../store/open.ts';
import type { SubscriberState } from '../store/schema.ts';
import { iterateSubscribers } from './repository.ts';

export const EXPORT_COLUMNS = [
  'email',
  'name',
  'state',
  'source',
  'created_at',
  'confirmed_at',
  'unsubscribed_at',
  'language',
  'topics',
] as const;

const iso = (d: Date | null): string => (d === null ? '' : d.toISOString());

/**
 * Writes every subscriber (or those in `state`) as CSV to `output`; `end: false` leaves output open (stdout).
 * A field a spreadsheet would run as a formula gets a leading `'`, which import takes off again.
 * Resolves to the row count.
 */
export async function exportSubscribers(
  store: Store,
  output: Writable,
  options: { state?: SubscriberState; end?: boolean } = {},
): Promise<number> {
  let count = 0;
  async function* rows() {
    for await (const s of iterateSubscribers(store.db, options.state !== undefined ? { state: options.state } : {})) {
      count++;
      yield {
        email: s.email,
        name: s.name ?? '',
        state: s.state,
        source: s.source,
        created_at: iso(s.createdAt),
        confirmed_at: iso(s.confirmedAt),
        unsubscribed_at: iso(s.unsubscribedAt),
        // blank: the site's default language; blank topics: everything
        language: s.language ?? '',
        topics: (s.topics ?? []).join(' '),
      };
    }
  }
  await pipeline(Readable.from(rows()), csvWriter(EXPORT_COLUMNS, { escapeFormulas: true }), output, {
    end: options.end ?? true,
  });
  return count;
}
