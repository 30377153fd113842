// The /admin dashboard through app.request over a real store: login, session cookie, CSRF, counts, actions.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent } from '../../src/content/index.ts';
import { createEdition } from '../../src/delivery/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { addSubscribers, CONTENT_DIR, deliveryConfig, NOW } from '../delivery/support.ts';
import { dashboardApp, HOST, login, loggedIn, ORIGIN, TOKEN, type DashboardHarness, unsigned } from './support.ts';

async function withApp(
  store: Parameters<typeof dashboardApp>[0],
  run: (h: DashboardHarness) => Promise<void>,
  options?: Parameters<typeof dashboardApp>[1],
): Promise<void> {
  const harness = await dashboardApp(store, options);
  try {
    await run(harness);
  } finally {
    await harness.cleanup();
  }
}

describe.each(testDialects())('dashboard (%s)', (dialect) => {
  const db = useTestStore(dialect);

  it('refuses a wrong token with a 401 page and no cookie', async () => {
    await withApp(db().store, async ({ app }) => {
      const res = await login(app, 'not-the-token');
      expect(res.status).toBe(401);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await res.text()).toContain('That token is not right.');
      const empty = await login(app, '');
      expect(empty.status).toBe(401);
      expect(empty.headers.getSetCookie()).toEqual([]);
    });
  });

  it(`sets an HttpOnly, SameSite=Strict session cookie for \
the right token; Secure unless on a loopback host`, async () => {
    await withApp(db().store, async ({ app }) => {
      const res = await login(app, TOKEN);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/admin');
      const [cookie] = res.headers.getSetCookie();
      expect(cookie).toMatch(/^gazette_admin=[^;]+;/);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(cookie).toContain('Path=/admin');
      expect(cookie).toMatch(/Max-Age=\d+/);
      expect(cookie).not.toContain('Secure');
      // the same login to the public host of an https site gets a Secure cookie
      const remote = await app.request('http://news.example.org/admin/login', {
        method: 'POST',
        headers: { host: 'news.example.org', 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${TOKEN}`,
      });
      expect(remote.headers.getSetCookie()[0]).toContain('; Secure');
    });
  });

  it('sends pages without a session to the login, and refuses a forged or altered cookie', async () => {
    await withApp(db().store, async ({ app }) => {
      for (const p of [
        '/admin',
        '/admin/editions',
        '/admin/subscribers',
        '/admin/preview',
        '/admin/send',
        '/admin/editions/1',
      ]) {
        const res = await app.request(`${ORIGIN}${p}`, { headers: { host: HOST } });
        expect(res.status, p).toBe(303);
        expect(res.headers.get('location')).toBe('/admin/login');
      }
      const json = await app.request(`${ORIGIN}/admin/editions.json`, { headers: { host: HOST } });
      expect(json.status).toBe(401);
      const cookie = (await login(app)).headers.getSetCookie()[0]!.split(';')[0]!;
      const altered = cookie.replace(/\.(\d+)\./, (_m, exp: string) => `.${Number(exp) + 1000}.`);
      const res = await app.request(`${ORIGIN}/admin`, { headers: { host: HOST, cookie: altered } });
      expect(res.status).toBe(303);
      const ok = await app.request(`${ORIGIN}/admin`, { headers: { host: HOST, cookie } });
      expect(ok.status).toBe(200);
    });
  });

  it(`refuses a POST without the CSRF token, with a wrong \
one, or from another origin (403), and changes nothing`, async () => {
    await withApp(db().store, async ({ app }) => {
      const client = await loggedIn(app);
      const none = await client.post('/admin/subscribers/add', { email: 'one@example.org' }, { csrf: null });
      expect(none.status).toBe(403);
      const wrong = await client.post('/admin/subscribers/add', { email: 'one@example.org' }, { csrf: 'x'.repeat(43) });
      expect(wrong.status).toBe(403);
      const crossSite = await client.post(
        '/admin/subscribers/add',
        { email: 'one@example.org' },
        { origin: 'https://evil.example' },
      );
      expect(crossSite.status).toBe(403);
      expect(await db().store.db.selectFrom('subscribers').select('email').execute()).toEqual([]);
      const good = await client.post('/admin/subscribers/add', { email: 'one@example.org' });
      expect(good.status).toBe(303);
      expect(await db().store.db.selectFrom('subscribers').select(['email', 'state']).execute()).toEqual([
        { email: 'one@example.org', state: 'active' },
      ]);
    });
  });

  it('shows the right counts on the overview', async () => {
    const { store } = db();
    await addSubscribers(store, 7, 'active');
    await addSubscribers(store, 2, 'pending', 'waiting');
    await addSubscribers(store, 3, 'unsubscribed', 'gone');
    const published = (await loadContent(CONTENT_DIR, deliveryConfig(), NOW)).length;
    await withApp(store, async ({ app }) => {
      const client = await loggedIn(app);
      const page = await (await client.get('/admin')).text();
      expect(page).toContain(`<p class="figure" data-figure="items">${published}</p>`);
      expect(page).toContain('<dd data-subscribers="active">7</dd>');
      expect(page).toContain('<dd data-subscribers="pending">2</dd>');
      expect(page).toContain('<dd data-subscribers="unsubscribed">3</dd>');
      expect(page).toContain('<dd data-subscribers="bounced">0</dd>');
      expect(page).toMatch(/Next scheduled edition<\/h2><p class="figure-small">2021-10-11 09:00<\/p>/);
    });
  });

  it(`confirms a send with subject and recipient count, then \
creates the edition and hands it to the dispatcher`, async () => {
    const { store } = db();
    await addSubscribers(store, 5);
    await withApp(store, async ({ app, dispatched }) => {
      const client = await loggedIn(app);
      const confirm = await (await client.get('/admin/send')).text();
      expect(confirm).toContain('<dd data-recipients>5</dd>');
      const subject = /<dd data-subject>([^<]+)<\/dd>/.exec(confirm)![1]!;
      expect(subject.length).toBeGreaterThan(0);
      // without the confirmation field nothing is created
      expect((await client.post('/admin/send')).headers.get('location')).toBe('/admin/send');
      expect(await store.db.selectFrom('editions').select('id').execute()).toEqual([]);
      const sent = await client.post('/admin/send', { confirm: 'yes' });
      expect(unsigned(sent)).toBe('/admin/editions?notice=sending&detail=5');
      const editions = await store.db.selectFrom('editions').select(['id', 'subject', 'recipients', 'state']).execute();
      expect(editions).toEqual([{ id: editions[0]!.id, subject, recipients: 5, state: 'sending' }]);
      expect(dispatched).toEqual([]); // the trigger dispatches itself; the dashboard only asks again after a resume
      const json = (await (await client.get('/admin/editions.json')).json()) as {
        editions: { id: number; percent: number; counts: { pending: number } }[];
      };
      expect(json.editions[0]).toMatchObject({ id: editions[0]!.id, percent: 0, counts: { pending: 5 } });
    });
  });

  it('pauses an edition being sent and resumes it', async () => {
    const { store } = db();
    await addSubscribers(store, 3);
    await withApp(store, async ({ app, deps, dispatched }) => {
      const created = await createEdition(deps, { now: NOW });
      if (created.status !== 'created') throw new Error('no edition');
      const id = created.editionId;
      const client = await loggedIn(app);
      const state = async () =>
        (await store.db.selectFrom('editions').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
      const paused = await client.post(`/admin/editions/${id}/pause`);
      expect(unsigned(paused)).toBe(`/admin/editions/${id}?notice=paused`);
      expect(await state()).toBe('paused');
      const page = await (await client.get(paused.headers.get('location')!)).text();
      expect(page).toContain('Edition paused');
      expect(page).toContain(`action="/admin/editions/${id}/resume"`);
      await client.post(`/admin/editions/${id}/resume`);
      expect(await state()).toBe('sending');
      expect(dispatched).toEqual([id]);
      // a resume of an edition that does not exist is reported, not a server error
      const missing = await client.post('/admin/editions/999999/resume');
      expect(missing.status).toBe(409);
      expect(await missing.text()).toContain('no edition 999999');
    });
  });

  it('searches, removes and exports subscribers, escaping what it echoes', async () => {
    const { store } = db();
    await addSubscribers(store, 4);
    await withApp(store, async ({ app }) => {
      const client = await loggedIn(app);
      const found = await (await client.get('/admin/subscribers?q=reader3')).text();
      expect(found).toContain('reader3@example.org');
      expect(found).not.toContain('reader2@example.org');
      const echoed = await (await client.get('/admin/subscribers?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E')).text();
      expect(echoed).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
      expect(echoed).not.toContain('<script>alert');
      const removed = await client.post('/admin/subscribers/remove', { email: 'reader2@example.org', confirm: 'yes' });
      expect(unsigned(removed)).toBe('/admin/subscribers?notice=removed&detail=reader2%40example.org');
      const bad = await client.post('/admin/subscribers/add', { email: 'not an address' });
      expect(bad.status).toBe(409);
      const csv = await client.get('/admin/subscribers.csv');
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toContain('attachment');
      const lines = (await csv.text()).trim().split(/\r?\n/);
      expect(lines[0]).toMatch(/^email,name,state/);
      expect(
        lines
          .slice(1)
          .map((l) => l.split(',')[0])
          .sort(),
      ).toEqual(['reader1@example.org', 'reader3@example.org', 'reader4@example.org']);
    });
  });

  it('previews the next digest: HTML in a sandboxed frame with its own strict policy, text in a pre', async () => {
    await withApp(db().store, async ({ app }) => {
      const client = await loggedIn(app);
      const page = await (await client.get('/admin/preview')).text();
      expect(page).toContain('<iframe class="preview" src="/admin/preview/digest.html" sandbox');
      expect(page).toMatch(/<pre class="text-part">[^<]*Unsubscribe/i);
      const frame = await client.get('/admin/preview/digest.html');
      expect(frame.headers.get('content-security-policy')).toContain('sandbox');
      expect(frame.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
      expect(await frame.text()).toMatch(/^<!doctype html>/i);
    });
  });

  it('sends a test copy to one address without writing to the ledger', async () => {
    const { store } = db();
    await addSubscribers(store, 2);
    await withApp(store, async ({ app, outboxDir }) => {
      const client = await loggedIn(app);
      const res = await client.post('/admin/test', { address: 'Editor@Example.ORG' });
      expect(unsigned(res)).toBe('/admin/preview?notice=test-sent&detail=Editor%40example.org');
      const files = await readdir(path.join(outboxDir, 'test'));
      expect(files).toHaveLength(1);
      const eml = await readFile(path.join(outboxDir, 'test', files[0]!), 'utf8');
      expect(eml).toMatch(/^To: Editor@example\.org/m);
      expect(await store.db.selectFrom('editions').select('id').execute()).toEqual([]);
      expect(await store.db.selectFrom('deliveries').select('email').execute()).toEqual([]);
      const bad = await client.post('/admin/test', { address: 'nobody' });
      expect(bad.status).toBe(409);
    });
  });

  it('does not exist when ADMIN_TOKEN is unset (404), like the API', async () => {
    await withApp(
      db().store,
      async ({ app }) => {
        for (const p of ['/admin', '/admin/login', '/admin/editions.json', '/admin/assets/admin.js']) {
          expect((await app.request(`${ORIGIN}${p}`, { headers: { host: HOST } })).status, p).toBe(404);
        }
        expect((await login(app, '')).status).toBe(404);
      },
      { adminToken: '' },
    );
  });
});
