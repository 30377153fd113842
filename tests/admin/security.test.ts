// The dashboard against the attacks of a security report: token guessing through the login form, a cookie kept
// after logout, prototype keys in paths and queries, notices written by someone else's link.
import { describe, expect, it } from 'vitest';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { addSubscribers } from '../delivery/support.ts';
import { dashboardApp, HOST, login, loggedIn, ORIGIN, TOKEN, type DashboardHarness, unsigned } from './support.ts';

async function withApp(
  store: Parameters<typeof dashboardApp>[0],
  run: (h: DashboardHarness) => Promise<void>,
): Promise<void> {
  const harness = await dashboardApp(store);
  try {
    await run(harness);
  } finally {
    await harness.cleanup();
  }
}

describe.each(testDialects())('dashboard security (%s)', (dialect) => {
  const db = useTestStore(dialect);

  it('refuses the 41st wrong login token with 429, then the right one too; the API shares the budget', async () => {
    await withApp(db().store, async ({ app }) => {
      for (let i = 0; i < 40; i++) expect((await login(app, `wrong-${i}`)).status).toBe(401);
      const limited = await login(app, 'wrong-40');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await login(app, TOKEN)).status).toBe(429);
      const api = await app.request(`${ORIGIN}/admin/api/subscribers/counts`, {
        headers: { host: HOST, authorization: `Bearer ${TOKEN}` },
      });
      expect(api.status).toBe(429);
    });
  });

  it('does not count successful logins against the budget', async () => {
    await withApp(db().store, async ({ app }) => {
      for (let i = 0; i < 45; i++) expect((await login(app, TOKEN)).status).toBe(303);
    });
  });

  it('refuses a session cookie saved before logout, for pages and the JSON endpoint', async () => {
    await withApp(db().store, async ({ app }) => {
      const res = await login(app);
      const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
      const get = (pathname: string) => app.request(`${ORIGIN}${pathname}`, { headers: { host: HOST, cookie } });
      const page = await (await get('/admin')).text();
      expect(page).toContain('name="csrf"');
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const out = await app.request(`${ORIGIN}/admin/logout`, {
        method: 'POST',
        headers: { host: HOST, cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf }).toString(),
      });
      expect(out.status).toBe(303);
      expect(out.headers.get('location')).toBe('/admin/login');
      const after = await get('/admin');
      expect(after.status).toBe(303);
      expect(after.headers.get('location')).toBe('/admin/login');
      const progress = await get('/admin/editions.json');
      expect(progress.status).toBe(401);
      // a new login still works
      expect((await (await loggedIn(app)).get('/admin')).status).toBe(200);
    });
  });

  it('refuses a cookie saved before logout after a restart too, or from another process on the database', async () => {
    const store = db().store;
    let cookie = '';
    await withApp(store, async ({ app }) => {
      const res = await login(app);
      cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
      const page = await (await app.request(`${ORIGIN}/admin`, { headers: { host: HOST, cookie } })).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
      const out = await app.request(`${ORIGIN}/admin/logout`, {
        method: 'POST',
        headers: { host: HOST, cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf }).toString(),
      });
      expect(out.status).toBe(303);
    });
    // a new process with the same GAZETTE_SECRET: the cookie's signature is good, and the logout still holds
    await withApp(store, async ({ app }) => {
      const after = await app.request(`${ORIGIN}/admin`, { headers: { host: HOST, cookie } });
      expect(after.status).toBe(303);
      expect(after.headers.get('location')).toBe('/admin/login');
      expect((await (await loggedIn(app)).get('/admin')).status).toBe(200);
    });
  });

  it('answers 404 for prototype keys as asset names and ignores them as notices', async () => {
    await withApp(db().store, async ({ app }) => {
      for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        const res = await app.request(`${ORIGIN}/admin/assets/${name}`, { headers: { host: HOST } });
        expect(res.status).toBe(404);
      }
      expect((await app.request(`${ORIGIN}/admin/assets/admin.css`, { headers: { host: HOST } })).status).toBe(200);
      for (const code of ['__proto__', 'constructor', 'toString']) {
        const res = await app.request(`${ORIGIN}/admin/login?notice=${code}&detail=x`, { headers: { host: HOST } });
        expect(res.status).toBe(200);
        expect(await res.text()).not.toContain('class="notice');
      }
      const client = await loggedIn(app);
      const res = await client.get('/admin/subscribers?notice=__proto__');
      expect(res.status).toBe(200);
    });
  });

  it("shows no notice from a made-up link, and the notice of the dashboard's own redirect", async () => {
    const store = db().store;
    await addSubscribers(store, 2);
    await withApp(store, async ({ app }) => {
      const client = await loggedIn(app);
      const bait = 'Your token expired: log in again at https://evil.example/';
      for (const url of [
        `/admin/login?notice=added&detail=${encodeURIComponent(bait)}`,
        `/admin/subscribers?notice=added&detail=${encodeURIComponent(bait)}`,
        `/admin/subscribers?notice=removed&detail=${encodeURIComponent(bait)}&sig=${'A'.repeat(43)}`,
      ]) {
        const res = url.startsWith('/admin/login')
          ? await app.request(`${ORIGIN}${url}`, { headers: { host: HOST } })
          : await client.get(url);
        expect(res.status).toBe(200);
        expect(await res.text()).not.toContain('evil.example');
      }
      // a real redirect's signature does not carry over to another detail
      const added = await client.post('/admin/subscribers/add', { email: 'new@example.org' });
      const location = added.headers.get('location')!;
      expect(unsigned(added)).toBe('/admin/subscribers?notice=added&detail=new%40example.org');
      expect(await (await client.get(location)).text()).toContain('new@example.org is an active subscriber.');
      const forged = location.replace('new%40example.org', encodeURIComponent(bait));
      expect(await (await client.get(forged)).text()).not.toContain('evil.example');
    });
  });
});
