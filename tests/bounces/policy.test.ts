// The policy across editions and the suppression list: soft bounces count only editions in a row; a suppressed
// address is refused by an import, by `subscribers add` and by the next edition, and only a confirmed double
// opt-in brings it back.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { recordMailEvent, type BounceDeps } from '../../src/bounces/index.ts';
import { createEdition } from '../../src/delivery/index.ts';
import type { Store } from '../../src/store/index.ts';
import { createSubscriptionService, importSubscribers } from '../../src/subscribers/index.ts';
import { addSubscriber } from '../../src/subscribers/operator.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { addSubscribers, deliveryConfig, deliveryDeps, NOW } from '../delivery/support.ts';

/** Editions 1..n already sent to the subscribers given, as rows of the ledger. */
async function sentEditions(store: Store, n: number, subscriberIds: readonly number[]): Promise<void> {
  for (let id = 1; id <= n; id++) {
    await store.db
      .insertInto('editions')
      .values({
        id,
        slot: null,
        subject: `Edition ${id}`,
        state: 'sent',
        item_ids: '[]',
        window_start: 0,
        window_end: 0,
        digest: null,
        content_hash: null,
        paused_reason: null,
        created_at: id,
        started_at: id,
        completed_at: id,
        open_lock: null,
      } as never)
      .execute();
    for (const s of subscriberIds)
      await store.db
        .insertInto('deliveries')
        .values({ edition_id: id, subscriber_id: s, email: `reader${s}@example.org`, status: 'sent' })
        .execute();
  }
}

describe.each(testDialects())('the bounce policy on %s', { timeout: 60_000 }, (dialect) => {
  const db = useTestStore(dialect);
  const deps = (store: Store, softLimit = 3): BounceDeps => {
    const config = deliveryConfig();
    return {
      store,
      config: { ...config, bounces: { ...config.bounces, softBounceEditions: softLimit } },
      logger: silentLogger(),
      now: () => NOW,
      secret: 'policy-test-secret',
    };
  };
  const state = async (store: Store, id: number) =>
    (await store.db.selectFrom('subscribers').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;

  it('makes a reader bounced after soft bounces in 3 editions in a row, not 3 in all', async () => {
    const { store } = db();
    const [reader] = await addSubscribers(store, 1);
    await sentEditions(store, 6, [reader!]);
    const soft = (editionId: number) =>
      recordMailEvent(deps(store), {
        type: 'bounce',
        class: 'soft',
        subscriberId: reader!,
        editionId,
        status: '4.2.2',
        source: 'smtp',
      });
    // editions 1 and 2 bounced, 3 did not: the run is broken
    expect((await soft(1)).action).toBe('counted');
    expect((await soft(2)).action).toBe('counted');
    expect((await soft(4)).action).toBe('counted');
    expect((await soft(5)).action).toBe('counted');
    expect(await state(store, reader!)).toBe('active');
    // 4, 5, 6: three in a row
    expect((await soft(6)).action).toBe('bounced');
    expect(await state(store, reader!)).toBe('bounced');
    expect(await store.db.selectFrom('suppressions').select('reason').execute()).toEqual([{ reason: 'soft bounces' }]);
  });

  it('follows bounces.soft_bounce_editions', async () => {
    const { store } = db();
    const [reader] = await addSubscribers(store, 1);
    await sentEditions(store, 2, [reader!]);
    const soft = (editionId: number) =>
      recordMailEvent(deps(store, 2), { type: 'bounce', class: 'soft', subscriberId: reader!, editionId, source: 'x' });
    expect((await soft(1)).action).toBe('counted');
    expect((await soft(2)).action).toBe('bounced');
  });

  it(`keeps a suppressed address out of imports, \`subscribers add\` and the next edition, \
until a double opt-in`, async () => {
    const { store, varDir } = db();
    const [first, second] = await addSubscribers(store, 2);
    await recordMailEvent(deps(store), { type: 'complaint', subscriberId: first!, source: 'smtp' });
    expect(await state(store, first!)).toBe('unsubscribed');

    // an import that would make it active again is refused for that row, at its line
    const csv = 'email,state\nreader1@example.org,active\nnew@example.org,active\n';
    const report = await importSubscribers(store, Readable.from([csv]), { now: NOW });
    expect(report).toMatchObject({ rows: 2, accepted: 1, added: 1, rejected: 1 });
    expect(report.rejectedRows).toEqual([
      {
        line: 2,
        reason: expect.stringMatching(/^reader1@example\.org is suppressed \(complaint\): only a new double/),
      },
    ]);
    await expect(addSubscriber(store.db, 'READER1@example.org', {}, NOW)).rejects.toThrow(/suppressed \(complaint\)/);

    // even set active by hand, the next edition leaves it out
    await store.db.updateTable('subscribers').set({ state: 'active' }).where('id', '=', first!).execute();
    const delivery = deliveryDeps({ store, varDir });
    try {
      const edition = await createEdition(delivery, { now: NOW });
      expect(edition).toMatchObject({ status: 'created', recipients: 2 }); // reader2 and new@
      const to = await store.db.selectFrom('deliveries').select('email').orderBy('email').execute();
      expect(to.map((r) => r.email)).toEqual(['new@example.org', `reader${second}@example.org`]);
    } finally {
      await delivery.mailer.close();
    }

    // the subscribe form: a confirmation mail, and the confirmed reader is back and no longer suppressed
    await store.db.updateTable('subscribers').set({ state: 'unsubscribed' }).where('id', '=', first!).execute();
    const sent: string[] = [];
    const subscriptions = createSubscriptionService({
      store,
      mailer: {
        send: async (m) => {
          sent.push(m.text);
          return undefined as never;
        },
      },
      site: { title: 'CARICC News', url: 'https://caricc.org/' },
      from: { name: 'CARICC', address: 'news@caricc.org' },
      secret: 'policy-test-secret',
      now: () => NOW,
    });
    await subscriptions.subscribe('reader1@example.org', {});
    expect(await state(store, first!)).toBe('pending');
    const token = /confirm\?token=([\w-]+)/.exec(sent[0]!)![1]!;
    await subscriptions.confirm(token);
    expect(await state(store, first!)).toBe('active');
    expect(await store.db.selectFrom('suppressions').selectAll().execute()).toEqual([]);
  });
});
