// Per group of an edition's readers: how many it had, and where their messages stand.
import type { Store } from '../store/index.ts';

/** One (language, topics) group of an edition. */
export interface EditionGroupReport {
  /** ReaderGroup.key, e.g. `ru:kazakhstan`. */
  key: string;
  language: string;
  /** Topic ids; null: everything. */
  topics: string[] | null;
  subject: string;
  items: number;
  /** Readers in the group when the edition was made. */
  recipients: number;
  sent: number;
  /** Not sent yet: pending, being sent or waiting for a retry. */
  pending: number;
  failed: number;
  uncertain: number;
  /** The group had nothing new: its readers got no message ("skipped: nothing new"). */
  skipped: boolean;
}

function parseList(text: string | null): string[] | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.map(String) : null;
  } catch {
    return null;
  }
}

/** The groups of each edition, by edition id, sorted by key; an edition made before groups has none. */
export async function editionGroups(
  store: Store,
  editionIds: readonly number[],
): Promise<Map<number, EditionGroupReport[]>> {
  const out = new Map<number, EditionGroupReport[]>();
  if (editionIds.length === 0) return out;
  const groups = await store.db
    .selectFrom('edition_groups')
    .select(['edition_id', 'group_key', 'language', 'topics', 'subject', 'item_ids', 'recipients', 'digest'])
    .where('edition_id', 'in', [...editionIds])
    .orderBy('edition_id')
    .orderBy('group_key')
    .execute();
  if (groups.length === 0) return out;
  const counts = await store.db
    .selectFrom('deliveries')
    .select(['edition_id', 'group_key', 'status', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('edition_id', 'in', [...new Set(groups.map((g) => g.edition_id))])
    .groupBy(['edition_id', 'group_key', 'status'])
    .execute();
  const byGroup = new Map<string, Map<string, number>>();
  for (const c of counts) {
    const key = `${c.edition_id}\u0000${c.group_key ?? ''}`;
    let m = byGroup.get(key);
    if (!m) {
      m = new Map();
      byGroup.set(key, m);
    }
    m.set(c.status, Number(c.n));
  }
  for (const g of groups) {
    const m = byGroup.get(`${g.edition_id}\u0000${g.group_key}`) ?? new Map<string, number>();
    const n = (s: string): number => m.get(s) ?? 0;
    const report: EditionGroupReport = {
      key: g.group_key,
      language: g.language,
      topics: parseList(g.topics),
      subject: g.subject,
      items: parseList(g.item_ids)?.length ?? 0,
      recipients: Number(g.recipients),
      sent: n('sent'),
      pending: n('pending') + n('sending') + n('retry'),
      failed: n('failed'),
      uncertain: n('uncertain'),
      skipped: g.digest === null,
    };
    let list = out.get(Number(g.edition_id));
    if (!list) {
      list = [];
      out.set(Number(g.edition_id), list);
    }
    list.push(report);
  }
  return out;
}

/** One line per group for a terminal: `ru:kazakhstan  12 readers  10 sent  2 pending  0 failed`. */
export function groupLines(groups: readonly EditionGroupReport[], skippedLabel = 'skipped: nothing new'): string[] {
  const width = Math.max(0, ...groups.map((g) => g.key.length));
  return groups.map((g) => {
    const readers = `${g.recipients} ${g.recipients === 1 ? 'reader' : 'readers'}`;
    if (g.skipped) return `${g.key.padEnd(width)}  ${readers}  ${skippedLabel}`;
    const parts = [`${g.sent} sent`, `${g.pending} pending`, `${g.failed} failed`];
    if (g.uncertain > 0) parts.push(`${g.uncertain} uncertain`);
    return `${g.key.padEnd(width)}  ${readers}  ${g.items} ${g.items === 1 ? 'item' : 'items'}  ${parts.join('  ')}`;
  });
}
