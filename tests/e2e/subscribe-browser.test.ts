// Whole system in a browser: `gazette build` and `gazette serve` as a user runs them, chromium subscribes
// through the site's form, follows the emailed confirmation link, then unsubscribes through the page.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/mail/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { createSubscriptionService } from '../../src/subscribers/index.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { runCli, serveCli, stopChild } from '../helpers/cli-process.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const ADDRESS = 'Reader.One@Example.ORG';
const SECRET = 'e2e-secret-0123456789abcdef';

describe('subscribing and unsubscribing in a browser', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let server: { child: ChildProcess; url: string; output: () => string };
  let browser: Browser;
  let store: Store;

  const state = async (): Promise<string | undefined> => {
    const row = await store.db
      .selectFrom('subscribers')
      .select('state')
      .where('email_key', '=', ADDRESS.toLowerCase())
      .executeTakeFirst();
    return row?.state;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-e2e-'));
    const databaseUrl = `sqlite:${path.join(dir, 'var', 'gazette.db')}`;
    env = { ...process.env, DATABASE_URL: databaseUrl, GAZETTE_SECRET: SECRET, PORT: '0' };
    delete env.SMTP_URL;
    delete env.ADMIN_TOKEN;
    const config = ['--config', path.join(repo, 'gazette.yaml')];
    const built = await runCli(
      ['build', ...config, '--content', path.join(repo, 'content'), '--out', path.join(dir, 'public')],
      { cwd: dir, env },
    );
    expect(built.code, built.stderr).toBe(0);
    server = await serveCli([...config, '--public', path.join(dir, 'public'), '--host', '127.0.0.1'], {
      cwd: dir,
      env,
    });
    store = await openStore({ databaseUrl, varDir: path.join(dir, 'var') });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await store?.close();
    if (server) expect(await stopChild(server.child)).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('goes pending → active → unsubscribed, each step through the pages', async () => {
    const page = await browser.newPage({ javaScriptEnabled: false });

    // 1. the built index page carries the subscribe form
    await page.goto(server.url);
    await expect(page.title()).resolves.toContain('CARICC');
    await page.fill('form.subscribe-form input[name="email"]', ADDRESS);
    await Promise.all([page.waitForNavigation(), page.click('form.subscribe-form button[type="submit"]')]);
    expect(new URL(page.url()).pathname).toBe('/subscribe');
    await expect(page.locator('h1').textContent()).resolves.toBe('Check your inbox');
    expect(await state()).toBe('pending');

    // 2. the confirmation email lands in the outbox; its link asks, and the page's button activates the subscription
    const outbox = path.join(dir, 'var', 'outbox');
    const files = (await readdir(outbox, { recursive: true })).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(await readFile(path.join(outbox, files[0]!)));
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address?.toLowerCase() : undefined).toBe(
      ADDRESS.toLowerCase(),
    );
    const link = /https?:\/\/\S+\/confirm\?token=[^\s"<>]+/.exec(mail.text ?? '')?.[0];
    expect(link, mail.text).toBeDefined();
    const confirmUrl = new URL(new URL(link!).pathname + new URL(link!).search, server.url);
    await page.goto(confirmUrl.href);
    await expect(page.locator('h1').textContent()).resolves.toBe('Confirm your subscription');
    await expect(page.locator('main').textContent()).resolves.toContain(ADDRESS.split('@')[0]);
    expect(await state()).toBe('pending');
    await Promise.all([page.waitForNavigation(), page.click('form.confirm-form button[type="submit"]')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('You are subscribed');
    expect(await state()).toBe('active');

    // 3. the unsubscribe page asks first and changes nothing; its button unsubscribes
    const unsubscribeUrl = new URL(`/unsubscribe?token=${encodeURIComponent(await unsubscribeToken())}`, server.url);
    await page.goto(unsubscribeUrl.href);
    await expect(page.locator('main').textContent()).resolves.toContain(ADDRESS.split('@')[0]);
    expect(await state()).toBe('active');
    await Promise.all([page.waitForNavigation(), page.click('form.unsubscribe-form button[type="submit"]')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('You are unsubscribed');
    expect(await state()).toBe('unsubscribed');
    await page.close();
  });

  /** The token an unsubscribe link in a digest carries, made by the subscription service with the server's secret. */
  async function unsubscribeToken(): Promise<string> {
    const row = await store.db
      .selectFrom('subscribers')
      .select(['id', 'email'])
      .where('email_key', '=', ADDRESS.toLowerCase())
      .executeTakeFirstOrThrow();
    const service = createSubscriptionService({
      store,
      mailer: createMailer({ smtpUrl: undefined, outboxDir: path.join(dir, 'var', 'outbox') }),
      site: { title: 'CARICC News', url: 'https://caricc.org/' },
      from: { name: 'CARICC News', address: 'news@caricc.org' },
      secret: SECRET,
    });
    return new URL(service.unsubscribeUrl(row)).searchParams.get('token')!;
  }
});
