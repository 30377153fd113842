// Senders' liveness on PostgreSQL, where workers on several machines share one ledger: a sender whose database
// session ends is dead at once, wherever it ran; one whose session lives keeps its rows.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { sql } from '../../src/adapters/database.ts';
import { judgeSenders, registerSender, SENDER_LOCK_CLASS } from '../../src/delivery/senders.ts';
import { useTestStore } from '../helpers/db.ts';

// Only PostgreSQL has sessions that other hosts can see end; SQLite's senders share one machine and are covered by
// the process check (tests/delivery/ledger.test.ts, tests/e2e/digest-chaos.test.ts).
describe.runIf(process.env.TEST_DATABASE_URL)('senders on postgres', () => {
  const db = useTestStore('postgres');

  it('is dead as soon as its session ends, even on another host, and alive while it lasts', async () => {
    const { store } = db();
    const sender = await registerSender({
      store,
      id: 'elsewhere:4242:worker',
      kind: 'worker',
      now: () => new Date(),
      logger: silentLogger(),
    });
    try {
      // as if it ran on another machine: its process cannot be looked at from here
      await store.db.updateTable('senders').set({ host: 'elsewhere' }).where('id', '=', sender.id).execute();
      const alive = await judgeSenders(store, [sender.id], new Date());
      expect(alive.get(sender.id)).toMatchObject({ alive: true });

      // the machine dies: its connection, and with it the lock, goes; its row and heartbeat stay fresh
      const row = await store.db
        .selectFrom('senders')
        .select('lock_key')
        .where('id', '=', sender.id)
        .executeTakeFirstOrThrow();
      await sql`select pg_terminate_backend(pid) from pg_locks
        where locktype = 'advisory' and classid = ${SENDER_LOCK_CLASS}
          and objid = ${row.lock_key} and objsubid = 2`.execute(store.db);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const dead = await judgeSenders(store, [sender.id], new Date());
      expect(dead.get(sender.id)).toMatchObject({ alive: false, reason: 'its database session ended' });
    } finally {
      await sender.stop();
    }
  });
});
