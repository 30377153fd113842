// deploy/nginx.conf in front of a real `gazette start` run with deploy/gazette.service's arguments: the feeds keep
// their types, ETags and 304s come through, every reader keeps a rate limit of their own, /admin reaches gazette.
// Needs Debian's nginx-light and openssl (scripts/install-system-deps.sh).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/imap-server.ts';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process.ts';
import { configOffSchedule, itemFile } from '../worker/support.ts';
import { httpsRequest, startDeployNginx, unitStartArgs, type RunningNginx } from './support.ts';

const ADMIN_TOKEN = 'deploy-nginx-admin-token-0123456789';

describe('deploy/nginx.conf in front of gazette start', { timeout: 120_000 }, () => {
  let root: string;
  let worker: WorkerProcess;
  let nginx: RunningNginx;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gazette-deploy-nginx-'));
    await writeFile(path.join(root, 'gazette.yaml'), await configOffSchedule());
    await mkdir(path.join(root, 'content'));
    await writeFile(path.join(root, 'content/first.md'), itemFile('First item', new Date(Date.now() - 86_400_000)));
    const upstream = await freePort();
    worker = startWorkerProcess({
      cwd: root,
      env: { PORT: String(upstream), GAZETTE_SECRET: 'deploy-nginx-secret-0123456789abcdef', ADMIN_TOKEN },
      args: await unitStartArgs(),
    });
    await worker.url;
    nginx = await startDeployNginx(root, { https: await freePort(), http: await freePort(), upstream });
  });
  afterAll(async () => {
    nginx?.stop();
    await worker?.stop('SIGTERM').catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('runs the worker with the unit arguments: loopback only, one proxy hop trusted', async () => {
    expect(await unitStartArgs()).toEqual(expect.arrayContaining(['--host', '127.0.0.1', '--trust-proxy', '1']));
    expect(worker.stdout()).toContain('gazette worker listening on 127.0.0.1, port');
  });

  it('serves the feeds with their own content types', async () => {
    const types = await Promise.all(
      ['/feed.xml', '/atom.xml', '/feed.json'].map(async (p) => (await httpsRequest(nginx.https, { path: p })).headers),
    );
    expect(types.map((h) => h['content-type'])).toEqual([
      'application/rss+xml; charset=utf-8',
      'application/atom+xml; charset=utf-8',
      'application/feed+json; charset=utf-8',
    ]);
    const feed = await httpsRequest(nginx.https, { path: '/feed.xml' });
    expect(feed.status).toBe(200);
    expect(feed.body.toString()).toContain('First item');
  });

  it('passes a conditional GET through: the ETag stays strong and comes back as 304, compressed or not', async () => {
    for (const encoding of ['identity', 'gzip']) {
      const headers = { 'accept-encoding': encoding };
      const first = await httpsRequest(nginx.https, { path: '/feed.xml', headers });
      expect(first.status).toBe(200);
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^"/);
      expect(first.headers['last-modified']).toBeTruthy();
      if (encoding === 'gzip') {
        expect(first.headers['content-encoding']).toBe('gzip');
        expect(gunzipSync(first.body).toString()).toContain('First item');
      }
      const again = await httpsRequest(nginx.https, {
        path: '/feed.xml',
        headers: { ...headers, 'if-none-match': etag },
      });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers.etag).toBe(etag);
      const since = await httpsRequest(nginx.https, {
        path: '/feed.xml',
        headers: { ...headers, 'if-modified-since': String(first.headers['last-modified']) },
      });
      expect(since.status).toBe(304);
    }
  });

  it('keeps readers apart: gazette rate-limits the address nginx forwards, not nginx itself', async () => {
    const subscribe = (from: string, email: string) =>
      httpsRequest(nginx.https, {
        path: '/subscribe',
        method: 'POST',
        from,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `email=${encodeURIComponent(email)}`,
      }).then((r) => r.status);
    const a: number[] = [];
    for (let i = 0; i < 6; i++) a.push(await subscribe('127.0.0.2', `a${i}@example.org`));
    expect(a.slice(0, 5).every((s) => s < 400)).toBe(true);
    expect(a[5]).toBe(429);
    expect(await subscribe('127.0.0.3', 'b@example.org')).toBeLessThan(400);
  });

  it('refuses a large body at the door, and lets a webhook through up to the limit gazette sets', async () => {
    const big = await httpsRequest(nginx.https, {
      path: '/subscribe',
      method: 'POST',
      from: '127.0.0.4',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=x%40example.org&pad=${'x'.repeat(40_000)}`,
    });
    expect(big.status).toBe(413);
    // gazette answers (404: no provider configured), not nginx's 413
    const hook = await httpsRequest(nginx.https, {
      path: '/hooks/postmark',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(200_000) }),
    });
    expect(hook.status).toBe(404);
  });

  it('passes /admin through to the dashboard and the admin API', async () => {
    const admin = await httpsRequest(nginx.https, { path: '/admin' });
    expect(admin.status).toBe(303);
    expect(admin.headers.location).toBe('/admin/login');
    const page = await httpsRequest(nginx.https, { path: '/admin/login' });
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('ADMIN_TOKEN');
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const counts = await httpsRequest(nginx.https, {
      path: '/admin/api/subscribers/counts',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(counts.status).toBe(200);
    expect(JSON.parse(counts.body.toString())).toHaveProperty('pending');
  });

  it('sends plain http to https', async () => {
    const res = await new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      import('node:http')
        .then(({ request }) => {
          const req = request({ host: '127.0.0.1', port: nginx.http, path: '/feed.xml' }, (r) => {
            r.resume();
            resolve({ status: r.statusCode ?? 0, location: r.headers.location });
          });
          req.on('error', reject);
          req.end();
        })
        .catch(reject);
    });
    expect(res.status).toBe(301);
    expect(res.location).toMatch(/^https:\/\/127\.0\.0\.1(:\d+)?\/feed\.xml$/);
  });
});
