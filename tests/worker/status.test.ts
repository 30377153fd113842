// `gazette status` on a real database and a real build: items, last build, subscribers, last and next edition,
// deliveries.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBuild } from '../../src/build/index.ts';
import { formatStatus, gatherStatus } from '../../src/cli/commands/status.ts';
import { resolveEnvironment } from '../../src/config/load.ts';
import { writeBuildState } from '../../src/worker/build-state.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { addActiveSubscribers, itemFile, makeSite, repoConfig, templatesDir } from './support.ts';

const now = new Date('2026-11-30T06:00:00Z');

describe.each(testDialects())('status on %s', (dialect) => {
  const db = useTestStore(dialect);
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    root = undefined;
  });

  it('reports items published and scheduled, the served build, subscribers, editions and deliveries', async () => {
    const site = await makeSite({
      '2026/a.md': ['Published A', '2026-11-20'],
      '2026/b.md': ['Published B', '2026-11-27'],
      '2026/c.md': ['Scheduled C', '2026-12-02T09:00:00+05:00'],
    });
    root = site.root;
    const env = resolveEnvironment({}, { root });
    const config = await repoConfig();
    const { store } = db();
    const build = await runBuild({
      config,
      contentDir: env.contentDir,
      outDir: env.publicDir,
      templatesDir,
      buildsDir: path.join(env.varDir, 'builds'),
      now,
    });
    await addActiveSubscribers(store, 3, now);
    await store.db
      .insertInto('subscribers')
      .values({
        email: 'gone@example.org',
        email_key: 'gone@example.org',
        state: 'unsubscribed',
        name: null,
        created_at: 0,
        updated_at: 0,
        confirmed_at: null,
        unsubscribed_at: 0,
        notified_at: null,
      })
      .execute();
    const edition = await store.db
      .insertInto('editions')
      .values({
        slot: '2026-11-30T09:00+05:00',
        subject: 'Week 48',
        state: 'sending',
        window_start: 0,
        window_end: now.getTime(),
        digest: null,
        content_hash: null,
        recipients: 3,
        paused_reason: null,
        created_at: now.getTime(),
        started_at: now.getTime(),
        completed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const subscribers = await store.db
      .selectFrom('subscribers')
      .select(['id', 'email'])
      .where('state', '=', 'active')
      .orderBy('id')
      .execute();
    const statuses = ['sent', 'sent', 'failed'] as const;
    await store.db
      .insertInto('deliveries')
      .values(
        subscribers.map((s, i) => ({
          edition_id: edition.id,
          subscriber_id: s.id,
          email: s.email,
          status: statuses[i]!,
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

    const report = await gatherStatus(env, config, store, now);
    expect(report.items).toEqual({ published: 2, scheduled: 1, nextPublishAt: '2026-12-02T04:00:00.000Z' });
    expect(report.build.served?.id).toBe(path.basename(build.buildDir));
    expect(report.subscribers).toEqual({ pending: 0, active: 3, unsubscribed: 1, bounced: 0 });
    expect(report.lastEdition).toMatchObject({
      id: edition.id,
      slot: '2026-11-30T09:00+05:00',
      state: 'sending',
      recipients: 3,
    });
    expect(report.lastEdition?.deliveries).toMatchObject({ sent: 2, failed: 1, pending: 0 });
    expect(report.nextEdition).toEqual({ slot: '2026-12-07T09:00+05:00', at: '2026-12-07T04:00:00.000Z' });
    expect(report.deliveries).toMatchObject({ sent: 2, failed: 1 });

    const text = formatStatus(report);
    expect(text).toContain('items:         2 published, 1 scheduled (next at 2026-12-02 09:00)');
    expect(text).toContain(`last build:    ${path.basename(build.buildDir)} at `);
    expect(text).toContain('subscribers:   3 active, 1 unsubscribed');
    expect(text).toContain(
      `last edition:  #${edition.id} "Week 48" (slot 2026-11-30T09:00+05:00): sending, 3 recipients`,
    );
    expect(text).toContain('next edition:  2026-12-07T09:00+05:00');
    expect(text).toContain('deliveries:    last edition: 2 sent, 1 failed; all editions: 2 sent, 1 failed');
  });

  it('says when the last build failed, and still reports on an empty database', async () => {
    const site = await makeSite({ '2026/a.md': ['Published A', '2026-11-20'] });
    root = site.root;
    await writeFile(path.join(site.contentDir, '2026/bad.md'), itemFile('Bad', '2026-11-21', 'colour: red\n'));
    const env = resolveEnvironment({}, { root });
    await writeBuildState(env.varDir, {
      at: now.toISOString(),
      ok: false,
      errors: ['2026/bad.md:5 (field "colour"): unknown field "colour"'],
    });
    const report = await gatherStatus(env, await repoConfig(), db().store, now);
    expect(report.items).toMatchObject({ error: expect.stringContaining('1 content error') });
    expect(report.lastEdition).toBeNull();
    const text = formatStatus(report);
    expect(text).toContain(
      'last build:    none yet; the last attempt at 2026-11-30 11:00 failed: ' +
        '2026/bad.md:5 (field "colour"): unknown field "colour"',
    );
    expect(text).toContain('last edition:  none yet');
    expect(text).toContain('subscribers:   0 active');
  });
});
