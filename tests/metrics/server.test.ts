// /metrics, /readyz and the request counts on the real application and listener, over a real database.
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, createReadiness } from '../../src/metrics/index.ts';
import { routeClass } from '../../src/metrics/http.ts';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { testDialects, useTestStore } from '../helpers/db.ts';
import { parseScrape } from '../helpers/prometheus.ts';
import { silentLogger } from '../../src/adapters/pino.ts';
import { appFor, fixturePublic } from '../server/support.ts';
import { addActiveSubscribers } from '../worker/support.ts';

const METRICS_TOKEN = 'metrics-token-with-enough-entropy-7';
const ADMIN_TOKEN = 'admin-token-with-enough-entropy-42';

describe('route classes', () => {
  it('names each kind of request', () => {
    expect(
      [
        '/',
        '/news/2026/seizure/',
        '/feed.xml',
        '/atom.xml',
        '/feed.json',
        '/tags/heroin/feed.xml',
        '/feeds/rss-1.xml',
        '/subscribe',
        '/confirm',
        '/unsubscribe',
        '/admin',
        '/admin/editions/3',
        '/admin/api/editions',
        '/administration.html',
        '/hooks/ses',
        '/metrics',
        '/healthz',
        '/readyz',
      ].map(routeClass),
    ).toEqual([
      'static',
      'static',
      'feed',
      'feed',
      'feed',
      'feed',
      'feed',
      'subscribe',
      'confirm',
      'unsubscribe',
      'admin',
      'admin',
      'api',
      'static',
      'hooks',
      'metrics',
      'other',
      'other',
    ]);
  });
});

describe.each(testDialects())('/metrics and /readyz on %s', (dialect) => {
  const db = useTestStore(dialect);
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const metricsFor = (now?: () => number) =>
    createMetrics({ store: db().store, logger: silentLogger(), processMetrics: false, ...(now ? { now } : {}) });

  it('answers 404 without METRICS_TOKEN, 401 without the token, and the exposition with it', async () => {
    const metrics = metricsFor();
    expect((await appFor(fixturePublic, { metrics }).request('/metrics')).status).toBe(404);
    const app = appFor(fixturePublic, { metrics, metricsToken: METRICS_TOKEN });
    const bare = await app.request('/metrics');
    expect(bare.status).toBe(401);
    expect(await bare.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'bearer token required' } });
    const wrong = await app.request('/metrics', {
      headers: { authorization: 'Bearer metrics-token-guessed-xxxxxxxx' },
    });
    expect(wrong.status).toBe(401);
    const ok = await app.request('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const scrape = parseScrape(await ok.text());
    expect(scrape.value('gazette_database_up')).toBe(1);
    expect(scrape.value('gazette_http_requests_total', { route: 'metrics', status: '401' })).toBe(2);
  });

  it('counts wrong tokens against the failure budget the admin API shares, per client', async () => {
    const app = appFor(fixturePublic, {
      metrics: metricsFor(),
      metricsToken: METRICS_TOKEN,
      adminToken: ADMIN_TOKEN,
      admin: { subscriberCounts: async () => ({ pending: 0, active: 0, unsubscribed: 0, bounced: 0 }) },
      adminFailureLimit: { limit: 3, windowMs: 60_000 },
      trustedProxies: 1,
    });
    const ask = (path: string, token: string, ip = '203.0.113.9') =>
      app.request(path, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': ip } });
    for (let i = 0; i < 3; i++) expect((await ask('/metrics', `guess-${i}-xxxxxxxxxxxxxxxxxxxxxx`)).status).toBe(401);
    const limited = await ask('/metrics', METRICS_TOKEN);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // the same budget: the admin API refuses this client too, even with its token
    expect((await ask('/admin/api/subscribers/counts', ADMIN_TOKEN)).status).toBe(429);
    // another client is not held back
    expect((await ask('/metrics', METRICS_TOKEN, '198.51.100.4')).status).toBe(200);
  });

  it("reads the database's figures at most once per 5 s however often it is scraped", async () => {
    let now = Date.parse('2026-11-30T04:00:00Z');
    const metrics = metricsFor(() => now);
    const subscribers = async () => parseScrape((await metrics.scrape()).body).by('gazette_subscribers', 'state');
    await addActiveSubscribers(db().store, 2, new Date(now));
    expect(await subscribers()).toEqual({ pending: 0, active: 2, unsubscribed: 0, bounced: 0 });
    await addActiveSubscribers(db().store, 1, new Date(now), 'example.net');
    now += 4_000;
    expect((await subscribers()).active).toBe(2);
    now += 1_000;
    expect((await subscribers()).active).toBe(3);
  });

  it('counts static files on the listener fast path, from disk and from memory, by class and status', async () => {
    const metrics = metricsFor();
    server = await startServer({
      publicDir: fixturePublic,
      site: { title: 'CARICC News', language: 'en' },
      metrics,
      metricsToken: METRICS_TOKEN,
      port: 0,
      hostname: '127.0.0.1',
    });
    for (let i = 0; i < 3; i++) expect((await fetch(new URL('feed.xml', server.url))).status).toBe(200);
    expect((await fetch(new URL('index.html', server.url))).status).toBe(200);
    expect((await fetch(new URL('no-such-page.html', server.url))).status).toBe(404);
    expect((await fetch(new URL('subscribe', server.url), { method: 'POST', body: '' })).status).toBe(503);
    const res = await fetch(new URL('metrics', server.url), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const scrape = parseScrape(await res.text());
    const requests = (labels: Record<string, string>) => scrape.value('gazette_http_requests_total', labels);
    expect(requests({ route: 'feed', status: '200' })).toBe(3);
    expect(requests({ route: 'static', status: '200' })).toBe(1);
    expect(requests({ route: 'static', status: '404' })).toBe(1);
    expect(requests({ route: 'subscribe', status: '503' })).toBe(1);
  });

  it('/readyz answers 503 with the reasons until a build is served and the database answers', async () => {
    let served = false;
    const { store } = db();
    const app = appFor(fixturePublic, { readiness: createReadiness({ store, buildServed: () => served }) });
    const notYet = await app.request('/readyz');
    expect(notYet.status).toBe(503);
    expect(await notYet.json()).toEqual({ status: 'not ready', reasons: ['no build served yet'] });
    served = true;
    const ready = await app.request('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    await store.close();
    const down = appFor(fixturePublic, { readiness: createReadiness({ store, buildServed: () => true }) });
    const res = await down.request('/readyz');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { reasons: string[] };
    expect(body.reasons).toEqual([expect.stringMatching(/^database not answering: /)]);
    expect((await appFor(fixturePublic).request('/readyz')).status).toBe(404);
  });
});
