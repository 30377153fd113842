// Which items an edition carries and when one may be created: every item mailed once, whatever its dates
// say, and never two open editions unless an operator asks for the second.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cancelEdition, createEdition, dispatch, type DeliveryDeps } from '../../src/delivery/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { itemFile } from '../worker/support.ts';
import { addSubscribers, deliveryDeps } from './support.ts';

const DAY = 86_400_000;
const EDITION_1 = new Date('2026-11-02T04:00:00Z');

describe.each(testDialects())('editions on %s', { timeout: 60_000 }, (dialect) => {
  const db = useTestStore(dialect);
  let content: string;
  const mailers: DeliveryDeps['mailer'][] = [];
  beforeEach(async () => {
    content = await mkdtemp(path.join(os.tmpdir(), 'gazette-editions-'));
    await mkdir(path.join(content, 'news'));
  });
  afterEach(async () => {
    for (const m of mailers.splice(0)) await m.close();
    await rm(content, { recursive: true, force: true });
  });
  const deps = (): DeliveryDeps => {
    const { store, varDir } = db();
    const d = { ...deliveryDeps({ store, varDir }), contentDir: content };
    mailers.push(d.mailer);
    return d;
  };
  const item = (name: string, title: string, date: Date, extra = '') =>
    writeFile(path.join(content, 'news', `${name}.md`), itemFile(title, date, extra));
  const carried = async (d: DeliveryDeps, editionId: number): Promise<string[]> =>
    (
      await d.store.db
        .selectFrom('edition_items')
        .select('item_id')
        .where('edition_id', '=', editionId)
        .orderBy('item_id')
        .execute()
    ).map((r) => r.item_id);
  const sendAll = async (d: DeliveryDeps, now: Date): Promise<number> => {
    const created = await createEdition(d, { now });
    if (created.status !== 'created') throw new Error(`no edition: ${created.status}`);
    await dispatch(d, { workerId: 'w' });
    return created.editionId;
  };

  it('mails an item committed late, dated inside the last window, in the next edition and never again', async () => {
    const d = deps();
    await addSubscribers(d.store, 3);
    await item('first', 'Seizure in Osh', new Date(EDITION_1.getTime() - 2 * DAY));
    expect(await carried(d, await sendAll(d, EDITION_1))).toEqual(['news/first']);

    // committed after edition 1, dated inside its window
    await item('late', 'Training in Almaty', new Date(EDITION_1.getTime() - 3 * DAY));
    const second = await sendAll(d, new Date(EDITION_1.getTime() + 7 * DAY));
    expect(await carried(d, second)).toEqual(['news/late']);

    // a new `updated` or a moved date does not bring an item back
    await item(
      'late',
      'Training in Almaty',
      new Date(EDITION_1.getTime() + 8 * DAY),
      `updated: ${new Date().toISOString()}\n`,
    );
    await item('first', 'Seizure in Osh', new Date(EDITION_1.getTime() + 8.5 * DAY));
    const third = await createEdition(d, { now: new Date(EDITION_1.getTime() + 14 * DAY) });
    expect(third.status).toBe('no-items');
  });

  it('leaves out unmailed items older than digest.max_item_age_days and those before the first edition', async () => {
    const d = deps();
    await addSubscribers(d.store, 2);
    await item('before-first', 'Before gazette', new Date(EDITION_1.getTime() - 10 * DAY));
    await item('first', 'Seizure in Osh', new Date(EDITION_1.getTime() - DAY));
    expect(await carried(d, await sendAll(d, EDITION_1))).toEqual(['news/first']);
    // unmailed, dated 20 days before the second edition: past the 14-day default
    await item('stale', 'An old report', new Date(EDITION_1.getTime() - 4 * DAY));
    await item('fresh', 'A new report', new Date(EDITION_1.getTime() + 16 * DAY));
    const second = await sendAll(d, new Date(EDITION_1.getTime() + 17 * DAY));
    expect(await carried(d, second)).toEqual(['news/fresh']);
  });

  it('refuses a second open edition, even when two processes race for it, unless it is asked for', async () => {
    const d = deps();
    await addSubscribers(d.store, 5);
    await item('first', 'Seizure in Osh', new Date(EDITION_1.getTime() - DAY));
    // the database itself refuses a second open edition, whoever writes it
    const first = await createEdition(d, { now: EDITION_1 });
    expect(first.status).toBe('created');
    await expect(
      d.store.db
        .insertInto('editions')
        .values({
          slot: null,
          subject: 'a racing second',
          item_ids: '[]',
          window_start: 0,
          window_end: 0,
          digest: null,
          content_hash: null,
          paused_reason: null,
          created_at: 0,
          started_at: null,
          completed_at: null,
          open_lock: 'open',
        })
        .execute(),
    ).rejects.toThrow(/unique|duplicate/i);
    expect(await createEdition(d, { now: EDITION_1 })).toEqual({
      status: 'open-exists',
      editionId: first.status === 'created' ? first.editionId : 0,
      state: 'sending',
    });
    if (dialect === 'postgres') {
      // two connections racing, as two processes would (SQLite's one-writer lock makes that a cross-process
      // test: tests/e2e/digest-exactly-once.test.ts)
      await cancelEdition(d, {});
      const other = { ...d, store: await db().open() };
      const results = await Promise.all([
        createEdition(d, { now: EDITION_1 }),
        createEdition(other, { now: EDITION_1 }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['created', 'open-exists']);
    }

    // on purpose: a second edition while the first is open, with only what the first does not carry
    await item('second', 'Training in Almaty', new Date(EDITION_1.getTime() + DAY));
    const again = await createEdition(d, { now: new Date(EDITION_1.getTime() + 2 * DAY), concurrent: true });
    expect(again.status).toBe('created');
    expect(await carried(d, again.status === 'created' ? again.editionId : 0)).toEqual(['news/second']);
  });

  it('puts the items of a cancelled edition into the next one', async () => {
    const d = deps();
    await addSubscribers(d.store, 5);
    await item('first', 'Seizure in Osh', new Date(EDITION_1.getTime() - DAY));
    const created = await createEdition(d, { now: EDITION_1 });
    if (created.status !== 'created') throw new Error('no edition');
    expect(await cancelEdition(d, {})).toEqual({ editionId: created.editionId, cancelled: 5 });
    const next = await createEdition(d, { now: new Date(EDITION_1.getTime() + 7 * DAY) });
    expect(next.status).toBe('created');
    expect(await carried(d, next.status === 'created' ? next.editionId : 0)).toEqual(['news/first']);
  });
});
