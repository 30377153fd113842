// Subscribe, confirm and unsubscribe over HTTP, on a real database with the real subscription service and outbox.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { createMailer } from '../../src/mail/index.ts';
import type { Store } from '../../src/store/index.ts';
import { createSubscriptionService, type SubscriptionService } from '../../src/subscribers/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { appFor, fixturePublic } from './support.ts';

const SECRET = 'server-test-secret-0123456789';
const T0 = new Date('2026-11-30T04:00:00Z');

function serviceFor(store: Store, varDir: string, now: () => Date = () => T0): SubscriptionService {
  return createSubscriptionService({
    store,
    mailer: createMailer({ smtpUrl: undefined, outboxDir: path.join(varDir, 'outbox') }),
    site: { title: 'CARICC News', url: 'https://caricc.org/' },
    from: { name: 'CARICC News', address: 'news@caricc.org' },
    secret: SECRET,
    now,
  });
}

/** As the Node listener passes a request: with the socket's address. */
const from = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

async function stateOf(store: Store, email: string): Promise<string | undefined> {
  const row = await store.db
    .selectFrom('subscribers')
    .select('state')
    .where('email_key', '=', email.toLowerCase())
    .executeTakeFirst();
  return row?.state;
}

async function subscriberId(store: Store, email: string): Promise<number> {
  const row = await store.db
    .selectFrom('subscribers')
    .select('id')
    .where('email_key', '=', email.toLowerCase())
    .executeTakeFirstOrThrow();
  return row.id;
}

function expectNoStackTrace(html: string): void {
  expect(html).not.toMatch(/\bat .+\(.+:\d+:\d+\)/);
  expect(html).not.toContain('TokenError');
  expect(html).not.toContain('node_modules');
}

describe.each(testDialects())('subscription pages on %s', (dialect) => {
  const db = useTestStore(dialect);

  function setup(options: { now?: () => Date } = {}) {
    const { store, varDir } = db();
    const subscriptions = serviceFor(store, varDir, options.now);
    const app = appFor(fixturePublic, { subscriptions, now: () => T0.getTime() });
    return { store, varDir, subscriptions, app };
  }

  it('subscribes a new address as pending and mails a link that confirms it', async () => {
    const { store, varDir, app } = setup();
    const res = await app.request('/subscribe', form({ email: 'reader@example.org' }), from('192.0.2.10'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toContain('<h1>Check your inbox</h1>');
    expect(await stateOf(store, 'reader@example.org')).toBe('pending');

    const outbox = path.join(varDir, 'outbox', 'subscriptions');
    const [file] = await readdir(outbox);
    const mail = await simpleParser(await readFile(path.join(outbox, file!)));
    const link = new URL(/https:\/\/caricc\.org\/confirm\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')![0]);
    const confirmed = await app.request(link.pathname + link.search, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('reader@example.org will receive the weekly digest');
    expect(await stateOf(store, 'reader@example.org')).toBe('active');
  });

  it('only asks on GET and HEAD /confirm (a link preview confirms nothing), and confirms on POST', async () => {
    const { store, subscriptions, app } = setup();
    await app.request('/subscribe', form({ email: 'scanned@example.org' }), from('192.0.2.15'));
    const id = await subscriberId(store, 'scanned@example.org');
    const url = new URL(subscriptions.confirmUrl({ id, email: 'scanned@example.org' }));
    const target = url.pathname + url.search;

    for (let i = 0; i < 3; i++) {
      const ask = await app.request(target);
      expect(ask.status).toBe(200);
      expect(ask.headers.get('cache-control')).toBe('no-store');
      const html = await ask.text();
      expect(html).toContain('<h1>Confirm your subscription</h1>');
      expect(html).toContain('<strong>scanned@example.org</strong>');
      expect(html).toContain(`<form class="confirm-form" method="post" action="${target.replace(/&/g, '&amp;')}">`);
      expect(html).toContain('<button type="submit">Confirm your subscription</button>');
    }
    const head = await app.request(target, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await stateOf(store, 'scanned@example.org')).toBe('pending');

    const done = await app.request(target, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('scanned@example.org will receive the weekly digest');
    expect(await stateOf(store, 'scanned@example.org')).toBe('active');
    // the token may also come in the form body; confirming again is fine
    const again = await app.request('/confirm', form({ token: url.searchParams.get('token')! }));
    expect(again.status).toBe(200);
    expect((await app.request('/confirm', { method: 'POST' })).status).toBe(400);
    expect((await app.request('/confirm?token=forged', { method: 'POST' })).status).toBe(400);
  });

  it('answers an already active address exactly as a new one', async () => {
    const { store, subscriptions, app } = setup();
    await subscriptions.add('known@example.org', { state: 'active' });
    const known = await app.request('/subscribe', form({ email: 'known@example.org' }), from('192.0.2.11'));
    const fresh = await app.request('/subscribe', form({ email: 'new@example.org' }), from('192.0.2.11'));
    expect(known.status).toBe(fresh.status);
    expect(await known.text()).toBe(await fresh.text());
    expect(await stateOf(store, 'known@example.org')).toBe('active');
  });

  it('answers an invalid address with a 400 page that shows it escaped', async () => {
    const { store, app } = setup();
    const res = await app.request('/subscribe', form({ email: '<b>not-an-address' }), from('192.0.2.12'));
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('&lt;b&gt;not-an-address');
    expect(html).not.toContain('<b>not');
    expectNoStackTrace(html);
    expect((await app.request('/subscribe', form({}), from('192.0.2.12'))).status).toBe(400);
    const rows = await store.db.selectFrom('subscribers').select('id').execute();
    expect(rows).toHaveLength(0);
  });

  it('refuses a forged, an altered and an expired confirm token with a clear 400 page', async () => {
    const { store, subscriptions, app } = setup();
    await app.request('/subscribe', form({ email: 'late@example.org' }), from('192.0.2.13'));
    const id = await subscriberId(store, 'late@example.org');
    const good = new URL(subscriptions.confirmUrl({ id, email: 'late@example.org' }));
    const token = good.searchParams.get('token')!;

    const forged = await app.request('/confirm?token=AQEAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(forged.status).toBe(400);
    const forgedHtml = await forged.text();
    expect(forgedHtml).toContain('This confirmation link is not valid');
    expectNoStackTrace(forgedHtml);

    const altered = token.slice(0, -2) + (token.endsWith('AA') ? 'BA' : 'AA');
    expect((await app.request(`/confirm?token=${altered}`)).status).toBe(400);
    expect((await app.request('/confirm')).status).toBe(400);
    expect((await app.request('/confirm?token=%3Cscript%3E')).status).toBe(400);

    const eightDaysLater = setup({ now: () => new Date(T0.getTime() + 8 * 86_400_000) }).app;
    const expired = await eightDaysLater.request(`/confirm?token=${token}`);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('This confirmation link has expired');
    expect(await stateOf(store, 'late@example.org')).toBe('pending');
  });

  it('only asks on GET /unsubscribe, and unsubscribes on POST', async () => {
    const { store, subscriptions, app } = setup();
    const { subscriber } = await subscriptions.add('leaving@example.org', { state: 'active' });
    const url = new URL(subscriptions.unsubscribeUrl({ id: subscriber.id, email: subscriber.email }));
    const target = url.pathname + url.search;

    for (let i = 0; i < 3; i++) {
      const ask = await app.request(target);
      expect(ask.status).toBe(200);
      const html = await ask.text();
      expect(html).toContain('<strong>leaving@example.org</strong>');
      expect(html).toContain(`<form class="unsubscribe-form" method="post" action="${target.replace(/&/g, '&amp;')}">`);
    }
    const head = await app.request(target, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await stateOf(store, 'leaving@example.org')).toBe('active');

    const done = await app.request(target, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('leaving@example.org will receive no more digests');
    expect(await stateOf(store, 'leaving@example.org')).toBe('unsubscribed');
  });

  it('unsubscribes at once on an RFC 8058 one-click POST', async () => {
    const { store, subscriptions, app } = setup();
    const { subscriber } = await subscriptions.add('oneclick@example.org', { state: 'active' });
    const url = new URL(subscriptions.unsubscribeUrl({ id: subscriber.id, email: subscriber.email }));
    const res = await app.request(url.pathname + url.search, form({ 'List-Unsubscribe': 'One-Click' }));
    expect(res.status).toBe(200);
    expect(await stateOf(store, 'oneclick@example.org')).toBe('unsubscribed');
    // and again: still fine
    expect((await app.request(url.pathname + url.search, form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(200);
  });

  it('refuses a forged unsubscribe token on GET and POST without touching anyone', async () => {
    const { store, subscriptions, app } = setup();
    const { subscriber } = await subscriptions.add('stays@example.org', { state: 'active' });
    const confirmToken = new URL(
      subscriptions.confirmUrl({ id: subscriber.id, email: subscriber.email }),
    ).searchParams.get('token')!;
    // a genuine token of the wrong purpose is as good as forged
    for (const token of [confirmToken, 'forged']) {
      const get = await app.request(`/unsubscribe?token=${token}`);
      expect(get.status).toBe(400);
      expectNoStackTrace(await get.text());
      const post = await app.request(`/unsubscribe?token=${token}`, form({ 'List-Unsubscribe': 'One-Click' }));
      expect(post.status).toBe(400);
    }
    expect((await app.request('/unsubscribe')).status).toBe(400);
    expect(await stateOf(store, 'stays@example.org')).toBe('active');
  });

  it('refuses a body over the limit with 413', async () => {
    const { store, app } = setup();
    const big = form({ email: 'big@example.org', padding: 'x'.repeat(20 * 1024) });
    const res = await app.request('/subscribe', big, from('192.0.2.14'));
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('Request too large');
    expect(await stateOf(store, 'big@example.org')).toBeUndefined();
    // also when the client does not say how long the body is
    const chunked = await app.request(
      '/unsubscribe?token=x',
      { method: 'POST', body: new Blob(['y'.repeat(20 * 1024)]).stream(), duplex: 'half' } as RequestInit,
      from('192.0.2.14'),
    );
    expect(chunked.status).toBe(413);
  });

  it(
    'allows five subscribe requests per client address per ten minutes, ' + 'then answers 429 with Retry-After',
    async () => {
      const { store, varDir } = setup();
      let now = T0.getTime();
      const app = appFor(fixturePublic, { subscriptions: serviceFor(store, varDir), now: () => now });
      for (let i = 0; i < 5; i++) {
        // a forged X-Forwarded-For does not buy more attempts when no proxy is trusted
        const init = form({ email: `r${i}@example.org` });
        const res = await app.request(
          '/subscribe',
          { ...init, headers: { ...init.headers, 'x-forwarded-for': `198.51.100.${i}` } },
          from('203.0.113.5'),
        );
        expect(res.status).toBe(200);
      }
      const refused = await app.request('/subscribe', form({ email: 'r5@example.org' }), from('203.0.113.5'));
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('600');
      expect(await refused.text()).toContain('Too many attempts');
      expect(await stateOf(store, 'r5@example.org')).toBeUndefined();

      expect((await app.request('/subscribe', form({ email: 'other@example.org' }), from('203.0.113.6'))).status).toBe(
        200,
      );
      now += 10 * 60_000 + 1;
      expect((await app.request('/subscribe', form({ email: 'r5@example.org' }), from('203.0.113.5'))).status).toBe(
        200,
      );
    },
  );

  it('counts clients by X-Forwarded-For when told to trust one proxy', async () => {
    const { store, varDir } = setup();
    const app = appFor(fixturePublic, {
      subscriptions: serviceFor(store, varDir),
      now: () => T0.getTime(),
      trustedProxies: 1,
      subscribeRateLimit: { limit: 1, windowMs: 60_000 },
    });
    const send = (client: string) => {
      const init = form({ email: 'proxied@example.org' });
      return app.request(
        '/subscribe',
        { ...init, headers: { ...init.headers, 'x-forwarded-for': client } },
        from('10.0.0.1'),
      );
    };
    expect((await send('198.51.100.1')).status).toBe(200);
    expect((await send('198.51.100.2')).status).toBe(200);
    expect((await send('198.51.100.1')).status).toBe(429);
  });
});
