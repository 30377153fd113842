// A sender's batch of ledger marks that PostgreSQL picks as a deadlock's victim is written again, not lost: before,
// one deadlock with an operator's cancel stopped the sender and left its last messages 'sending' for good.
import { describe, expect, it } from 'vitest';
import { sql } from '../../src/adapters/database.ts';
import { recordOutcomes } from '../../src/delivery/ledger.ts';
import { useTestStore } from '../helpers/db.ts';
import { addSubscribers, NOW } from './support.ts';

const WORKER = 'host:1:test';

describe.runIf(process.env.TEST_DATABASE_URL)('ledger marks in a deadlock, on postgres', () => {
  const testStore = useTestStore('postgres');

  it('are written once the other transaction commits, and the sender goes on', async () => {
    const { store, open } = testStore();
    const ids = await addSubscribers(store, 3);
    const at = NOW.getTime();
    const edition = await store.db
      .insertInto('editions')
      .values({ subject: 'Week', state: 'sending', window_start: at, window_end: at, created_at: at, digest: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await store.db
      .insertInto('deliveries')
      .values(
        ids.map((id, i) => ({
          edition_id: edition.id,
          subscriber_id: id,
          email: `reader${i + 1}@example.org`,
          status: 'sending' as const,
          claimed_by: WORKER,
          claimed_at: at,
        })),
      )
      .execute();
    // another process (an operator's cancel, say) that takes the same rows in the other order
    const other = await open();
    const [first, second] = [ids[0]!, ids[1]!];
    let marks: Promise<{ inFlight: Set<number> }> | undefined;
    await other.db.transaction().execute(async (trx) => {
      // this side waits long before it looks for a deadlock: the marks' side is the one PostgreSQL rolls back
      await sql`set local deadlock_timeout = '30s'`.execute(trx);
      const touch = (id: number) =>
        trx
          .updateTable('deliveries')
          .set({ last_error: 'touched' })
          .where('edition_id', '=', edition.id)
          .where('subscriber_id', '=', id)
          .execute();
      await touch(second);
      marks = recordOutcomes(
        store,
        edition.id,
        WORKER,
        {
          inFlight: [
            { subscriberId: first, messageId: '<first@example.org>' },
            { subscriberId: second, messageId: '<second@example.org>' },
          ],
          sent: [],
        },
        at,
      );
      marks.catch(() => undefined);
      // the marks hold the first row and wait for the second
      for (let waited = 0; ; waited += 20) {
        const waiting = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where wait_event_type = 'Lock' and query like '%with i as%'`.execute(other.db);
        if (waiting.rows[0]!.n > 0) break;
        if (waited > 10_000) throw new Error('the marks never waited for the row this transaction holds');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await touch(first);
    });
    const written = await marks!;
    expect([...written.inFlight].sort((a, b) => a - b)).toEqual([first, second]);
    const rows = await store.db
      .selectFrom('deliveries')
      .select(['subscriber_id', 'message_id', 'last_error'])
      .where('subscriber_id', 'in', [first, second])
      .orderBy('subscriber_id')
      .execute();
    expect(rows).toEqual([
      { subscriber_id: first, message_id: '<first@example.org>', last_error: 'touched' },
      { subscriber_id: second, message_id: '<second@example.org>', last_error: 'touched' },
    ]);
  });
});
