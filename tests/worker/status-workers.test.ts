// `gazette status` on who is running: senders from their heartbeats (alive or dead, last seen), the schedule lease's
// holder, the open edition's progress and the outbox, on a real database; times in the site's zone, JSON in UTC.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { formatStatus, gatherStatus } from '../../src/cli/commands/status.ts';
import { resolveEnvironment } from '../../src/config/load.ts';
import { registerSender, type Sender } from '../../src/delivery/index.ts';
import { acquireLease } from '../../src/store/index.ts';
import { SCHEDULER_LEASE } from '../../src/worker/worker.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { addActiveSubscribers, makeSite, repoConfig } from './support.ts';

const now = new Date('2026-11-30T06:00:00Z');

describe.each(testDialects())('status of workers, lease and outbox on %s', (dialect) => {
  const db = useTestStore(dialect);
  let root: string | undefined;
  let sender: Sender | undefined;
  afterEach(async () => {
    await sender?.stop();
    sender = undefined;
    if (root) await rm(root, { recursive: true, force: true });
    root = undefined;
  });

  it('names the live worker, the lease holder, a dead sender, the progress and the .eml files waiting', async () => {
    const site = await makeSite({ '2026/a.md': ['Published A', '2026-11-20'] });
    root = site.root;
    const env = resolveEnvironment({}, { root });
    const config = await repoConfig();
    const { store } = db();
    const id = 'news-1:4242:a1b2c3';
    sender = await registerSender({ store, id, kind: 'worker', now: () => now, logger: silentLogger() });
    expect(await acquireLease(store, { name: SCHEDULER_LEASE, holder: id, ttlMs: 30_000, now })).toBe(true);
    // a `digest send` on another machine that stopped beating a minute ago
    await store.db
      .insertInto('senders')
      .values({
        id: 'ops-2:77:ffffff',
        host: 'ops-2',
        pid: 77,
        kind: 'cli',
        lock_key: null,
        started_at: now.getTime() - 120_000,
        seen_at: now.getTime() - 60_000,
      })
      .execute();
    await addActiveSubscribers(store, 4, now);
    const edition = await store.db
      .insertInto('editions')
      .values({
        slot: null,
        subject: 'Week 48',
        state: 'sending',
        window_start: 0,
        window_end: now.getTime(),
        digest: null,
        content_hash: null,
        recipients: 4,
        paused_reason: null,
        created_at: now.getTime(),
        started_at: now.getTime(),
        completed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const readers = await store.db.selectFrom('subscribers').select(['id', 'email']).orderBy('id').execute();
    await store.db
      .insertInto('deliveries')
      .values(
        readers.map((r, i) => ({
          edition_id: edition.id,
          subscriber_id: r.id,
          email: r.email,
          status: i === 0 ? ('sent' as const) : ('pending' as const),
          next_attempt_at: null,
          last_error: null,
          response_code: null,
          claimed_by: null,
          claimed_at: null,
          sent_at: null,
          message_id: null,
        })),
      )
      .execute();
    for (const file of ['edition-1/a.eml', 'edition-1/b.eml', 'test/c.eml', 'test/notes.txt']) {
      await mkdir(path.dirname(path.join(env.varDir, 'outbox', file)), { recursive: true });
      await writeFile(path.join(env.varDir, 'outbox', file), 'x');
    }

    const report = await gatherStatus(env, config, store, now);
    expect(report.senders).toEqual([
      expect.objectContaining({ id: 'ops-2:77:ffffff', kind: 'cli', alive: false, scheduler: false }),
      {
        id,
        kind: 'worker',
        alive: true,
        reason: 'seen 0 s ago',
        startedAt: '2026-11-30T06:00:00.000Z',
        seenAt: '2026-11-30T06:00:00.000Z',
        scheduler: true,
      },
    ]);
    expect(report.lease).toEqual({ holder: id, expiresAt: '2026-11-30T06:00:30.000Z', lapsed: false });
    expect(report.outbox).toEqual({ dir: path.join('var', 'outbox'), messages: 3 });
    expect(report.lastEdition?.progress).toEqual({ sent: 1, recipients: 4, ratio: 0.25 });

    const text = formatStatus(report);
    expect(text).toContain(
      `workers:       ${id}: alive, last seen 2026-11-30 11:00:00 Asia/Almaty; runs the schedule\n`,
    );
    expect(text).toContain(
      'sending:       ops-2:77:ffffff (cli): dead (not seen for 60 s), last seen 2026-11-30 10:59:00 Asia/Almaty\n',
    );
    expect(text).toContain(`schedule:      run by ${id} (lease until 2026-11-30 11:00:30 Asia/Almaty)\n`);
    expect(text).toContain('progress:      1 of 4 sent (25%)\n');
    expect(text).toContain('outbox:        3 messages in var/outbox/ (no SMTP_URL: written as .eml files, not sent)\n');

    // a minute later the worker has stopped beating: dead, and its lease lapsed
    const later = await gatherStatus(env, config, store, new Date(now.getTime() + 60_000));
    expect(later.senders.find((s) => s.id === id)).toMatchObject({ alive: false, reason: 'not seen for 60 s' });
    expect(later.lease).toMatchObject({ lapsed: true });
    expect(formatStatus(later)).toContain(
      `schedule:      lease of ${id} lapsed at 2026-11-30 11:00:30 Asia/Almaty; any worker takes it over\n`,
    );
  });

  it('says when no worker runs, nobody holds the schedule, and mail goes over SMTP', async () => {
    const site = await makeSite({ '2026/a.md': ['Published A', '2026-11-20'] });
    root = site.root;
    const env = resolveEnvironment({ SMTP_URL: 'smtp://127.0.0.1:2525' }, { root });
    const report = await gatherStatus(env, await repoConfig(), db().store, now);
    expect(report).toMatchObject({ senders: [], lease: null, outbox: null });
    const text = formatStatus(report);
    expect(text).toContain('workers:       none running\n');
    expect(text).toContain("schedule:      no worker holds the schedule's lease\n");
    expect(text).toContain('outbox:        not used (SMTP_URL is set)\n');
  });
});
