// The dashboard's side of exactly-once: a Send form submitted twice lands on one edition, a second edition
// takes a second tick, Cancel stops an edition for good, and an edition's page shows who holds its rows.
import { describe, expect, it } from 'vitest';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { addSubscribers } from '../delivery/support.ts';
import { recordMailEvent } from '../../src/bounces/index.ts';
import { sendConfirmPage } from '../../src/server/admin/views.ts';
import { dashboardApp, loggedIn, unsigned } from './support.ts';

describe.each(testDialects())('dashboard sends, once (%s)', (dialect) => {
  const db = useTestStore(dialect);

  it('lands a double-submitted Send on the same edition; a second edition needs the second tick', async () => {
    const { store } = db();
    await addSubscribers(store, 5);
    const h = await dashboardApp(store);
    try {
      const client = await loggedIn(h.app);
      const first = await client.post('/admin/send', { confirm: 'yes' });
      expect(unsigned(first)).toBe('/admin/editions?notice=sending&detail=5');
      const again = await client.post('/admin/send', { confirm: 'yes' });
      const [id] = (await store.db.selectFrom('editions').select('id').execute()).map((e) => e.id);
      expect(unsigned(again)).toBe(`/admin/editions/${id}?notice=already-open&detail=${id}`);
      expect(await store.db.selectFrom('editions').select('id').execute()).toHaveLength(1);
      expect(await (await client.get(again.headers.get('location')!)).text()).toContain(
        `Edition #${id} is still open, so no second edition was created`,
      );

      // the Send page says so (the open edition carries every item there is)
      const page = await (await client.get('/admin/send')).text();
      expect(page).toContain(`Edition <a href="/admin/editions/${id}">#${id}</a> is still sending.`);
      // a second edition on purpose carries only what the first does not: nothing here
      const second = await client.post('/admin/send', { confirm: 'yes', concurrent: 'yes' });
      expect(unsigned(second)).toBe('/admin/send?notice=no-items');
    } finally {
      await h.cleanup();
    }
  });

  it('cancels an edition after the tick, and shows who holds its rows in flight', async () => {
    const { store } = db();
    await addSubscribers(store, 4);
    const h = await dashboardApp(store);
    try {
      const client = await loggedIn(h.app);
      await client.post('/admin/send', { confirm: 'yes' });
      const [id] = (await store.db.selectFrom('editions').select('id').execute()).map((e) => e.id);
      await store.db
        .updateTable('deliveries')
        .set({ status: 'sending', claimed_by: 'gone-host:42:cli', claimed_at: Date.now(), message_id: '<m@x>' })
        .where('email', '=', 'reader1@example.org')
        .execute();
      const page = await (await client.get(`/admin/editions/${id}`)).text();
      expect(page).toMatch(/1 held by <code>gone-host:42:cli<\/code>:\s+<span class="error-text">dead \(no liveness/);
      expect(page).toContain(`action="/admin/editions/${id}/cancel"`);
      expect(page).toMatch(/Recover and resume/);

      // what came back shows on the edition and on the reader's own row
      await recordMailEvent(
        { store, config: h.deps.config, logger: h.deps.logger, now: h.deps.now, secret: 's' },
        { type: 'bounce', class: 'hard', email: 'reader2@example.org', editionId: id, status: '5.1.1', source: 'smtp' },
      );
      expect(await (await client.get(`/admin/editions/${id}`)).text()).toMatch(/What came back \(1\)/);
      const subscribers = await (await client.get('/admin/subscribers')).text();
      expect(subscribers).toMatch(/<small class="event">hard bounce [^<]* · 5\.1\.1/);

      // without the tick nothing happens
      const unticked = await client.post(`/admin/editions/${id}/cancel`);
      expect(unsigned(unticked)).toBe(`/admin/editions/${id}?notice=cancel-unconfirmed`);
      expect((await store.db.selectFrom('editions').select('state').executeTakeFirstOrThrow()).state).toBe('sending');
      const cancelled = await client.post(`/admin/editions/${id}/cancel`, { confirm: 'yes' });
      expect(unsigned(cancelled)).toBe(`/admin/editions/${id}?notice=cancelled&detail=3`);
      const rows = await store.db.selectFrom('deliveries').select('status').orderBy('subscriber_id').execute();
      // the row in flight finishes where it is; the three not started are cancelled
      expect(rows.map((r) => r.status)).toEqual(['sending', 'cancelled', 'cancelled', 'cancelled']);
      expect((await store.db.selectFrom('editions').select('state').executeTakeFirstOrThrow()).state).toBe('cancelled');
    } finally {
      await h.cleanup();
    }
  });
});

describe('the Send page beside an open edition', () => {
  it('asks for a second, separate tick before a second edition', () => {
    const page = sendConfirmPage(
      { siteTitle: 'CARICC News', language: 'en', timezone: 'Asia/Almaty', csrf: 'c' },
      {
        empty: false,
        subject: 'CARICC News',
        items: 1,
        recipients: 5,
        html: '',
        text: '',
        windowStart: new Date(0),
        windowEnd: new Date(0),
        open: { id: 7, state: 'paused' },
      },
    );
    expect(page).toMatch(/Edition <a href="\/admin\/editions\/7">#7<\/a> is still\s+paused\. Sending now takes you/);
    expect(page).toMatch(/<input type="checkbox" name="concurrent" value="yes"> Yes, send a second edition/);
  });
});
