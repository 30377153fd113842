// The subscription pages: valid HTML5, escaped, and usable without JavaScript.
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { loadCatalogs } from '../../src/i18n/catalog.ts';
import { createMailer } from '../../src/mail/index.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { createSubscriptionService } from '../../src/subscribers/index.ts';
import {
  badRequestPage,
  badTokenPage,
  confirmAskPage,
  confirmedPage,
  payloadTooLargePage,
  serverErrorPage,
  subscribeInvalidPage,
  subscribePage,
  subscribeThanksPage,
  tooManyRequestsPage,
  unsubscribeAskPage,
  unsubscribedPage,
} from '../../src/server/pages.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { validateHtml } from '../helpers/html-validate.ts';
import { type TempSite, tempSite } from './support.ts';

const site = { title: 'CARICC <News> & "Co"', language: 'ru-KZ' };
// English words, as a site whose catalog is English gives them
const english = (
  await loadCatalogs({
    languages: [{ code: 'en' }] as unknown as Config['languages'],
    localesDir: undefined,
    site: { timezone: 'UTC' },
  })
).messages('en');
const view = { site, m: english };
const hostile = '"><script>alert(1)</script>@example.org';

const pages = {
  subscribe: subscribePage(view),
  thanks: subscribeThanksPage(view),
  invalid: subscribeInvalidPage(view, hostile),
  invalidEmpty: subscribeInvalidPage(view, ''),
  confirmAsk: confirmAskPage(view, hostile, '/confirm?token=a%2Bb&x="y"'),
  confirmed: confirmedPage(view, hostile),
  badConfirm: badTokenPage(view, 'confirm', false),
  expiredUnsubscribe: badTokenPage(view, 'unsubscribe', true),
  ask: unsubscribeAskPage(view, hostile, '/unsubscribe?token=a%2Bb&x="y"'),
  unsubscribed: unsubscribedPage(view, hostile),
  tooMany: tooManyRequestsPage(view, 301),
  tooLarge: payloadTooLargePage(view),
  badRequest: badRequestPage(view, 'No <token>.'),
  serverError: serverErrorPage(view),
};

describe('subscription pages', () => {
  it.each(Object.entries(pages))('%s is valid HTML5 linking the site stylesheet', async (name, page) => {
    expect(await validateHtml(page.html, `${name}.html`)).toEqual([]);
    expect(page.html).toContain('<link rel="stylesheet" href="/static/style.css">');
    expect(page.html).toContain('<html lang="ru-KZ">');
    expect(page.html).not.toContain('<script');
  });

  it('escapes the address, the site title and the form action', () => {
    for (const page of [pages.invalid, pages.confirmAsk, pages.confirmed, pages.ask, pages.unsubscribed]) {
      expect(page.html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;@example.org');
      expect(page.html).toContain('CARICC &lt;News&gt; &amp; &quot;Co&quot;');
    }
    expect(pages.ask.html).toContain('action="/unsubscribe?token=a%2Bb&amp;x=&quot;y&quot;"');
    expect(pages.confirmAsk.html).toContain('action="/confirm?token=a%2Bb&amp;x=&quot;y&quot;"');
  });

  it('gives every page its status', () => {
    expect(pages.thanks.status).toBe(200);
    expect(pages.invalid.status).toBe(400);
    expect(pages.badConfirm.status).toBe(400);
    expect(pages.tooMany.status).toBe(429);
    expect(pages.tooLarge.status).toBe(413);
    expect(pages.serverError.status).toBe(500);
  });

  it('asks before unsubscribing with a form that posts, and says in minutes when to retry', () => {
    expect(pages.ask.html).toMatch(
      /<form class="unsubscribe-form" method="post" action="[^"]+">\s*<button type="submit">Unsubscribe<\/button>/,
    );
    expect(pages.tooMany.html).toContain('try again in 6 minutes');
  });
});

const repo = fileURLToPath(new URL('../../', import.meta.url));
const artifacts = path.join(repo, 'tests/artifacts/pages');

// The pages as a reader's phone shows them, from gazette's own server with the stylesheet the build publishes.
describe('subscription pages in chromium at 375 px', () => {
  let browser: Browser;
  let server: RunningServer;
  let temp: TempSite;
  let db: TestDatabase;
  let confirmUrl: string;
  let unsubscribeUrl: string;

  beforeAll(async () => {
    temp = await tempSite();
    await mkdir(path.join(temp.publicDir, 'static'), { recursive: true });
    await copyFile(path.join(repo, 'templates/static/style.css'), path.join(temp.publicDir, 'static/style.css'));
    db = await createTestDatabase('sqlite');
    const store = await db.open();
    const subscriptions = createSubscriptionService({
      store,
      mailer: createMailer({ smtpUrl: undefined, outboxDir: path.join(db.varDir, 'outbox') }),
      site: { title: 'CARICC News', url: 'https://caricc.org/' },
      from: { name: 'CARICC News', address: 'news@caricc.org' },
      secret: 'pages-browser-secret-0123456789',
    });
    const { subscriber } = await subscriptions.add('reader.with.a.rather.long.address@example.org', {
      state: 'active',
    });
    const ask = new URL(subscriptions.confirmUrl({ id: subscriber.id, email: subscriber.email }));
    const leave = new URL(subscriptions.unsubscribeUrl({ id: subscriber.id, email: subscriber.email }));
    server = await startServer({
      publicDir: temp.publicDir,
      site: { title: 'CARICC News', language: 'en' },
      subscriptions,
      port: 0,
      hostname: '127.0.0.1',
      subscribeRateLimit: { limit: 1, windowMs: 60_000 },
    });
    confirmUrl = new URL(`${ask.pathname}${ask.search}`, server.url).href;
    unsubscribeUrl = new URL(`${leave.pathname}${leave.search}`, server.url).href;
    await mkdir(artifacts, { recursive: true });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await db?.dispose();
    await temp?.cleanup();
  });

  /** Opens `go` in a 375 px wide page and checks what the stylesheet does to it. */
  async function check(name: string, go: (page: import('playwright-core').Page) => Promise<unknown>) {
    const context = await browser.newContext({ viewport: { width: 375, height: 700 }, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await go(page);
      const layout = await page.evaluate(() => {
        const main = document.querySelector('main')!;
        const button = document.querySelector('main button');
        const style = getComputedStyle(main);
        return {
          scrollWidth: (document.scrollingElement ?? document.documentElement).scrollWidth,
          mainPaddingLeft: style.paddingLeft,
          mainMaxWidth: style.maxWidth,
          bodyMargin: getComputedStyle(document.body).marginLeft,
          brand: document.querySelector('header .brand a')?.getAttribute('href'),
          button: button && { radius: getComputedStyle(button).borderTopLeftRadius },
        };
      });
      await page.screenshot({ path: path.join(artifacts, `${name}-375.png`), fullPage: true });
      expect(layout.scrollWidth).toBeLessThanOrEqual(375);
      expect(layout.mainPaddingLeft).toBe('16px');
      expect(layout.mainMaxWidth).toBe('672px');
      expect(layout.bodyMargin).toBe('0px');
      expect(layout.brand).toBe('/');
      return layout;
    } finally {
      await context.close();
    }
  }

  it('"Check your inbox" after subscribing through the form, then "too many attempts"', async () => {
    await check('check-your-inbox', async (page) => {
      await page.goto(new URL('subscribe', server.url).href);
      await page.fill('input[name=email]', 'new.reader@example.org');
      await Promise.all([page.waitForURL(/subscribe/), page.click('button[type=submit]')]);
      expect(await page.textContent('h1')).toBe('Check your inbox');
    });
    await check('too-many-requests', async (page) => {
      await page.goto(new URL('subscribe', server.url).href);
      await page.fill('input[name=email]', 'again@example.org');
      const [res] = await Promise.all([page.waitForResponse(/subscribe/), page.click('button[type=submit]')]);
      expect(res.status()).toBe(429);
      expect(await page.textContent('h1')).toBe('Too many attempts');
    });
  });

  it('confirm: GET asks with a styled button, POST confirms', async () => {
    const asked = await check('confirm-ask', async (page) => {
      await page.goto(confirmUrl);
      expect(await page.textContent('h1')).toBe('Confirm your subscription');
    });
    expect(asked.button?.radius).not.toBe('0px');
    await check('confirmed', async (page) => {
      await page.goto(confirmUrl);
      await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
      expect(await page.textContent('h1')).toBe('You are subscribed');
    });
  });

  it('unsubscribe: asks, then says so', async () => {
    const asked = await check('unsubscribe-ask', (page) => page.goto(unsubscribeUrl));
    expect(asked.button?.radius).not.toBe('0px');
    await check('unsubscribed', async (page) => {
      await page.goto(unsubscribeUrl);
      await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
      expect(await page.textContent('h1')).toBe('You are unsubscribed');
    });
  });

  it('error pages: a link that is not valid, a missing token', async () => {
    await check('bad-token', (page) => page.goto(new URL('confirm?token=forged', server.url).href));
    await check('bad-request', (page) => page.goto(new URL('unsubscribe', server.url).href));
  });
});
