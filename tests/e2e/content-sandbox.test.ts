// A hostile SVG beside an item, built into public/ and opened by a logged-in operator from gazette's own server
// (the same origin as /admin): it is served sandboxed, so its script neither reads the subscriber CSV nor adds anyone.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { createDashboardService } from '../../src/cli/dashboard.ts';
import { createEdition } from '../../src/delivery/index.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import type { Store } from '../../src/store/index.ts';
import { createSubscriptionService } from '../../src/subscribers/index.ts';
import { testEnvironment } from '../admin/support.ts';
import { gazette } from '../build/tree.ts';
import { addSubscribers, deliveryConfig, deliveryDeps, movingClock, SECRET } from '../delivery/support.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const TOKEN = 'sandbox-admin-token-0123456789abcdef';
const ATTACKER = 'attacker@evil.example';

// Reads the export, then posts the dashboard's add form with its CSRF field, as the reported exploit did.
const HOSTILE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50">
<text x="10" y="30">map</text>
<script><![CDATA[
(async () => {
  const root = document.documentElement;
  root.setAttribute('data-ran', 'yes');
  try {
    const csv = await (await fetch('/admin/subscribers.csv', { credentials: 'include' })).text();
    root.setAttribute('data-csv', csv.slice(0, 200));
    const page = await (await fetch('/admin/subscribers', { credentials: 'include' })).text();
    const form = new URLSearchParams();
    for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(m[1], m[2]);
    form.set('email', '${ATTACKER}');
    const res = await fetch('/admin/subscribers/add', { method: 'POST', body: form, credentials: 'include' });
    root.setAttribute('data-added', String(res.status));
  } catch (err) {
    root.setAttribute('data-error', String(err));
  }
})();
]]></script>
</svg>
`;

describe('a content SVG opened by a logged-in operator', () => {
  let database: TestDatabase;
  let store: Store;
  let server: RunningServer;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-sandbox-e2e-'));
    const content = path.join(dir, 'content/2024');
    await mkdir(content, { recursive: true });
    await writeFile(
      path.join(content, 'map.md'),
      '---\ntitle: Routes map\ndate: 2024-03-01\nslug: routes\n---\nThe [map](x.svg).\n',
    );
    await writeFile(path.join(content, 'x.svg'), HOSTILE_SVG);
    const built = gazette('build', '--content', path.join(dir, 'content'), '--out', path.join(dir, 'public'));
    expect(built.status, built.stderr).toBe(0);

    database = await createTestDatabase('sqlite');
    store = await database.open();
    await addSubscribers(store, 3);
    const config = deliveryConfig();
    const deps = deliveryDeps({ store, varDir: dir, config, now: movingClock() });
    const env = testEnvironment(dir, { databaseUrl: database.url, adminToken: TOKEN });
    const subscriptions = createSubscriptionService({
      store,
      mailer: deps.mailer,
      site: config.site,
      from: config.digest.from,
      secret: SECRET,
      now: deps.now,
    });
    const port = createDashboardService({
      deps,
      env,
      subscriptions,
      dispatchInBackground: () => undefined,
      trigger: () => createEdition(deps, { now: deps.now() }),
    });
    server = await startServer({
      publicDir: env.publicDir,
      site: { title: config.site.title, language: 'en' },
      subscriptions,
      adminToken: TOKEN,
      dashboard: { port, secret: SECRET, siteUrl: config.site.url, timezone: config.site.timezone },
      logger: silentLogger(),
      port: 0,
      hostname: '127.0.0.1',
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const subscriberCount = async (): Promise<number> =>
    (await store.db.selectFrom('subscribers').select('id').execute()).length;

  it('is served sandboxed: its script does not run, reads no CSV and adds no subscriber', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const base = server.url;
    await page.goto(`${base}admin`);
    await page.fill('#token', TOKEN);
    await Promise.all([page.waitForURL(`${base}admin`), page.click('button[type=submit]')]);
    // the operator's session can read the export: what the script would have taken
    const csv = await page.evaluate(async () => (await fetch('/admin/subscribers.csv')).text());
    expect(csv).toContain('@');
    const before = await subscriberCount();

    const response = await page.goto(`${base}news/routes/x.svg`);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-type']).toBe('image/svg+xml');
    expect(headers['content-security-policy']).toMatch(/(^|;)\s*sandbox\s*(;|$)/);
    expect(headers['content-security-policy']).toContain("default-src 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    await expect(page.locator('text').textContent()).resolves.toBe('map');
    // give a script that did run every chance to finish its three requests
    await page.waitForTimeout(1500);
    const marks = await page.evaluate(() =>
      ['data-ran', 'data-csv', 'data-added', 'data-error'].map((a) => document.documentElement.getAttribute(a)),
    );
    expect(marks).toEqual([null, null, null, null]);
    expect(await subscriberCount()).toBe(before);
    const attacker = await store.db
      .selectFrom('subscribers')
      .select('id')
      .where('email_key', '=', ATTACKER)
      .executeTakeFirst();
    expect(attacker).toBeUndefined();
    await context.close();
  }, 60_000);
});
