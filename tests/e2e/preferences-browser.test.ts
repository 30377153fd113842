// The preference page in a browser at phone width, through `gazette serve` as a user runs it on a two-language
// newsroom with topics: subscribe in the form, follow the links of the real confirmation mail, change topics and
// language, pause for two weeks, and check what the database holds and that the page then speaks Russian. Between
// the steps `gazette digest send` sends an edition as an operator does: the reader's next digest follows the choice
// (Russian, their topics only), a paused reader gets none, and after "resume now" the digests come again.
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { runCli, serveCli, stopChild } from '../helpers/cli-process.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const newsroom = path.join(repo, 'tests', 'fixtures', 'newsroom-i18n', 'gazette.yaml');
const artifacts = path.join(repo, 'tests', 'artifacts', 'preferences');
const ADDRESS = 'reader.on.a.phone@example.org';
const SECRET = 'e2e-preferences-secret-0123456789';
const WEEK = 7 * 86_400_000;

/** How much wider than the window the page is (0: no sideways scrolling). */
const overflow = (page: Page) =>
  page.evaluate(() => (document.scrollingElement ?? document.documentElement).scrollWidth - window.innerWidth);

describe('the preference page on a phone', () => {
  let dir: string;
  let server: { child: ChildProcess; url: string };
  let browser: Browser;
  let store: Store;
  let env: NodeJS.ProcessEnv;
  const seen = new Set<string>();
  let lastReport = '';

  /** A news item of the newsroom, dated a moment ago: what the next edition carries. */
  const publish = async (name: string, lang: 'en' | 'ru', title: string, tags: string[]) => {
    const date = new Date(Date.now() - 1000).toISOString();
    const front = [
      `title: ${title}`,
      `date: ${date}`,
      `tags: [${tags.join(', ')}]`,
      ...(lang === 'ru' ? ['lang: ru'] : []),
    ];
    await mkdir(path.join(dir, 'content', lang), { recursive: true });
    await writeFile(path.join(dir, 'content', lang, `${name}.md`), `---\n${front.join('\n')}\n---\n\n${title}.\n`);
  };

  /** `gazette digest send` as the README gives it, then the digests that reached the reader from it. */
  const sendEdition = async () => {
    const sent = await runCli(['digest', 'send', '--config', newsroom, '--content', path.join(dir, 'content')], {
      cwd: dir,
      env,
    });
    expect(sent.code, sent.stderr).toBe(0);
    lastReport = sent.stdout;
    const outbox = path.join(dir, 'var', 'outbox');
    const mails = [];
    for (const file of (await readdir(outbox, { recursive: true })).filter((f) => f.endsWith('.eml')).sort()) {
      if (seen.has(file)) continue;
      seen.add(file);
      // the outbox keeps each edition's messages in a folder of its own
      if (file.startsWith('edition-')) mails.push(await simpleParser(await readFile(path.join(outbox, file))));
    }
    return mails;
  };
  const titlesIn = (text: string | undefined, titles: string[]) => titles.filter((t) => (text ?? '').includes(t));

  const row = () =>
    store.db
      .selectFrom('subscribers')
      .select(['state', 'language', 'topics', 'paused_until'])
      .where('email_key', '=', ADDRESS)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-e2e-prefs-'));
    const databaseUrl = `sqlite:${path.join(dir, 'var', 'gazette.db')}`;
    env = { ...process.env, DATABASE_URL: databaseUrl, GAZETTE_SECRET: SECRET, PORT: '0' };
    delete env.SMTP_URL;
    delete env.ADMIN_TOKEN;
    // the newsroom's site, as a build writes it: its stylesheet is the reader pages' too
    const content = path.join(path.dirname(newsroom), 'content');
    const built = await runCli(
      ['build', '--config', newsroom, '--content', content, '--out', path.join(dir, 'public')],
      {
        cwd: dir,
        env,
      },
    );
    expect(built.code, built.stderr).toBe(0);
    server = await serveCli(['--config', newsroom, '--public', path.join(dir, 'public'), '--host', '127.0.0.1'], {
      cwd: dir,
      env,
    });
    store = await openStore({ databaseUrl, varDir: path.join(dir, 'var') });
    browser = await launchChromium();
    await mkdir(artifacts, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await store?.close();
    if (server) expect(await stopChild(server.child)).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('changes topics and language, pauses for two weeks, and fits 375 px', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 740 }, javaScriptEnabled: false });
    const page = await context.newPage();
    const local = (link: string) => new URL(new URL(link).pathname + new URL(link).search, server.url).href;

    // subscribe in English with one topic, through the server's own form
    await page.goto(new URL('/subscribe', server.url).href);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.fill('input[name="email"]', ADDRESS);
    await page.selectOption('select[name="language"]', 'en');
    await page.uncheck('input[name="topics"][value="*"]');
    await page.check('input[name="topics"][value="training"]');
    await Promise.all([page.waitForNavigation(), page.click('form.subscribe-form button[type="submit"]')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Check your inbox');
    expect(await row()).toMatchObject({ state: 'pending', language: null, topics: '["training"]' });

    // the confirmation mail, from the outbox: its confirm link, then its preferences link
    const outbox = path.join(dir, 'var', 'outbox');
    const files = (await readdir(outbox, { recursive: true })).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    seen.add(files[0]!);
    const mail = await simpleParser(await readFile(path.join(outbox, files[0]!)));
    expect(mail.subject).toBe('Confirm your subscription to CARICC News');
    const confirm = /https?:\/\/\S+\/confirm\?token=[^\s"<>]+/.exec(mail.text ?? '')?.[0];
    const preferences = /https?:\/\/\S+\/preferences\?token=[^\s"<>]+/.exec(mail.text ?? '')?.[0];
    expect(confirm, mail.text).toBeDefined();
    expect(preferences, mail.text).toBeDefined();
    await page.goto(local(confirm!));
    await Promise.all([page.waitForNavigation(), page.click('form.confirm-form button[type="submit"]')]);
    expect(await row()).toMatchObject({ state: 'active' });

    await page.goto(local(preferences!));
    await expect(page.locator('h1').textContent()).resolves.toBe('Your subscription');
    expect(await page.isChecked('input[name="topics"][value="training"]')).toBe(true);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(artifacts, 'preferences-en-375.png'), fullPage: true });
    // opening it changed nothing
    expect(await row()).toMatchObject({ state: 'active', language: null, topics: '["training"]', paused_until: null });

    // topics and language, saved together
    await page.check('input[name="topics"][value="kazakhstan"]');
    await page.check('input[name="topics"][value="operations"]');
    await page.uncheck('input[name="topics"][value="training"]');
    await page.selectOption('select[name="language"]', 'ru');
    await Promise.all([page.waitForNavigation(), page.click('form:has(input[value="save"]) button[type="submit"]')]);
    expect(await row()).toMatchObject({ language: 'ru', topics: '["kazakhstan","operations"]', paused_until: null });
    await expect(page.locator('html').getAttribute('lang')).resolves.toBe('ru');
    await expect(page.locator('h1').textContent()).resolves.toBe('Ваша подписка');
    await expect(page.locator('.notice').textContent()).resolves.toBe('Ваш выбор сохранён.');
    expect(await page.isChecked('input[name="topics"][value="kazakhstan"]')).toBe(true);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(artifacts, 'preferences-ru-375.png'), fullPage: true });

    // the next edition follows the choice: one digest, in Russian, with the Russian items of those topics only
    const titles = ['Heroin seized in Almaty', 'В Алматы изъят героин', 'Обучение в Оше', 'Изъятие на границе'];
    await publish('heroin-en', 'en', titles[0]!, ['kazakhstan', 'seizures']);
    await publish('heroin-ru', 'ru', titles[1]!, ['kazakhstan']);
    await publish('training-ru', 'ru', titles[2]!, ['kyrgyzstan', 'training']);
    await publish('border-ru', 'ru', titles[3]!, ['seizures']);
    const first = await sendEdition();
    expect(first).toHaveLength(1);
    expect(first[0]!.subject).toMatch(/^Новости ЦАРИКЦ: 2 новости, неделя /);
    expect(titlesIn(first[0]!.text, titles)).toEqual([titles[1], titles[3]]);
    expect(titlesIn(first[0]!.html || '', titles)).toEqual([titles[1], titles[3]]);

    // a pause of two weeks
    const before = Date.now();
    await page.selectOption('select[name="weeks"]', '2');
    await Promise.all([page.waitForNavigation(), page.click('form:has(input[value="pause"]) button[type="submit"]')]);
    const after = Date.now();
    const paused = await row();
    expect(paused).toMatchObject({ state: 'active', language: 'ru', topics: '["kazakhstan","operations"]' });
    expect(Number(paused.paused_until)).toBeGreaterThanOrEqual(before + 2 * WEEK);
    expect(Number(paused.paused_until)).toBeLessThanOrEqual(after + 2 * WEEK);
    await expect(page.locator('.notice').textContent()).resolves.toMatch(/^Дайджест приостановлен до \d+ \S+ \d{4}\.$/);
    await expect(page.locator('main').textContent()).resolves.toContain('Возобновить сейчас');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(artifacts, 'preferences-ru-paused-375.png'), fullPage: true });
    await writeFile(path.join(artifacts, 'preferences-ru-paused-375.html'), await page.content());

    // paused: the next edition, which has news of the reader's topics, sends them nothing
    await publish('paused-week-ru', 'ru', 'Операция в Актау', ['kazakhstan', 'operations']);
    expect(await sendEdition()).toHaveLength(0);
    expect(lastReport).toContain('paused: 1 reader');

    // resumed: the one after that reaches them again
    await Promise.all([page.waitForNavigation(), page.click('form:has(input[value="resume"]) button[type="submit"]')]);
    expect(await row()).toMatchObject({ paused_until: null });
    await publish('resumed-week-ru', 'ru', 'Семинар в Алматы', ['kazakhstan']);
    const resumed = await sendEdition();
    expect(resumed).toHaveLength(1);
    expect(resumed[0]!.subject).toMatch(/^Новости ЦАРИКЦ: 1 новость, неделя /);
    expect(resumed[0]!.text).toContain('Семинар в Алматы');
    expect(resumed[0]!.text).not.toContain('Операция в Актау');
    await context.close();
  }, 180_000);
});
