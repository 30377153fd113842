// The operators' API: bearer token or nothing, subscriber counts and editions from the real store.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listEditionStatuses } from '../../src/cli/operators.ts';
import { createMailer } from '../../src/mail/index.ts';
import { createSubscriptionService } from '../../src/subscribers/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { appFor, fixturePublic } from './support.ts';

const TOKEN = 'admin-token-with-enough-entropy-42';

describe.each(testDialects())('admin API on %s', (dialect) => {
  const db = useTestStore(dialect);

  function setup(options: { adminToken?: string } = { adminToken: TOKEN }) {
    const { store, varDir } = db();
    const subscriptions = createSubscriptionService({
      store,
      mailer: createMailer({ smtpUrl: undefined, outboxDir: path.join(varDir, 'outbox') }),
      site: { title: 'CARICC News', url: 'https://caricc.org/' },
      from: { name: 'CARICC News', address: 'news@caricc.org' },
      secret: 'admin-test-secret-0123456789',
      now: () => new Date('2026-11-30T04:00:00Z'),
    });
    const app = appFor(fixturePublic, {
      subscriptions,
      admin: { subscriberCounts: () => subscriptions.counts(), listEditions: () => listEditionStatuses(store) },
      adminToken: options.adminToken,
    });
    return { store, subscriptions, app };
  }

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it('does not exist when ADMIN_TOKEN is unset', async () => {
    const { app } = setup({});
    for (const url of ['/admin/api/subscribers/counts', '/admin/api/editions']) {
      expect((await app.request(url)).status).toBe(404);
      expect((await app.request(url, bearer(''))).status).toBe(404);
      expect((await app.request(url, bearer('undefined'))).status).toBe(404);
    }
    expect((await app.request('/admin/api/digest/trigger', { method: 'POST' })).status).toBe(404);
  });

  it('answers 401 with WWW-Authenticate without the token or with a wrong one', async () => {
    const { app } = setup();
    const missing = await app.request('/admin/api/subscribers/counts');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="gazette admin"');
    const wrong = await app.request('/admin/api/subscribers/counts', bearer(`${TOKEN}x`));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect((await app.request('/admin/api/subscribers/counts', bearer(TOKEN.slice(0, -1)))).status).toBe(401);
    expect(
      (
        await app.request('/admin/api/subscribers/counts', {
          headers: { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` },
        })
      ).status,
    ).toBe(401);
    expect((await app.request('/admin/api/editions', bearer('wrong'))).status).toBe(401);
    expect((await app.request('/admin/api/digest/trigger', { method: 'POST', ...bearer('wrong') })).status).toBe(401);
  });

  it('gives subscriber counts with the right token', async () => {
    const { subscriptions, app } = setup();
    await subscriptions.add('a@example.org', { state: 'active' });
    await subscriptions.add('b@example.org', { state: 'active' });
    await subscriptions.add('c@example.org', { state: 'unsubscribed' });
    await subscriptions.subscribe('d@example.org', {});
    const res = await app.request('/admin/api/subscribers/counts', bearer(TOKEN));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ pending: 1, active: 2, unsubscribed: 1, bounced: 0 });
  });

  it('lists editions with their deliveries counted by status', async () => {
    const { store, app } = setup();
    expect(await (await app.request('/admin/api/editions', bearer(TOKEN))).json()).toEqual({ editions: [] });
    const created = Date.parse('2026-11-30T04:00:00Z');
    const edition = await store.db
      .insertInto('editions')
      .values({
        slot: '2026-11-30T09:00+05:00',
        subject: 'Week 48',
        state: 'sending',
        item_ids: '[]',
        window_start: created - 7 * 86_400_000,
        window_end: created,
        digest: null,
        content_hash: null,
        recipients: 3,
        paused_reason: null,
        created_at: created,
        started_at: created,
        completed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { subscriptions } = setup();
    const ids: number[] = [];
    for (const email of ['x@example.org', 'y@example.org', 'z@example.org'])
      ids.push((await subscriptions.add(email)).subscriber.id);
    await store.db
      .insertInto('deliveries')
      .values(
        ids.map((id, i) => ({
          edition_id: edition.id,
          subscriber_id: id,
          email: `s${i}@example.org`,
          status: i === 0 ? 'pending' : 'sent',
          attempts: i === 0 ? 0 : 1,
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
    const res = await app.request('/admin/api/editions', bearer(TOKEN));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { editions: Record<string, unknown>[] };
    expect(body.editions).toHaveLength(1);
    expect(body.editions[0]).toMatchObject({
      id: edition.id,
      status: 'sending',
      subject: 'Week 48',
      recipients: 3,
      deliveries: { pending: 1, sent: 2 },
    });
  });

  it('answers 503 with a JSON reason while digest triggering is not wired, and 404 for unknown endpoints', async () => {
    const { app } = setup();
    const res = await app.request('/admin/api/digest/trigger', { method: 'POST', ...bearer(TOKEN) });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: 'NOT_AVAILABLE', message: expect.stringContaining('digest') } });
    const unknown = await app.request('/admin/api/nothing', bearer(TOKEN));
    expect(unknown.status).toBe(404);
  });

  it('calls triggerDigest when wired', async () => {
    let calls = 0;
    const app = appFor(fixturePublic, {
      admin: {
        subscriberCounts: async () => ({ pending: 0, active: 0, unsubscribed: 0, bounced: 0 }),
        triggerDigest: async () => ({ edition: ++calls }),
      },
      adminToken: TOKEN,
    });
    const res = await app.request('/admin/api/digest/trigger', { method: 'POST', ...bearer(TOKEN) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ triggered: true, result: { edition: 1 } });
    expect(calls).toBe(1);
  });
});

describe('health check', () => {
  it('answers GET /healthz with 200 {status:"ok"}', async () => {
    const res = await appFor(fixturePublic).request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
