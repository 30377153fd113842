// The dashboard in chromium against the real server, a SQLite store and a real SMTP server: log in, check the counts,
// send now through the confirmation, watch the progress bar reach 100% without a reload, read a 550 reply, preview the
// digest.
import { hostname } from 'node:os';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/pino.ts';
import { createDashboardService } from '../../src/cli/dashboard.ts';
import { createEdition, dispatch, type DeliveryDeps } from '../../src/delivery/index.ts';
import { createMailer, type Mailer } from '../../src/mail/index.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import type { Store } from '../../src/store/index.ts';
import { createSubscriptionService } from '../../src/subscribers/index.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { addSubscribers, deliveryConfig, deliveryDeps, movingClock, SECRET } from '../delivery/support.ts';
import { testEnvironment } from '../admin/support.ts';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/admin/', import.meta.url));
const TOKEN = 'browser-admin-token-0123456789abcdef';
const SUBSCRIBERS = 300;
/** The one address the mail server refuses for good. */
const REFUSED = 'reader7@example.org';

describe('the operators dashboard in a browser', () => {
  let database: TestDatabase;
  let store: Store;
  let smtp: TestSmtpServer;
  let mailer: Mailer;
  let deps: DeliveryDeps;
  let server: RunningServer;
  let browser: Browser;
  let dir: string;
  let sending: Promise<unknown> = Promise.resolve();
  const stop = new AbortController();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-admin-e2e-'));
    await mkdir(path.join(dir, 'public'));
    await writeFile(path.join(dir, 'public', 'index.html'), '<!doctype html><title>site</title>');
    await mkdir(ARTIFACTS, { recursive: true });
    database = await createTestDatabase('sqlite');
    store = await database.open();
    await addSubscribers(store, SUBSCRIBERS);
    await addSubscribers(store, 4, 'pending', 'waiting');
    await addSubscribers(store, 2, 'unsubscribed', 'gone');
    smtp = await startSmtpServer({ onRcptTo: (address) => (address === REFUSED ? 550 : undefined) });
    // 100 messages a second: the 300 take about three seconds, long enough to watch the bar move
    const config = deliveryConfig({ rate_per_second: 100 });
    mailer = createMailer({
      smtpUrl: smtp.url,
      outboxDir: path.join(dir, 'outbox'),
      pool: { maxConnections: config.digest.concurrency },
    });
    deps = deliveryDeps({ store, varDir: dir, mailer, config, now: movingClock() });
    const env = testEnvironment(dir, { databaseUrl: database.url, smtpUrl: smtp.url, adminToken: TOKEN });
    const subscriptions = createSubscriptionService({
      store,
      mailer,
      site: config.site,
      from: config.digest.from,
      secret: SECRET,
      now: deps.now,
    });
    // the same background dispatch as `gazette serve`
    const dispatchInBackground = (editionId: number): void => {
      sending = sending.then(() =>
        dispatch(deps, {
          workerId: `${hostname()}:${process.pid}:e2e`,
          editionId,
          signal: stop.signal,
          waitForRetries: true,
        }),
      );
    };
    const port = createDashboardService({
      deps,
      env,
      subscriptions,
      dispatchInBackground,
      async trigger() {
        const result = await createEdition(deps, { now: deps.now() });
        if (result.status === 'created') dispatchInBackground(result.editionId);
        return result;
      },
    });
    server = await startServer({
      publicDir: env.publicDir,
      site: { title: config.site.title, language: 'en' },
      subscriptions,
      adminToken: TOKEN,
      // an https site: the cookie is Secure everywhere but on this loopback address over plain http
      dashboard: { port, secret: SECRET, siteUrl: config.site.url, timezone: config.site.timezone },
      logger: silentLogger(),
      port: 0,
      hostname: '127.0.0.1',
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await browser?.close();
    await server?.close();
    await sending.catch(() => undefined);
    await mailer?.close();
    await smtp?.close();
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function screenshot(page: Page, name: string): Promise<void> {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  it('says why a login over plain http from another machine does not stick, instead of asking again', async () => {
    // the same server as reached from another machine: a name that is not loopback, over plain http
    const remote = await launchChromium(['--host-resolver-rules=MAP news.example 127.0.0.1']);
    try {
      const context = await remote.newContext();
      const page = await context.newPage();
      const base = `http://news.example:${new URL(server.url).port}/`;
      await page.goto(`${base}admin/login`);
      await page.fill('#token', TOKEN);
      const [answer] = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(answer?.status()).toBe(400);
      expect(await page.textContent('h1')).toBe('The browser did not keep the login');
      const text = (await page.textContent('main'))!;
      expect(text).toContain('this browser refused the session cookie');
      expect(text).toContain('https://news.example/admin');
      expect(text).toContain(`http://127.0.0.1:${new URL(server.url).port}/admin`);
      // the browser kept no session, and once the minute's marker is gone the login form asks again
      expect((await context.cookies()).map((c) => c.name)).not.toContain('gazette_admin');
      await page.goto(`${base}admin`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
    } finally {
      await remote.close();
    }
  });

  it('logs in, counts, sends with a live progress bar, shows the 550 reply and the preview', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const base = server.url;

    // a wrong token is refused
    await page.goto(`${base}admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.fill('#token', 'wrong-token');
    const refused = await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(refused[0]?.status()).toBe(401);
    await expect(page.locator('.notice-error').textContent()).resolves.toContain('That token is not right.');
    expect(await context.cookies()).toEqual([]);

    // the right one logs in
    await page.fill('#token', TOKEN);
    await Promise.all([page.waitForURL(`${base}admin`), page.click('button[type=submit]')]);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'gazette_admin', httpOnly: true, sameSite: 'Strict', path: '/admin' });

    // the overview counts
    expect(await page.textContent('[data-subscribers="active"]')).toBe(String(SUBSCRIBERS));
    expect(await page.textContent('[data-subscribers="pending"]')).toBe('4');
    expect(await page.textContent('[data-subscribers="unsubscribed"]')).toBe('2');
    expect(Number(await page.textContent('[data-figure="items"]'))).toBeGreaterThan(0);
    await screenshot(page, 'overview-before');

    // the preview shows the digest as the recipient sees it
    await page.click('nav >> text=Preview');
    const subject = (await page.textContent('[data-subject]'))!;
    const frame = page.frameLocator('iframe.preview');
    await expect(frame.locator('body').textContent()).resolves.toMatch(/\S/);
    const frameText = (await frame.locator('body').textContent())!;
    expect(frameText).toContain('Hello Sample Reader');
    expect(frameText).toContain('Unsubscribe');
    expect(await page.textContent('pre.text-part')).toContain('Unsubscribe');
    await screenshot(page, 'preview');

    // send now: the confirmation names the subject and the recipients
    await page.click('nav >> text=Send now');
    expect(await page.textContent('[data-subject]')).toBe(subject);
    expect(await page.textContent('[data-recipients]')).toBe(String(SUBSCRIBERS));
    await Promise.all([
      page.waitForURL(/\/admin\/editions\?notice=sending/),
      page.click(`button:has-text("Send to ${SUBSCRIBERS} subscribers")`),
    ]);

    // from here on the page must not reload: a marker on window survives, and every percentage shown is recorded
    let navigations = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) navigations++;
    });
    await page.evaluate(() => {
      const w = window as unknown as { marker: string; seen: string[] };
      w.marker = 'still here';
      w.seen = [document.querySelector('[data-percent]')!.textContent!];
      new MutationObserver(() => w.seen.push(document.querySelector('[data-percent]')!.textContent!)).observe(
        document.querySelector('[data-percent]')!,
        {
          childList: true,
          characterData: true,
          subtree: true,
        },
      );
    });
    await page.waitForFunction(() => document.querySelector('[data-percent]')?.textContent === '100%', undefined, {
      timeout: 60_000,
    });
    const after = await page.evaluate(() => {
      const w = window as unknown as { marker: string; seen: string[] };
      return { marker: w.marker, seen: w.seen };
    });
    expect(after.marker).toBe('still here');
    expect(navigations).toBe(0);
    expect(Number.parseInt(after.seen[0]!, 10)).toBeLessThan(100);
    expect(after.seen.at(-1)).toBe('100%');
    await page.waitForFunction(() => document.querySelector('[data-state]')?.textContent === 'sent', undefined, {
      timeout: 30_000,
    });
    expect(await page.textContent('[data-count="sent"]')).toBe(String(SUBSCRIBERS - 1));
    expect(await page.textContent('[data-count="failed"]')).toBe('1');
    const widths = await page.$$eval('.progress rect', (rects) =>
      Object.fromEntries(rects.map((r) => [r.getAttribute('data-seg'), Number(r.getAttribute('width'))])),
    );
    expect(widths.sent! + widths.failed!).toBe(1000);
    expect(widths.pending).toBe(0);
    // the pause button went with the state it belongs to
    expect(await page.isVisible('form[data-while="sending"]')).toBe(false);
    await screenshot(page, 'editions');

    // the edition's detail names the refused address with the server's reply, and what came back: the refusal
    // at RCPT counts as a hard bounce
    await page.click('.edition h2 a');
    const row = page.locator('tr', { hasText: REFUSED }).filter({ hasText: 'failed' });
    expect(await row.textContent()).toMatch(/failed/);
    expect(await row.locator('td.reply').textContent()).toMatch(/550.*Mailbox unavailable/);
    const returned = page.locator('tr', { hasText: REFUSED }).filter({ hasText: 'hard bounce' });
    expect(await returned.count()).toBe(1);

    // the overview after the send
    await page.click('nav >> text=Overview');
    await screenshot(page, 'overview');

    const received = new Set(smtp.messages.flatMap((m) => m.to));
    expect(received.size).toBe(SUBSCRIBERS - 1);
    expect(received.has(REFUSED)).toBe(false);
    await context.close();
  }, 120_000);
});
