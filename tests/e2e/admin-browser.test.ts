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

/** What a page measures of its own layout at the current width. */
interface Fit {
  viewport: number;
  scrollWidth: number;
  /** Figures, counts, state names and buttons whose text runs over more than one line. */
  wrapped: string[];
  /** The list's Unsubscribe and Remove buttons, each as its text and whether it is on screen from left to right. */
  buttons: { text: string; inside: boolean }[];
}

function measureFit(): Fit {
  const viewport = document.documentElement.clientWidth;
  const lines = (el: Element): number => {
    const tops = new Set<number>();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent?.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of Array.from(range.getClientRects())) if (r.width > 0) tops.add(Math.round(r.top));
    }
    return tops.size;
  };
  const figures = document.querySelectorAll(
    '.figure, .figure-small, .states dt, .states dd, .state, .count, [data-report], button, .button',
  );
  const wrapped = Array.from(figures)
    .filter((el) => el.getClientRects().length > 0 && lines(el) > 1)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className}: ${el.textContent?.trim()}`);
  const buttons = Array.from(document.querySelectorAll('td.row-actions button, td.row-actions .button')).map((el) => {
    const r = el.getBoundingClientRect();
    return { text: el.textContent?.trim() ?? '', inside: r.left >= 0 && r.right <= viewport && r.width > 0 };
  });
  return {
    viewport,
    scrollWidth: (document.scrollingElement ?? document.documentElement).scrollWidth,
    wrapped,
    buttons,
  };
}

describe('the dashboard fits a phone and a desktop with 3,000 subscribers, and works without JavaScript', () => {
  const ACTIVE = 2992;
  let database: TestDatabase;
  let store: Store;
  let deps: DeliveryDeps;
  let server: RunningServer;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-admin-fit-'));
    await mkdir(path.join(dir, 'public'));
    await writeFile(path.join(dir, 'public', 'index.html'), '<!doctype html><title>site</title>');
    await mkdir(ARTIFACTS, { recursive: true });
    database = await createTestDatabase('sqlite');
    store = await database.open();
    // the longest addresses first, so they are on the list's first page
    await addSubscribers(store, 2, 'active', 'information.officer.of.the.regional.centre');
    await addSubscribers(store, ACTIVE - 2);
    await addSubscribers(store, 4, 'pending', 'waiting');
    await addSubscribers(store, 2, 'unsubscribed', 'gone');
    await addSubscribers(store, 2, 'bounced', 'lost');
    deps = deliveryDeps({ store, varDir: dir, now: movingClock() });
    // an edition of 2,992 rows, never sent here: its tally has four-digit counts too
    await createEdition(deps, { now: deps.now() });
    const env = testEnvironment(dir, { databaseUrl: database.url, adminToken: TOKEN });
    const subscriptions = createSubscriptionService({
      store,
      mailer: deps.mailer,
      site: deps.config.site,
      from: deps.config.digest.from,
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
      site: { title: deps.config.site.title, language: 'en' },
      subscriptions,
      adminToken: TOKEN,
      dashboard: { port, secret: SECRET, siteUrl: deps.config.site.url, timezone: deps.config.site.timezone },
      logger: silentLogger(),
      port: 0,
      hostname: '127.0.0.1',
    });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await deps?.mailer.close();
    await database?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A page without JavaScript, logged in. */
  async function loggedInPage(width: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}admin/login`);
    await page.fill('#token', TOKEN);
    await Promise.all([page.waitForURL(`${server.url}admin`), page.click('button[type=submit]')]);
    return page;
  }

  async function fits(page: Page, name: string): Promise<Fit> {
    const width = page.viewportSize()!.width;
    await page.screenshot({ path: path.join(ARTIFACTS, `fit-${name}-${width}.png`), fullPage: true });
    const fit = await page.evaluate(measureFit);
    expect(fit.scrollWidth, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(fit.viewport);
    expect(fit.wrapped, `${name} at ${width} px`).toEqual([]);
    return fit;
  }

  for (const width of [375, 1280]) {
    it(`at ${width} px: no page scrolls sideways, no figure breaks, every row's buttons are on screen`, async () => {
      const page = await loggedInPage(width);
      try {
        expect(await page.textContent('[data-subscribers="active"]')).toBe(String(ACTIVE));
        await fits(page, 'overview');
        await page.click('nav >> text=Editions');
        expect(await page.textContent('[data-count="pending"]')).toBe(String(ACTIVE));
        await fits(page, 'editions');
        await page.click('.edition h2 a');
        await fits(page, 'edition');

        await page.click('nav >> text=Subscribers');
        const list = await fits(page, 'subscribers');
        expect(list.buttons.filter((b) => b.text === 'Remove')).toHaveLength(50);
        expect(list.buttons.filter((b) => b.text === 'Unsubscribe')).toHaveLength(50);
        expect(list.buttons.filter((b) => !b.inside)).toEqual([]);

        await page.click('text=information.officer.of.the.regional.centre1@example.org');
        await fits(page, 'subscriber');
        // the longest address on the confirmation page
        await page.goto(
          `${server.url}admin/subscribers/remove?email=information.officer.of.the.regional.centre1%40example.org`,
        );
        await fits(page, 'remove');
        await page.goto(`${server.url}admin/subscribers/import`);
        await fits(page, 'import');
        await page.click('nav >> text=Audit log');
        await fits(page, 'audit');
      } finally {
        await page.context().close();
      }
    }, 60_000);
  }

  it('removes after a confirmation, unsubscribes, renames, imports without JavaScript, and logs it', async () => {
    const page = await loggedInPage(375);
    try {
      const state = async (email: string) =>
        await store.db
          .selectFrom('subscribers')
          .select(['state', 'name'])
          .where('email', '=', email)
          .executeTakeFirst();
      await page.goto(`${server.url}admin/subscribers?q=reader10%40`);
      const row = page.locator('tr', { hasText: 'reader10@example.org' });
      await Promise.all([page.waitForURL(/\/admin\/subscribers\/remove\?/), row.locator('text=Remove').click()]);
      expect(await state('reader10@example.org')).toBeDefined();
      await Promise.all([page.waitForURL(/notice=removed/), page.click('button:has-text("Remove for good")')]);
      expect(await page.textContent('.notice')).toBe('reader10@example.org was removed.');
      expect(await state('reader10@example.org')).toBeUndefined();

      await page.goto(`${server.url}admin/subscribers?q=reader11%40`);
      await Promise.all([
        page.waitForURL(/notice=unsubscribed/),
        page.locator('tr', { hasText: 'reader11@example.org' }).locator('button:has-text("Unsubscribe")').click(),
      ]);
      expect((await state('reader11@example.org'))?.state).toBe('unsubscribed');

      await page.goto(`${server.url}admin/subscriber?email=reader12%40example.org`);
      await page.fill('#name', 'Асель Қасымова');
      await Promise.all([page.waitForURL(/notice=renamed/), page.click('button:has-text("Save name")')]);
      expect((await state('reader12@example.org'))?.name).toBe('Асель Қасымова');
      expect(await page.inputValue('#name')).toBe('Асель Қасымова');

      await page.goto(`${server.url}admin/subscribers/import`);
      await page.setInputFiles('#file', {
        name: 'newsroom.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from('email,name\nimported@example.org,Imported\nnot-an-address,\n'),
      });
      await Promise.all([page.waitForLoadState(), page.click('button:has-text("Import")')]);
      expect(await page.textContent('[data-summary]')).toBe(
        'newsroom.csv: 2 rows, 1 accepted (1 added, 0 already present), 1 rejected',
      );
      expect(await page.textContent('[data-line="3"]')).toBe('line 3: invalid email address "not-an-address"');
      await fits(page, 'import-report');

      await page.click('nav >> text=Audit log');
      const actions = await page.$$eval('td[data-label="Action"]', (cells) => cells.map((c) => c.textContent));
      expect(actions.slice(0, 4)).toEqual(['import', 'rename', 'unsubscribe', 'remove']);
      await fits(page, 'audit-filled');
    } finally {
      await page.context().close();
    }
  }, 60_000);
});
