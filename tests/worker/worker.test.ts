// The worker's schedule with a controlled clock on the real databases: one edition per slot, missed slots caught up
// within the lateness and skipped beyond it, and two workers (each with its own connection) sharing one ledger.
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import type { Config } from '../../src/config/schema.ts';
import type { DeliveryDeps } from '../../src/delivery/index.ts';
import { createMailer, type Mailer } from '../../src/mail/index.ts';
import type { Logger } from '../../src/logger.ts';
import type { Store } from '../../src/store/index.ts';
import { createWorker, type Worker } from '../../src/worker/worker.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { captureLog } from '../helpers/log-capture.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addActiveSubscribers, itemFile, makeSite, repoConfig, templatesDir } from './support.ts';

const HOUR = 3_600_000;
/** Monday 30 November 2026, 09:00 in Asia/Almaty (the sample's timezone and default schedule). */
const SLOT = new Date('2026-11-30T04:00:00Z');
const SLOT_KEY = '2026-11-30T09:00+05:00';

interface Clock {
  at: Date;
  now: () => Date;
}

function clockAt(at: Date): Clock {
  const clock: Clock = { at, now: () => clock.at };
  return clock;
}

async function editionSlots(store: Store): Promise<(string | null)[]> {
  return (await store.db.selectFrom('editions').select('slot').orderBy('id').execute()).map((e) => e.slot);
}

describe.each(testDialects())('worker schedule on %s', (dialect) => {
  const db = useTestStore(dialect);
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setUp(options: { subscribers?: number; config?: Config } = {}) {
    const site = await makeSite({
      '2026/week-47.md': ['Border officers trained in Osh', '2026-11-24'],
      '2026/week-48.md': ['Heroin seized at the Kazakh border', '2026-11-27'],
    });
    cleanup.push(() => rm(site.root, { recursive: true, force: true }));
    const config = options.config ?? (await repoConfig());
    const emails = await addActiveSubscribers(
      db().store,
      options.subscribers ?? 5,
      new Date(SLOT.getTime() - 30 * 24 * HOUR),
    );
    return { ...site, config, emails };
  }

  function worker(
    site: { root: string; contentDir: string; config: Config },
    clock: Clock,
    options: { store?: Store; mailer?: Mailer; logger?: Logger; id?: string } = {},
  ): Worker {
    const mailer =
      options.mailer ?? createMailer({ smtpUrl: undefined, outboxDir: path.join(site.root, 'var/outbox') });
    const deps: DeliveryDeps = {
      store: options.store ?? db().store,
      mailer,
      config: site.config,
      logger: options.logger ?? silentLogger(),
      now: clock.now,
      contentDir: site.contentDir,
      templatesDir,
      root: site.root,
      secret: 'worker-test-secret-0123456789abcdef',
    };
    const w = createWorker({ deps, workerId: options.id ?? 'worker-a' });
    cleanup.push(async () => {
      await w.stop();
      await mailer.close();
    });
    return w;
  }

  it(`creates one edition at a slot, sends it, and creates \
nothing new when ticked again at the same slot`, async () => {
    const site = await setUp();
    const clock = clockAt(SLOT);
    const w = worker(site, clock);
    const first = await w.tick();
    expect(first).toMatchObject({
      leader: true,
      plan: { kind: 'due', key: SLOT_KEY, lateMs: 0 },
      edition: { status: 'created', recipients: 5, items: 2 },
    });
    const result = await w.dispatchNow();
    expect(result?.sent).toBe(5);
    const folders = await readdir(path.join(site.root, 'var/outbox'));
    expect(folders).toHaveLength(1);
    expect(await readdir(path.join(site.root, 'var/outbox', folders[0]!))).toHaveLength(5);

    clock.at = new Date(SLOT.getTime() + 10_000);
    const again = await w.tick();
    expect(again.edition).toBeUndefined();
    expect(await editionSlots(db().store)).toEqual([SLOT_KEY]);
  });

  it(`never makes a second edition for a slot, even from a \
worker that has not seen it (the slot is a unique key)`, async () => {
    const site = await setUp();
    const clock = clockAt(SLOT);
    expect((await worker(site, clock, { id: 'a' }).tick()).edition?.status).toBe('created');
    // Another worker, after the first one's lease lapsed: it tries the same slot and finds it taken.
    clock.at = new Date(SLOT.getTime() + 31_000);
    const report = await worker(site, clock, { id: 'b' }).tick();
    expect(report.leader).toBe(true);
    expect(report.edition).toMatchObject({ status: 'slot-taken' });
    expect(await editionSlots(db().store)).toEqual([SLOT_KEY]);
  });

  it('catches a missed slot up once when it starts within the maximum lateness', async () => {
    const site = await setUp();
    // The worker was down at 09:00 and comes back at 05:00 the next morning: 20 hours late, within 24.
    const clock = clockAt(new Date(SLOT.getTime() + 20 * HOUR));
    const log = captureLog();
    const w = worker(site, clock, { logger: log.logger });
    const report = await w.tick();
    expect(report).toMatchObject({
      plan: { kind: 'due', key: SLOT_KEY, lateMs: 20 * HOUR },
      edition: { status: 'created' },
    });
    expect(log.records().find((r) => r.msg === 'catching up a missed slot')).toMatchObject({
      slot: SLOT_KEY,
      lateMinutes: 1200,
    });
    clock.at = new Date(SLOT.getTime() + 21 * HOUR);
    expect((await w.tick()).edition).toBeUndefined();
    // A restart (a new worker, nothing remembered) within the lateness finds the slot taken.
    clock.at = new Date(SLOT.getTime() + 23 * HOUR);
    expect((await worker(site, clock, { id: 'restarted' }).tick()).edition).toMatchObject({ status: 'slot-taken' });
    expect(await editionSlots(db().store)).toEqual([SLOT_KEY]);
  });

  it('skips a missed slot older than the maximum lateness, with one log line', async () => {
    const site = await setUp();
    const clock = clockAt(new Date(SLOT.getTime() + 25 * HOUR));
    const log = captureLog();
    const w = worker(site, clock, { logger: log.logger });
    expect(await w.tick()).toMatchObject({ plan: { kind: 'too-late', key: SLOT_KEY }, skipped: SLOT_KEY });
    clock.at = new Date(SLOT.getTime() + 26 * HOUR);
    expect((await w.tick()).skipped).toBeUndefined();
    const skipped = log.records().filter((r) => typeof r.msg === 'string' && r.msg.startsWith('missed slot skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ level: 40, slot: SLOT_KEY, lateHours: 25, maxLatenessHours: 24 });
    expect(await editionSlots(db().store)).toEqual([]);
    // The next slot comes as usual.
    clock.at = new Date(SLOT.getTime() + 7 * 24 * HOUR);
    await writeFile(path.join(site.contentDir, '2026/week-49.md'), itemFile('Precursors intercepted', '2026-12-03'));
    expect((await w.tick()).edition?.status).toBe('created');
    expect(await editionSlots(db().store)).toEqual(['2026-12-07T09:00+05:00']);
  });

  it('logs nothing is new and creates no edition when no item is new at the slot', async () => {
    const site = await setUp();
    const clock = clockAt(new Date(SLOT.getTime() + 7 * 24 * HOUR + 60_000));
    // The items are more than the first window (7 days) before this slot.
    const report = await worker(site, clock).tick();
    expect(report.edition).toEqual({ status: 'no-items' });
    expect(await editionSlots(db().store)).toEqual([]);
  });
});

// Several workers share PostgreSQL. Two SQLite connections in one process would block each other
// (better-sqlite3 waits for a lock synchronously, stopping the event loop the holder needs).
describe.skipIf(!process.env.TEST_DATABASE_URL)('two workers on one PostgreSQL database', () => {
  const db = useTestStore('postgres');
  let smtp: TestSmtpServer | undefined;
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
    await smtp?.close();
    smtp = undefined;
  });

  it('create exactly one edition per slot and deliver each message once between them', {
    timeout: 120_000,
  }, async () => {
    smtp = await startSmtpServer();
    const site = await makeSite({
      '2026/week-48.md': ['Heroin seized at the Kazakh border', '2026-11-27'],
    });
    cleanup.push(() => rm(site.root, { recursive: true, force: true }));
    const config = await repoConfig();
    config.digest.batchSize = 20;
    const emails = await addActiveSubscribers(db().store, 300, new Date(SLOT.getTime() - 30 * 24 * HOUR));
    const clock = clockAt(SLOT);

    // Each worker with its own database connection and its own SMTP pool, as two processes would have.
    const workers: Worker[] = [];
    for (const id of ['worker-1', 'worker-2']) {
      const store = await db().open();
      const mailer = createMailer({
        smtpUrl: smtp.url,
        outboxDir: path.join(site.root, 'var/outbox'),
        pool: { maxConnections: 2 },
      });
      const w = createWorker({
        deps: {
          store,
          mailer,
          config,
          logger: silentLogger(),
          now: clock.now,
          contentDir: site.contentDir,
          templatesDir,
          root: site.root,
          secret: 'two-workers-secret-0123456789abcdef',
        },
        workerId: id,
      });
      workers.push(w);
      cleanup.push(async () => {
        await w.stop();
        await mailer.close();
      });
    }
    const [w1, w2] = workers as [Worker, Worker];

    const ticks = await Promise.all([w1.tick(), w2.tick()]);
    expect(ticks.filter((t) => t.leader)).toHaveLength(1);
    expect(ticks.filter((t) => t.edition?.status === 'created')).toHaveLength(1);
    const results = await Promise.all([w1.dispatchNow(), w2.dispatchNow()]);
    expect(results.reduce((n, r) => n + (r?.sent ?? 0), 0)).toBe(300);
    await smtp.waitFor(300);

    // A week later both wake at the next slot (the leader's lease lapsed meanwhile): again one edition.
    await writeFile(path.join(site.contentDir, '2026/week-49.md'), itemFile('Precursors intercepted', '2026-12-03'));
    clock.at = new Date(SLOT.getTime() + 7 * 24 * HOUR);
    const next = await Promise.all([w2.tick(), w1.tick()]);
    expect(next.filter((t) => t.edition?.status === 'created')).toHaveLength(1);
    await Promise.all([w1.dispatchNow(), w2.dispatchNow()]);
    await smtp.waitFor(600);

    expect(await editionSlots(db().store)).toEqual([SLOT_KEY, '2026-12-07T09:00+05:00']);
    const received = new Map<string, number>();
    for (const m of smtp.messages) for (const to of m.to) received.set(to, (received.get(to) ?? 0) + 1);
    expect(received.size).toBe(300);
    expect([...received.values()].every((n) => n === 2)).toBe(true);
    expect([...received.keys()].sort()).toEqual([...emails].sort());
    const subjects = new Set(smtp.messages.map((m) => m.parsed.subject));
    expect(subjects.size).toBe(2);

    // The leader dies (stops renewing without releasing): the other takes the schedule over once the lease lapses.
    const leader = next.findIndex((t) => t.leader) === 0 ? w2 : w1;
    const other = leader === w1 ? w2 : w1;
    clock.at = new Date(clock.at.getTime() + 10_000);
    expect((await other.tick()).leader).toBe(false);
    clock.at = new Date(clock.at.getTime() + 31_000);
    expect((await other.tick()).leader).toBe(true);
  });
});
