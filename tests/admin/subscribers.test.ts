// The dashboard's subscriber actions over a real store: Remove after a confirmation, Unsubscribe beside it, a name
// edited, a CSV imported as `gazette subscribers import` does, and the audit log that records each of them.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { createDashboardService } from '../../src/cli/dashboard.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createEdition } from '../../src/delivery/index.ts';
import { createApp } from '../../src/server/app.ts';
import { createSubscriptionService } from '../../src/subscribers/index.ts';
import type { Store } from '../../src/store/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { addSubscribers, deliveryDeps, NOW, SECRET } from '../delivery/support.ts';
import {
  dashboardApp,
  HOST,
  login,
  loggedIn,
  ORIGIN,
  TOKEN,
  testEnvironment,
  type DashboardHarness,
  unsigned,
} from './support.ts';

async function withApp(
  store: Store,
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

const row = (store: Store, email: string) =>
  store.db
    .selectFrom('subscribers')
    .select(['email', 'name', 'state', 'unsubscribed_at'])
    .where('email', '=', email)
    .executeTakeFirst();

const csvFile = (text: string, name = 'list.csv') => new File([text], name, { type: 'text/csv' });

function importForm(file: File, update = false): FormData {
  const form = new FormData();
  form.set('file', file);
  if (update) form.set('update', 'yes');
  return form;
}

/** The audit log as the table keeps it, oldest first. */
async function auditRows(store: Store) {
  return store.db.selectFrom('audit_log').select(['actor', 'action', 'target', 'detail']).orderBy('id').execute();
}

describe.each(testDialects())('dashboard subscribers (%s)', (dialect) => {
  const db = useTestStore(dialect);

  it('removes only after a confirmation page, which a POST without the confirmation lands on', async () => {
    const { store } = db();
    await addSubscribers(store, 3);
    await withApp(store, async ({ app }) => {
      const client = await loggedIn(app);
      const list = await (await client.get('/admin/subscribers')).text();
      // the list's Remove is a link to the confirmation, not a form that removes
      expect(list).toContain('href="/admin/subscribers/remove?email=reader2%40example.org"');
      expect(list).not.toMatch(/action="\/admin\/subscribers\/remove"/);

      const unconfirmed = await client.post('/admin/subscribers/remove', { email: 'reader2@example.org' });
      expect(unconfirmed.status).toBe(303);
      expect(unconfirmed.headers.get('location')).toBe('/admin/subscribers/remove?email=reader2%40example.org');
      expect(await row(store, 'reader2@example.org')).toBeDefined();

      const confirm = await client.get('/admin/subscribers/remove?email=reader2%40example.org');
      expect(confirm.status).toBe(200);
      const text = await confirm.text();
      expect(text).toContain('Removing deletes this subscriber');
      expect(text).toContain('<dd class="address">reader2@example.org</dd>');
      expect(text).toContain('<button type="submit" class="danger">Remove for good</button>');
      expect(text).toContain('<input type="hidden" name="confirm" value="yes">');
      expect(text).toContain(`name="csrf" value="${client.csrf}"`);

      // the confirmation's form itself, without its token, is refused
      const forged = await client.post(
        '/admin/subscribers/remove',
        { email: 'reader2@example.org', confirm: 'yes' },
        { csrf: null },
      );
      expect(forged.status).toBe(403);
      expect(await row(store, 'reader2@example.org')).toBeDefined();

      const removed = await client.post('/admin/subscribers/remove', { email: 'reader2@example.org', confirm: 'yes' });
      expect(unsigned(removed)).toBe('/admin/subscribers?notice=removed&detail=reader2%40example.org');
      expect(await row(store, 'reader2@example.org')).toBeUndefined();
      expect((await client.get('/admin/subscribers/remove?email=reader2%40example.org')).status).toBe(404);
    });
  });

  it('unsubscribes a reader, keeping the row, and offers no second Unsubscribe', async () => {
    const { store } = db();
    await addSubscribers(store, 2);
    await withApp(store, async ({ app }) => {
      const client = await loggedIn(app);
      const before = await (await client.get('/admin/subscribers')).text();
      expect(before.match(/>Unsubscribe<\/button>/g)).toHaveLength(2);
      const res = await client.post('/admin/subscribers/unsubscribe', { email: 'reader1@example.org' });
      expect(unsigned(res)).toBe('/admin/subscribers?notice=unsubscribed&detail=reader1%40example.org');
      expect(await row(store, 'reader1@example.org')).toEqual({
        email: 'reader1@example.org',
        name: 'Reader 1',
        state: 'unsubscribed',
        unsubscribed_at: NOW.getTime(),
      });
      const page = await (await client.get(res.headers.get('location')!)).text();
      expect(page).toContain('reader1@example.org is unsubscribed');
      expect(page.match(/>Unsubscribe<\/button>/g)).toHaveLength(1);
      const again = await client.post('/admin/subscribers/unsubscribe', { email: 'reader1@example.org' });
      expect(unsigned(again)).toBe('/admin/subscribers?notice=already-unsubscribed&detail=reader1%40example.org');
      const unknown = await client.post('/admin/subscribers/unsubscribe', { email: 'nobody@example.org' });
      expect(unsigned(unknown)).toBe('/admin/subscribers?notice=not-subscriber&detail=nobody%40example.org');
      const forged = await client.post(
        '/admin/subscribers/unsubscribe',
        { email: 'reader2@example.org' },
        { csrf: null },
      );
      expect(forged.status).toBe(403);
      expect((await row(store, 'reader2@example.org'))?.state).toBe('active');
    });
  });

  it("edits a subscriber's name on their page, escaped, and clears it", async () => {
    const { store } = db();
    await addSubscribers(store, 2);
    await withApp(store, async ({ app }) => {
      const client = await loggedIn(app);
      const list = await (await client.get('/admin/subscribers')).text();
      expect(list).toContain('<a href="/admin/subscriber?email=reader2%40example.org">reader2@example.org</a>');
      const page = await (await client.get('/admin/subscriber?email=reader2%40example.org')).text();
      expect(page).toContain('action="/admin/subscribers/rename"');
      const saved = await client.post('/admin/subscribers/rename', {
        email: 'reader2@example.org',
        name: '  Айгуль <b>Нурланова</b> ',
      });
      expect(unsigned(saved)).toBe('/admin/subscriber?notice=renamed&detail=reader2%40example.org');
      expect((await row(store, 'reader2@example.org'))?.name).toBe('Айгуль <b>Нурланова</b>');
      const shown = await (await client.get(saved.headers.get('location')!)).text();
      expect(shown).toContain('value="Айгуль &lt;b&gt;Нурланова&lt;/b&gt;"');
      expect(shown).not.toContain('<b>Нурланова');
      await client.post('/admin/subscribers/rename', { email: 'reader2@example.org', name: '' });
      expect((await row(store, 'reader2@example.org'))?.name).toBeNull();
      const forged = await client.post(
        '/admin/subscribers/rename',
        { email: 'reader1@example.org', name: 'X' },
        { csrf: null },
      );
      expect(forged.status).toBe(403);
      expect((await row(store, 'reader1@example.org'))?.name).toBe('Reader 1');
      const unknown = await client.post('/admin/subscribers/rename', { email: 'nobody@example.org', name: 'X' });
      expect(unsigned(unknown)).toBe('/admin/subscribers?notice=not-subscriber&detail=nobody%40example.org');
    });
  });

  it("imports a CSV and shows the CLI's report: counts, and rejected rows by line with their reasons", async () => {
    const { store } = db();
    await addSubscribers(store, 2);
    await withApp(store, async ({ app }) => {
      const client = await loggedIn(app);
      const form = await (await client.get('/admin/subscribers/import')).text();
      expect(form).toContain('enctype="multipart/form-data"');
      expect(form).toContain('name="update"');
      expect(form).toContain('up to 5 MB');
      const csv = [
        'email,name,state',
        'new.reader@example.org,New Reader,',
        'reader1@example.org,Renamed One,unsubscribed',
        'not an address,,',
        'New.Reader@example.org,,',
        'other@example.org,,sleeping',
        '<script>@example.org,,',
      ].join('\n');
      const res = await client.upload('/admin/subscribers/import', importForm(csvFile(csv)));
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain(
        '<p data-summary>list.csv: 6 rows, 2 accepted (1 added, 1 already present), 4 rejected</p>',
      );
      expect(page).toContain('<li data-line="4">line 4: invalid email address &quot;not an address&quot;</li>');
      expect(page).toContain('<li data-line="5">line 5: duplicate of line 2 (New.Reader@example.org)</li>');
      expect(page).toContain('<li data-line="6">line 6: unknown state &quot;sleeping&quot;');
      expect(page).toContain('line 7: invalid email address &quot;&lt;script&gt;@example.org&quot;');
      expect(await row(store, 'new.reader@example.org')).toMatchObject({ name: 'New Reader', state: 'active' });
      // without the box ticked, an address already present is left as it was
      expect(await row(store, 'reader1@example.org')).toMatchObject({ name: 'Reader 1', state: 'active' });

      const updated = await (await client.upload('/admin/subscribers/import', importForm(csvFile(csv), true))).text();
      expect(updated).toContain('list.csv: 6 rows, 2 accepted (0 added, 2 already present, 1 of them updated)');
      expect(await row(store, 'reader1@example.org')).toMatchObject({ name: 'Renamed One', state: 'unsubscribed' });
    });
  });

  it('imports past the 16 KB form limit, refuses a file past 5 MB with a clear message, needs the token', async () => {
    const { store } = db();
    await withApp(store, async ({ app }) => {
      const client = await loggedIn(app);
      const lines = ['email'];
      for (let i = 0; i < 2000; i++) lines.push(`bulk${i}@example.org`);
      const medium = lines.join('\n');
      expect(medium.length).toBeGreaterThan(16 * 1024);
      const ok = await (await client.upload('/admin/subscribers/import', importForm(csvFile(medium)))).text();
      expect(ok).toContain('2000 rows, 2000 accepted (2000 added, 0 already present), 0 rejected');

      // one byte over, and a megabyte over (which the body's limit stops before the form is read)
      const head = 'email\nlate@example.org\n';
      for (const size of [5 * 1024 * 1024 + 1, 6 * 1024 * 1024]) {
        const big = `${head}${'x'.repeat(size - head.length)}`;
        const tooLarge = await client.upload('/admin/subscribers/import', importForm(csvFile(big)));
        expect(tooLarge.status, String(size)).toBe(413);
        const message = await tooLarge.text();
        expect(message).toContain('File too large');
        expect(message).toContain('CSV files of up to 5 MB; nothing was imported');
        expect(await row(store, 'late@example.org')).toBeUndefined();
      }
      // exactly 5 MB is taken
      const full = `${head}${'y@example.org\n'.repeat(1000)}`;
      const padded = `${full}${'#'.repeat(5 * 1024 * 1024 - full.length)}`;
      expect(padded.length).toBe(5 * 1024 * 1024);
      const taken = await client.upload('/admin/subscribers/import', importForm(csvFile(padded)));
      expect(taken.status).toBe(200);
      expect(await row(store, 'late@example.org')).toBeDefined();

      const forged = await client.upload(
        '/admin/subscribers/import',
        importForm(csvFile('email\nforged@example.org\n')),
        { csrf: null },
      );
      expect(forged.status).toBe(403);
      expect(await row(store, 'forged@example.org')).toBeUndefined();

      const noColumn = await client.upload(
        '/admin/subscribers/import',
        importForm(csvFile('address\na@example.org\n')),
      );
      expect(noColumn.status).toBe(422);
      expect(await noColumn.text()).toContain('the CSV header row has no &quot;email&quot; column');
      const noFile = await client.upload('/admin/subscribers/import', new FormData());
      expect(noFile.status).toBe(400);
    });
  });

  it("keeps an audit log of operators' actions, shown newest first and paged", async () => {
    const { store } = db();
    await addSubscribers(store, 3);
    await withApp(
      store,
      async ({ app, deps }) => {
        expect((await login(app, 'wrong-token')).status).toBe(401);
        const client = await loggedIn(app);
        const actor = (await auditRows(store)).at(-1)!.actor;
        expect(actor).toMatch(/^session [A-Za-z0-9_-]{8}$/);
        await client.post('/admin/subscribers/add', { email: 'added@example.org' });
        await client.post('/admin/subscribers/unsubscribe', { email: 'reader1@example.org' });
        await client.post('/admin/subscribers/rename', { email: 'reader2@example.org', name: 'Two' });
        await client.post('/admin/subscribers/remove', { email: 'reader3@example.org' });
        await client.post('/admin/subscribers/remove', { email: 'reader3@example.org', confirm: 'yes' });
        await client.upload('/admin/subscribers/import', importForm(csvFile('email\nbad\nin@example.org\n', 'in.csv')));
        await (await client.get('/admin/subscribers.csv')).text();
        await client.post('/admin/test', { address: 'editor@example.org' });
        const created = await createEdition(deps, { now: NOW });
        if (created.status !== 'created') throw new Error('no edition');
        const id = created.editionId;
        await client.post(`/admin/editions/${id}/pause`);
        await client.post(`/admin/editions/${id}/resume`);
        await client.post(`/admin/editions/${id}/resend-uncertain`);
        await client.post(`/admin/editions/${id}/cancel`, { confirm: 'yes' });
        await client.post('/admin/send', { confirm: 'yes' });
        const api = await app.request(`${ORIGIN}/admin/api/digest/trigger`, {
          method: 'POST',
          headers: { host: HOST, authorization: `Bearer ${TOKEN}` },
        });
        expect(api.status).toBe(202);
        await client.post('/admin/logout');

        const rows = await auditRows(store);
        expect(rows.map((r) => [r.actor === actor ? 'me' : r.actor, r.action, r.target])).toEqual([
          ['anonymous', 'login failed', null],
          // loggedIn() logs in once to read the CSRF token
          ['me', 'login', null],
          ['me', 'add', 'added@example.org'],
          ['me', 'unsubscribe', 'reader1@example.org'],
          ['me', 'rename', 'reader2@example.org'],
          ['me', 'remove', 'reader3@example.org'],
          ['me', 'import', 'in.csv'],
          ['me', 'export', null],
          ['me', 'test copy', 'editor@example.org'],
          ['me', 'pause', `edition #${id}`],
          ['me', 'resume', `edition #${id}`],
          ['me', 're-send uncertain', `edition #${id}`],
          ['me', 'cancel', `edition #${id}`],
          ['me', 'send now', `edition #${id + 1}`],
          ['api', 'send now', null],
          ['me', 'logout', null],
        ]);
        expect(rows.find((r) => r.action === 'import')?.detail).toBe(
          '2 rows, 1 accepted (1 added, 0 already present), 1 rejected',
        );
        expect(rows.find((r) => r.action === 'rename')?.detail).toBe('name: Two');
        expect(rows.find((r) => r.action === 'login failed')?.detail).toMatch(/^wrong token from /);

        // the page, in a new session: newest first, 50 to a page
        const reader = await loggedIn(app);
        for (let i = 0; i < 60; i++)
          await reader.post('/admin/subscribers/rename', { email: 'added@example.org', name: `N${i}` });
        const first = await (await reader.get('/admin/audit')).text();
        expect(first).toContain('<a href="/admin/audit" aria-current="page">Audit log</a>');
        const cells =
          /data-label="Action">([^<]*)<\/td><td data-label="On"[^>]*>[^<]*<\/td><td data-label="Detail">([^<]*)</g;
        const actions = [...first.matchAll(cells)].map((m) => `${m[1]} ${m[2]}`);
        expect(actions).toHaveLength(50);
        expect(actions[0]).toBe('rename name: N59');
        expect(actions[49]).toBe('rename name: N10');
        expect(first).toContain('<a href="/admin/audit?offset=50">Older →</a>');
        const second = await (await reader.get('/admin/audit?offset=50')).text();
        expect(second).toContain('name: N9');
        expect(second).toContain('login failed');
        expect(second).not.toContain('Older →');
      },
      { api: true },
    );
  });

  it('shows active subscribers by language and by topic on a site with several of each', async () => {
    const { store } = db();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-admin-readers-'));
    const config = await loadConfig(path.resolve(import.meta.dirname, '../fixtures/newsroom-i18n/gazette.yaml'));
    const deps = deliveryDeps({ store, varDir: dir, now: () => NOW, config });
    try {
      const subscriptions = createSubscriptionService({
        store,
        mailer: deps.mailer,
        site: { title: config.site.title, url: config.site.url },
        from: config.digest.from,
        secret: SECRET,
        now: () => NOW,
        readers: config,
      });
      await subscriptions.add('a@example.org', { language: 'ru', topics: ['kazakhstan', 'operations'] });
      await subscriptions.add('b@example.org', { language: 'ru', topics: ['operations'] });
      await subscriptions.add('c@example.org');
      await subscriptions.add('d@example.org', { topics: ['training'] });
      // not active: not counted
      await subscriptions.add('e@example.org', { state: 'unsubscribed', language: 'ru', topics: ['training'] });
      await subscriptions.add('f@example.org', { state: 'pending', language: 'ru' });
      const port = createDashboardService({
        deps,
        env: testEnvironment(dir),
        subscriptions,
        trigger: () => createEdition(deps, { now: NOW }),
        dispatchInBackground: () => undefined,
      });
      const app = createApp({
        publicDir: path.join(dir, 'public'),
        site: { title: config.site.title, language: 'en' },
        subscriptions,
        adminToken: TOKEN,
        dashboard: { port, secret: SECRET, siteUrl: 'https://caricc.example/', timezone: 'Asia/Almaty' },
        logger: silentLogger(),
        now: () => NOW.getTime(),
      });
      const client = await loggedIn(app);
      const overview = await (await client.get('/admin')).text();
      expect(overview).toContain('<h2>Active subscribers by choice</h2>');
      const figure = (attribute: string) => new RegExp(`${attribute}">(\\d+)<`).exec(overview)?.[1];
      expect(['en', 'ru'].map((l) => figure(`data-readers-language="${l}`))).toEqual(['2', '2']);
      expect(
        ['kazakhstan', 'kyrgyzstan', 'operations', 'training'].map((t) => figure(`data-readers-topic="${t}`)),
      ).toEqual(['1', '0', '2', '1']);
      expect(/data-readers-everything>(\d+)</.exec(overview)?.[1]).toBe('1');
      expect(overview).toContain('<dt>Kazakhstan</dt>');
    } finally {
      await deps.mailer.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
