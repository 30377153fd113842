// The ledger's guarantees: editions per slot, no edition without news, frozen recipients, concurrent dispatchers,
// abort.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEdition,
  dispatch,
  editionStatus,
  recoverInterrupted,
  registerSender,
  resumeEdition,
  type DeliveryDeps,
} from '../../src/delivery/index.ts';
import { judgeSender, processRuns, SILENT_AFTER_MS } from '../../src/delivery/senders.ts';
import type { Logger } from '../../src/logger.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addSubscribers, deliveryConfig, deliveryDeps, NOW, receivedCounts } from './support.ts';

/** A logger that keeps the messages it is given. */
function recordingLogger(lines: string[] = []): Logger & { lines: string[] } {
  const log = (obj: object | string, msg?: string): void =>
    void lines.push(typeof obj === 'string' ? obj : (msg ?? ''));
  return { lines, debug: log, info: log, warn: log, error: log, child: () => recordingLogger(lines) };
}

describe.each(testDialects())('the delivery ledger on %s', { timeout: 60_000 }, (dialect) => {
  const db = useTestStore(dialect);
  const servers: TestSmtpServer[] = [];
  const mailers: DeliveryDeps['mailer'][] = [];
  afterEach(async () => {
    for (const m of mailers.splice(0)) await m.close();
    for (const s of servers.splice(0)) await s.close();
  });
  const track = (deps: DeliveryDeps): DeliveryDeps => {
    mailers.push(deps.mailer);
    return deps;
  };

  it('creates no edition and says so when nothing is new, unless forced', async () => {
    const { store, varDir } = db();
    await addSubscribers(store, 3);
    const logger = recordingLogger();
    const deps = track({ ...deliveryDeps({ store, varDir }), logger });
    const later = new Date('2022-01-10T03:00:00Z');
    expect(await createEdition(deps, { now: later })).toEqual({ status: 'no-items' });
    expect(await store.db.selectFrom('editions').selectAll().execute()).toEqual([]);
    expect(logger.lines).toContain('no new items since the last edition: no edition created');
    const forced = await createEdition(deps, { now: later, force: true });
    expect(forced).toMatchObject({ status: 'created', items: 0, recipients: 3 });
  });

  it('refuses a second edition for the same slot, also when two are created at once', async () => {
    const database = db();
    await addSubscribers(database.store, 4);
    const a = track(deliveryDeps({ store: database.store, varDir: database.varDir }));
    // PostgreSQL: two connections racing; SQLite: one process shares one connection (better-sqlite3
    // waits for a lock synchronously, so a second connection in the same process is not how it runs)
    const b = track(
      deliveryDeps({ store: dialect === 'postgres' ? await database.open() : database.store, varDir: database.varDir }),
    );
    const slot = '2021-10-04T09:00+06:00';
    const results = await Promise.all([createEdition(a, { now: NOW, slot }), createEdition(b, { now: NOW, slot })]);
    const created = results.filter((r) => r.status === 'created');
    expect(created).toHaveLength(1);
    const editionId = (created[0] as { editionId: number }).editionId;
    expect(results.filter((r) => r.status === 'slot-taken')).toEqual([{ status: 'slot-taken', editionId }]);
    expect(await createEdition(a, { now: NOW, slot })).toEqual({ status: 'slot-taken', editionId });
    const deliveries = await database.store.db.selectFrom('deliveries').select('edition_id').execute();
    expect(deliveries).toHaveLength(4);
  });

  it(`freezes the recipients when the edition is created, \
and starts the next window where the last ended`, async () => {
    const { store, varDir } = db();
    const smtp = await startSmtpServer();
    servers.push(smtp);
    await addSubscribers(store, 5);
    const deps = track(deliveryDeps({ store, varDir, smtpUrl: smtp.url }));
    const created = await createEdition(deps, { now: NOW });
    expect(created).toMatchObject({ status: 'created', recipients: 5 });
    await addSubscribers(store, 2, 'active', 'late');
    await store.db
      .updateTable('subscribers')
      .set({ state: 'unsubscribed' })
      .where('email', '=', 'reader1@example.org')
      .execute();
    await dispatch(deps, { workerId: 'w1' });
    expect([...receivedCounts(smtp.messages).keys()].sort()).toEqual([
      'reader1@example.org',
      'reader2@example.org',
      'reader3@example.org',
      'reader4@example.org',
      'reader5@example.org',
    ]);
    // the same items are not sent twice: an hour later nothing is new
    expect(await createEdition(deps, { now: new Date(NOW.getTime() + 3_600_000) })).toEqual({ status: 'no-items' });
  });

  it('lets two dispatchers drain one edition together, each message sent once', async () => {
    const database = db();
    const smtp = await startSmtpServer();
    servers.push(smtp);
    await addSubscribers(database.store, 300);
    const config = deliveryConfig({ batch_size: 10, concurrency: 3 });
    const a = track(deliveryDeps({ store: database.store, varDir: database.varDir, smtpUrl: smtp.url, config }));
    const b = track(deliveryDeps({ store: await database.open(), varDir: database.varDir, smtpUrl: smtp.url, config }));
    const created = await createEdition(a, { now: NOW });
    if (created.status !== 'created') throw new Error('no edition');
    const [ra, rb] = await Promise.all([dispatch(a, { workerId: 'a' }), dispatch(b, { workerId: 'b' })]);
    expect(ra.sent + rb.sent).toBe(300);
    expect([...ra.completed, ...rb.completed]).toEqual([created.editionId]);
    const counts = receivedCounts(smtp.messages);
    expect(counts.size).toBe(300);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const messageIds = smtp.messages.map((m) => m.parsed.messageId);
    expect(new Set(messageIds).size).toBe(300);
    const [report] = await editionStatus(a, created.editionId);
    expect(report).toMatchObject({ state: 'sent', counts: { sent: 300, pending: 0, sending: 0 } });
  });

  it('never has more rows whose fate a crash would leave unknown than messages in flight', async () => {
    const { store, varDir } = db();
    const smtp = await startSmtpServer();
    servers.push(smtp);
    await addSubscribers(store, 150);
    const deps = track(
      deliveryDeps({ store, varDir, smtpUrl: smtp.url, config: deliveryConfig({ batch_size: 20, concurrency: 3 }) }),
    );
    const created = await createEdition(deps, { now: NOW });
    if (created.status !== 'created') throw new Error('no edition');
    // rows handed to the transport but not yet recorded: what a crash at this moment would make uncertain
    let most = 0;
    let done = false;
    const watch = (async () => {
      while (!done) {
        const row = await store.db
          .selectFrom('deliveries')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('status', '=', 'sending')
          .where('message_id', 'is not', null)
          .executeTakeFirstOrThrow();
        most = Math.max(most, Number(row.n));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    const result = await dispatch(deps, { workerId: 'w1' });
    done = true;
    await watch;
    expect(result.sent).toBe(150);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
    expect(receivedCounts(smtp.messages).size).toBe(150);
  });

  it(`on abort finishes the messages in flight and hands the \
unstarted claims back, then resumes without a duplicate`, async () => {
    const { store, varDir } = db();
    const abort = new AbortController();
    let seen = 0;
    const smtp = await startSmtpServer({
      onData: () => {
        if (++seen === 5) abort.abort();
        return undefined;
      },
    });
    servers.push(smtp);
    await addSubscribers(store, 60);
    const deps = track(
      deliveryDeps({ store, varDir, smtpUrl: smtp.url, config: deliveryConfig({ batch_size: 50, concurrency: 2 }) }),
    );
    const created = await createEdition(deps, { now: NOW });
    if (created.status !== 'created') throw new Error('no edition');
    const stopped = await dispatch(deps, { workerId: 'w1', signal: abort.signal });
    expect(stopped.aborted).toBe(true);
    expect(stopped.sent).toBe(smtp.messages.length);
    expect(stopped.sent).toBeLessThan(60);
    const [mid] = await editionStatus(deps, created.editionId);
    expect(mid!.counts).toMatchObject({ sending: 0, sent: stopped.sent, pending: 60 - stopped.sent });
    // nothing was left in flight, so nothing is uncertain
    expect(await recoverInterrupted(deps, { now: new Date(NOW.getTime() + 86_400_000), staleAfterMs: 0 })).toEqual({
      released: 0,
      uncertain: 0,
      requeued: 0,
      dead: [],
    });
    await dispatch(deps, { workerId: 'w2' });
    const counts = receivedCounts(smtp.messages);
    expect(counts.size).toBe(60);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  /** A sender claimed five rows, handed three to the transport, and (maybe) died. */
  async function claimFive(deps: DeliveryDeps, holder: string): Promise<void> {
    const { store } = deps;
    await store.db
      .updateTable('deliveries')
      .set({ status: 'sending', claimed_by: holder, claimed_at: deps.now().getTime() })
      .where(
        'email',
        'in',
        [1, 2, 3, 4, 5].map((i) => `reader${i}@example.org`),
      )
      .execute();
    await store.db
      .updateTable('deliveries')
      .set({ message_id: 'in-flight' })
      .where(
        'email',
        'in',
        [1, 2, 3].map((i) => `reader${i}@example.org`),
      )
      .execute();
  }

  it('never takes the rows of a live sender, however old its claims', async () => {
    const { store, varDir } = db();
    await addSubscribers(store, 10);
    const deps = track(deliveryDeps({ store, varDir }));
    await createEdition(deps, { now: NOW });
    const live = await registerSender({ store, id: 'live-sender', kind: 'cli', now: deps.now, logger: deps.logger });
    try {
      await claimFive(deps, 'live-sender');
      const later = new Date(deps.now().getTime() + 5_000);
      expect(await recoverInterrupted(deps, { now: later })).toMatchObject({ released: 0, requeued: 0, dead: [] });
      const [report] = await editionStatus(deps, 1);
      expect(report!.counts.sending).toBe(5);
      expect(report!.inFlight).toEqual([expect.objectContaining({ holder: 'live-sender', rows: 5, alive: true })]);
    } finally {
      await live.stop();
    }
    // stopped without releasing them (as a crash would): now they are recovered at once
    const recovered = await recoverInterrupted(deps, { now: deps.now() });
    expect(recovered).toMatchObject({ released: 2, requeued: 3, uncertain: 0 });
  });

  it('judges a sender dead when it stops renewing, when its process is gone, or when it left no record', () => {
    const row = {
      id: 'h:1:cli',
      host: 'h',
      pid: 1,
      kind: 'cli',
      lock_key: 7,
      started_at: 0,
      seen_at: 100_000,
    };
    const facts = { now: 110_000, host: 'h', processRuns: () => true, heldLocks: new Set([7]) };
    expect(judgeSender(row.id, row, facts).alive).toBe(true);
    expect(judgeSender(row.id, row, { ...facts, now: 100_000 + SILENT_AFTER_MS + 1 })).toMatchObject({
      alive: false,
      reason: 'not seen for 20 s',
    });
    expect(judgeSender(row.id, row, { ...facts, processRuns: () => false })).toMatchObject({
      alive: false,
      reason: 'process 1 is gone',
    });
    // another host's process cannot be looked at: its heartbeat and lock decide
    expect(judgeSender(row.id, row, { ...facts, host: 'other', processRuns: () => false }).alive).toBe(true);
    expect(judgeSender(row.id, row, { ...facts, heldLocks: new Set() })).toMatchObject({
      alive: false,
      reason: 'its database session ended',
    });
    expect(judgeSender(row.id, undefined, facts).alive).toBe(false);
    expect(processRuns(process.pid)).toBe(true);
  });

  it('sends again at once what a dead sender had in flight, and reports those readers as uncertain', async () => {
    const { store, varDir } = db();
    const smtp = await startSmtpServer();
    servers.push(smtp);
    await addSubscribers(store, 10);
    const deps = track(deliveryDeps({ store, varDir, smtpUrl: smtp.url }));
    const created = await createEdition(deps, { now: NOW });
    if (created.status !== 'created') throw new Error('no edition');
    await claimFive(deps, 'dead');
    expect(await recoverInterrupted(deps, { now: deps.now() })).toMatchObject({
      released: 2,
      requeued: 3,
      uncertain: 0,
      dead: [expect.objectContaining({ id: 'dead', alive: false })],
    });
    await dispatch(deps, { workerId: 'w1' });
    const [report] = await editionStatus(deps, created.editionId);
    expect(report).toMatchObject({ state: 'sent', counts: { sent: 10, uncertain: 0, sending: 0 } });
    expect(report!.uncertain.map((u) => [u.email, u.resent, u.claimedBy])).toEqual([
      ['reader1@example.org', true, 'dead'],
      ['reader2@example.org', true, 'dead'],
      ['reader3@example.org', true, 'dead'],
    ]);
    expect(smtp.messages).toHaveLength(10);
  });

  it('with digest.resend_uncertain off, holds them as uncertain until an operator asks', async () => {
    const { store, varDir } = db();
    const smtp = await startSmtpServer();
    servers.push(smtp);
    await addSubscribers(store, 10);
    const config = deliveryConfig({ resend_uncertain: false });
    const deps = track(deliveryDeps({ store, varDir, smtpUrl: smtp.url, config }));
    const created = await createEdition(deps, { now: NOW });
    if (created.status !== 'created') throw new Error('no edition');
    await claimFive(deps, 'dead');
    expect(await recoverInterrupted(deps, { now: deps.now() })).toMatchObject({ released: 2, uncertain: 3 });
    await dispatch(deps, { workerId: 'w1' });
    const [report] = await editionStatus(deps, created.editionId);
    expect(report).toMatchObject({ state: 'sent', counts: { sent: 7, uncertain: 3 } });
    expect(report!.uncertain.every((u) => !u.resent)).toBe(true);
    expect(smtp.messages).toHaveLength(7);

    expect(await resumeEdition(deps, { resendUncertain: true })).toEqual({ editionId: created.editionId, requeued: 3 });
    await dispatch(deps, { workerId: 'w1' });
    expect(smtp.messages).toHaveLength(10);
    const [after] = await editionStatus(deps, created.editionId);
    expect(after).toMatchObject({ state: 'sent', counts: { sent: 10, uncertain: 0 } });
  });
});
