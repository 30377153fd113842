// Languages and topics on the reader pages: subscribe with a choice, the preference page (GET shows, POST
// changes, only with a valid token), and the mails in the reader's language; real database, service and outbox.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { createMailer } from '../../src/mail/index.ts';
import type { Store } from '../../src/store/index.ts';
import { createSubscriptionService, signToken } from '../../src/subscribers/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { validateHtml } from '../helpers/html-validate.ts';
import { appFor, fixturePublic } from './support.ts';

const SECRET = 'preferences-test-secret-0123456789';
const T0 = new Date('2026-11-30T04:00:00Z');
const config = await loadConfig(path.resolve(import.meta.dirname, '../fixtures/newsroom-i18n/gazette.yaml'));

const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

const post = (fields: [string, string][]) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

async function rowOf(store: Store, email: string) {
  return store.db
    .selectFrom('subscribers')
    .select(['id', 'state', 'language', 'topics', 'paused_until', 'updated_at'])
    .where('email_key', '=', email.toLowerCase())
    .executeTakeFirst();
}

async function mails(varDir: string) {
  const outbox = path.join(varDir, 'outbox', 'subscriptions');
  const files = (await readdir(outbox).catch(() => [])).sort();
  return Promise.all(files.map(async (f) => simpleParser(await readFile(path.join(outbox, f)))));
}

describe.each(testDialects())('languages, topics and the preference page on %s', (dialect) => {
  const db = useTestStore(dialect);

  function setup(now: () => Date = () => T0) {
    const { store, varDir } = db();
    const subscriptions = createSubscriptionService({
      store,
      mailer: createMailer({ smtpUrl: undefined, outboxDir: path.join(varDir, 'outbox') }),
      site: { title: 'CARICC News', url: 'https://caricc.example/' },
      from: { name: 'CARICC News', address: 'news@caricc.example' },
      secret: SECRET,
      now,
      readers: config,
      noticeIntervalMs: 0,
    });
    const app = appFor(fixturePublic, { subscriptions, now: () => T0.getTime() });
    return { store, varDir, subscriptions, app };
  }

  it('stores the language and topics a subscribe form sends, and mails a Russian reader in Russian', async () => {
    let now = T0.getTime();
    const { store, varDir, app } = setup(() => {
      now += 60_000;
      return new Date(now);
    });
    const res = await app.request(
      '/subscribe',
      post([
        ['email', 'reader@example.org'],
        ['language', 'ru'],
        ['topics', 'training'],
        ['topics', 'kazakhstan'],
      ]),
      from('192.0.2.10'),
    );
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<html lang="ru">');
    expect(page).toContain('<h1>Проверьте почту</h1>');
    const row = await rowOf(store, 'reader@example.org');
    expect(row).toMatchObject({ state: 'pending', language: 'ru', topics: '["kazakhstan","training"]' });

    const [mail] = await mails(varDir);
    expect(mail!.subject).toBe('Подтвердите подписку на CARICC News');
    expect(mail!.text).toContain('Здравствуйте!');
    expect(mail!.text).toContain('Ссылка действует 7 дней.');
    expect(mail!.text).toMatch(/https:\/\/caricc\.example\/confirm\?token=/);
    expect(mail!.text).toMatch(/https:\/\/caricc\.example\/preferences\?token=[A-Za-z0-9_-]+/);
    expect(mail!.html).toContain('<html lang="ru">');
    expect(mail!.html).toContain('Настройки подписки');

    // asking again before confirming changes the choice; with no topics ticked, everything
    await app.request(
      '/subscribe',
      post([
        ['email', 'reader@example.org'],
        ['language', 'en'],
      ]),
      from('192.0.2.10'),
    );
    expect(await rowOf(store, 'reader@example.org')).toMatchObject({ language: null, topics: null });
    const second = (await mails(varDir))[1]!;
    expect(second.subject).toBe('Confirm your subscription to CARICC News');
    expect(second.text).toContain('The link works for 7 days.');
  });

  it('tells an active Russian reader in Russian that they are subscribed already, and changes nothing', async () => {
    const { store, varDir, subscriptions, app } = setup();
    await subscriptions.add('known@example.org', { language: 'ru', topics: ['training'] });
    const res = await app.request(
      '/subscribe',
      post([
        ['email', 'known@example.org'],
        ['language', 'en'],
      ]),
      from('192.0.2.16'),
    );
    expect(res.status).toBe(200);
    expect(await rowOf(store, 'known@example.org')).toMatchObject({
      state: 'active',
      language: 'ru',
      topics: '["training"]',
    });
    const [mail] = await mails(varDir);
    expect(mail!.subject).toBe('Вы уже подписаны на CARICC News');
    expect(mail!.text).toContain('Этот адрес уже получает его, так что ничего не меняется.');
    expect(mail!.text).toMatch(/https:\/\/caricc\.example\/unsubscribe\?token=/);
    expect(mail!.text).toMatch(/https:\/\/caricc\.example\/preferences\?token=/);
  });

  it('refuses an unknown language or topic with a 400 naming the field, and stores nothing', async () => {
    const { store, varDir, app } = setup();
    const badLanguage = await app.request(
      '/subscribe',
      post([
        ['email', 'a@example.org'],
        ['language', 'kk'],
      ]),
      from('192.0.2.11'),
    );
    expect(badLanguage.status).toBe(400);
    expect(await badLanguage.text()).toContain('language: “kk” is not one of the languages of this site (en, ru).');
    const badTopic = await app.request(
      '/subscribe',
      post([
        ['email', 'a@example.org'],
        ['language', 'ru'],
        ['topics', 'kazakhstan'],
        ['topics', 'weather'],
      ]),
      from('192.0.2.11'),
    );
    expect(badTopic.status).toBe(400);
    const text = await badTopic.text();
    expect(text).toContain('<html lang="ru">');
    expect(text).toContain(
      'topics: «weather» не входит в темы этого сайта (kazakhstan, kyrgyzstan, operations, training).',
    );
    expect(await rowOf(store, 'a@example.org')).toBeUndefined();
    expect(await mails(varDir)).toEqual([]);
  });

  it('shows the preference page on GET and changes nothing; forged, altered and other links are refused', async () => {
    const { store, subscriptions, app } = setup();
    const { subscriber } = await subscriptions.add('kept@example.org');
    const before = await rowOf(store, 'kept@example.org');
    const url = new URL(subscriptions.preferencesUrl(subscriber));
    for (let i = 0; i < 2; i++) {
      const res = await app.request(url.pathname + url.search);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const html = await res.text();
      expect(html).toContain('<h1>Your subscription</h1>');
      expect(html).toContain('<strong>kept@example.org</strong>');
      expect(html).toContain('<option value="ru" lang="ru">Русский</option>');
      expect(html).toContain('value="*" checked> Everything');
      expect(html).toContain('<option value="2">2 weeks</option>');
      expect(html).toContain(`name="token" value="${url.searchParams.get('token')}"`);
    }
    expect(await rowOf(store, 'kept@example.org')).toEqual(before);
    // valid HTML5; checkboxes that share the name `topics` are HTML's own way of sending several values,
    // which html-validate's preset flags as a matter of taste only
    const problems = async (html: string, name: string) =>
      (await validateHtml(html, name)).filter(
        (p) => !(p.rule === 'form-dup-name' && p.message === 'Duplicate form control name "topics"'),
      );
    const shown = await (await app.request(url.pathname + url.search)).text();
    expect(await problems(shown, 'preferences.html')).toEqual([]);
    const subscribe = await (await app.request('/subscribe')).text();
    expect(subscribe).toContain('<select id="subscribe-language" name="language">');
    expect(await problems(subscribe, 'subscribe.html')).toEqual([]);

    const token = url.searchParams.get('token')!;
    const altered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const unsubscribeToken = new URL(subscriptions.unsubscribeUrl(subscriber)).searchParams.get('token')!;
    const otherKey = signToken(
      { purpose: 'preferences', subscriberId: subscriber.id, expiresAt: null },
      'x@y.z',
      SECRET,
    );
    for (const bad of ['forged', altered, unsubscribeToken, otherKey]) {
      const res = await app.request(`/preferences?token=${encodeURIComponent(bad)}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('This link to your subscription settings is not valid.');
      const change = await app.request(
        '/preferences',
        post([
          ['token', bad],
          ['action', 'pause'],
          ['weeks', '2'],
        ]),
        from('192.0.2.12'),
      );
      expect(change.status).toBe(400);
    }
    const none = await app.request('/preferences', post([['action', 'unsubscribe']]), from('192.0.2.12'));
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('it carries no token');
    expect(await rowOf(store, 'kept@example.org')).toEqual(before);

    // a removed subscriber's link is no longer valid
    await subscriptions.remove('kept@example.org');
    expect((await app.request(url.pathname + url.search)).status).toBe(400);
  });

  it('saves language and topics, pauses, resumes, unsubscribes by POST; the page follows the language', async () => {
    const { store, subscriptions, app } = setup();
    const { subscriber } = await subscriptions.add('reader@example.org');
    const token = new URL(subscriptions.preferencesUrl(subscriber)).searchParams.get('token')!;

    const saved = await app.request(
      '/preferences',
      post([
        ['token', token],
        ['action', 'save'],
        ['language', 'ru'],
        ['topics', 'operations'],
        ['topics', 'kyrgyzstan'],
      ]),
      from('192.0.2.13'),
    );
    expect(saved.status).toBe(200);
    const html = await saved.text();
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('<p class="notice" role="status">Ваш выбор сохранён.</p>');
    expect(html).toContain('<option value="ru" lang="ru" selected>Русский</option>');
    expect(html).toContain('value="operations" checked> Операции');
    expect(await rowOf(store, 'reader@example.org')).toMatchObject({
      language: 'ru',
      topics: '["kyrgyzstan","operations"]',
      paused_until: null,
    });

    const bad = await app.request(
      '/preferences',
      post([
        ['token', token],
        ['action', 'save'],
        ['topics', 'weather'],
      ]),
      from('192.0.2.13'),
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('topics: «weather»');
    expect(await rowOf(store, 'reader@example.org')).toMatchObject({ topics: '["kyrgyzstan","operations"]' });

    const paused = await app.request(
      '/preferences',
      post([
        ['token', token],
        ['action', 'pause'],
        ['weeks', '2'],
      ]),
      from('192.0.2.13'),
    );
    const until = T0.getTime() + 14 * 86_400_000;
    expect(await rowOf(store, 'reader@example.org')).toMatchObject({ paused_until: until });
    const pausedHtml = await paused.text();
    expect(pausedHtml).toContain('Дайджест приостановлен до 14 декабря 2026.');
    expect(pausedHtml).toContain('Возобновить сейчас');
    const odd = await app.request(
      '/preferences',
      post([
        ['token', token],
        ['action', 'pause'],
        ['weeks', '3'],
      ]),
      from('192.0.2.13'),
    );
    expect(odd.status).toBe(400);
    expect(await rowOf(store, 'reader@example.org')).toMatchObject({ paused_until: until });

    await app.request(
      '/preferences',
      post([
        ['token', token],
        ['action', 'resume'],
      ]),
      from('192.0.2.13'),
    );
    expect(await rowOf(store, 'reader@example.org')).toMatchObject({ paused_until: null, state: 'active' });

    const everything = await app.request(
      '/preferences',
      post([
        ['token', token],
        ['language', 'en'],
        ['topics', '*'],
        ['topics', 'training'],
      ]),
      from('192.0.2.13'),
    );
    expect(await everything.text()).toContain('Your choices are saved.');
    expect(await rowOf(store, 'reader@example.org')).toMatchObject({ language: null, topics: null });

    const left = await app.request(
      '/preferences',
      post([
        ['token', token],
        ['action', 'unsubscribe'],
      ]),
      from('192.0.2.13'),
    );
    expect(await left.text()).toContain('<h1>You are unsubscribed</h1>');
    expect(await rowOf(store, 'reader@example.org')).toMatchObject({ state: 'unsubscribed' });
  });

  it('limits POST /preferences per client address and refuses a body over the limit', async () => {
    const { subscriptions, store } = setup();
    const app = appFor(fixturePublic, {
      subscriptions,
      now: () => T0.getTime(),
      preferencesRateLimit: { limit: 2, windowMs: 60_000 },
      maxBodyBytes: 1024,
    });
    const { subscriber } = await subscriptions.add('busy@example.org');
    const token = new URL(subscriptions.preferencesUrl(subscriber)).searchParams.get('token')!;
    const pause = post([
      ['token', token],
      ['action', 'pause'],
      ['weeks', '1'],
    ]);
    expect((await app.request('/preferences', pause, from('192.0.2.14'))).status).toBe(200);
    expect((await app.request('/preferences', pause, from('192.0.2.14'))).status).toBe(200);
    const third = await app.request(
      '/preferences',
      post([
        ['token', token],
        ['action', 'resume'],
      ]),
      from('192.0.2.14'),
    );
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).not.toBeNull();
    expect(await rowOf(store, 'busy@example.org')).not.toMatchObject({ paused_until: null });
    const big = await app.request(
      '/preferences',
      post([
        ['token', token],
        ['action', 'resume'],
        ['pad', 'x'.repeat(4096)],
      ]),
      from('192.0.2.15'),
    );
    expect(big.status).toBe(413);
    expect(await rowOf(store, 'busy@example.org')).not.toMatchObject({ paused_until: null });
  });

  it('limits GET /preferences per client address, forged links counted too', async () => {
    const { subscriptions } = setup();
    const app = appFor(fixturePublic, {
      subscriptions,
      now: () => T0.getTime(),
      preferencesViewRateLimit: { limit: 2, windowMs: 60_000 },
    });
    const { subscriber } = await subscriptions.add('viewer@example.org');
    const link = new URL(subscriptions.preferencesUrl(subscriber));
    const own = link.pathname + link.search;
    expect((await app.request(own, {}, from('192.0.2.21'))).status).toBe(200);
    expect((await app.request('/preferences?token=forged', {}, from('192.0.2.21'))).status).toBe(400);
    const third = await app.request(own, {}, from('192.0.2.21'));
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).not.toBeNull();
    // another address has its own allowance
    expect((await app.request(own, {}, from('192.0.2.22'))).status).toBe(200);
  });

  it('writes the confirm and unsubscribe pages in the language of the reader the link names', async () => {
    const { subscriptions, app } = setup();
    await subscriptions.subscribe('ru@example.org', { language: 'ru' });
    const { subscriber } = await subscriptions.add('ru@example.org', { state: 'pending' });
    const ask = new URL(subscriptions.confirmUrl(subscriber));
    const res = await app.request(ask.pathname + ask.search);
    const html = await res.text();
    expect(html).toContain('<html lang="ru">');
    expect(html).toContain('<h1>Подтвердите подписку</h1>');
    const leave = new URL(subscriptions.unsubscribeUrl(subscriber));
    const done = await app.request(leave.pathname + leave.search, { method: 'POST' });
    expect(await done.text()).toContain('<h1>Вы отписаны</h1>');

    // an expired link of theirs is refused in Russian; a forged one naming them tells nothing, in the default
    const expired = signToken(
      { purpose: 'confirm', subscriberId: subscriber.id, expiresAt: T0.getTime() - 1000 },
      'ru@example.org',
      SECRET,
    );
    const old = await (await app.request(`/confirm?token=${expired}`)).text();
    expect(old).toContain('<h1>Срок действия ссылки истёк</h1>');
    const forged = signToken(
      { purpose: 'confirm', subscriberId: subscriber.id, expiresAt: T0.getTime() + 1e6 },
      'ru@example.org',
      'another-secret-0123456789',
    );
    const refused = await (await app.request(`/confirm?token=${forged}`)).text();
    expect(refused).toContain('<html lang="en">');
    expect(refused).toContain('<h1>Link not valid</h1>');
  });
});
