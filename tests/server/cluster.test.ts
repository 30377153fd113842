// `gazette serve --workers 2`: worker processes serve public/ and forward the rest to the one main process,
// so the application's state (here the subscribe rate limit) is shared, and clients keep their own address.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePublic, publishEditedBuild, tempSite, type TempSite } from './support.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request on a connection of its own (so successive requests land on different workers). */
function ask(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false, localAddress: options.localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const form = (email: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: `email=${encodeURIComponent(email)}`,
});

describe('serve --workers 2', () => {
  let temp: TempSite;
  let child: ChildProcess;
  let base: string;
  let output = '';

  beforeAll(async () => {
    temp = await tempSite({ symlinked: true });
    child = spawn(
      process.execPath,
      [
        path.join(repo, 'bin/gazette.js'),
        'serve',
        '--config',
        path.join(repo, 'gazette.yaml'),
        '--public',
        temp.publicDir,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--workers',
        '2',
      ],
      // var/ (database, outbox) goes under the temporary folder
      {
        cwd: temp.dir,
        env: {
          ...process.env,
          ADMIN_TOKEN: 'cluster-test-token-0123456789',
          SMTP_URL: '',
          DATABASE_URL: '',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString('utf8')));
    base = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = / at (http:\/\/\S+)\n/.exec(output);
        if (m) {
          clearInterval(timer);
          resolve(m[1]!);
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`serve exited (${child.exitCode}): ${output}`));
        }
      }, 50);
    });
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    await temp.cleanup();
  });

  it('serves files with their ETags, gzip and 304s from every worker', async () => {
    const original = await readFile(path.join(fixturePublic, 'feed.xml'));
    const tags = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await ask(new URL('/feed.xml', base).href, { headers: { 'accept-encoding': 'gzip' } });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(res.body).equals(original)).toBe(true);
      tags.add(String(res.headers.etag));
    }
    // both workers name the same bytes with the same tag
    expect(tags.size).toBe(1);
    const [tag] = [...tags];
    for (let i = 0; i < 4; i++) {
      const res = await ask(new URL('/feed.xml', base).href, {
        headers: { 'accept-encoding': 'gzip', 'if-none-match': tag! },
      });
      expect(res.status).toBe(304);
      expect(res.body.length).toBe(0);
    }
    const head = await ask(new URL('/feed.json', base).href, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect((await ask(new URL('/%2e%2e/secret.txt', base).href)).status).toBe(404);
  });

  it('passes the application routes to the main process', async () => {
    const health = await ask(new URL('/healthz', base).href);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body.toString('utf8'))).toEqual({ status: 'ok' });
    const counts = await ask(new URL('/admin/api/subscribers/counts', base).href, {
      headers: { authorization: 'Bearer cluster-test-token-0123456789' },
    });
    expect(counts.status).toBe(200);
    expect(counts.headers['content-type']).toBe('application/json; charset=utf-8');
    const refused = await ask(new URL('/admin/api/subscribers/counts', base).href, {
      headers: { authorization: 'Bearer wrong' },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toContain('Bearer');
    const put = await ask(new URL('/feed.xml', base).href, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD');
  });

  it('keeps one subscribe rate limit for all workers, per client address', async () => {
    const url = new URL('/subscribe', base).href;
    // 5 per 10 minutes per client; with a limit per worker, two workers would let 10 through
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await ask(url, form(`reader${i}@example.org`))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    // another client address is counted apart: the workers pass on the address they saw
    const other = await ask(url, { ...form('another@example.org'), localAddress: '127.0.0.2' });
    expect(other.status).toBe(200);
  });

  it('serves a newly published build', async () => {
    const feed = await publishEditedBuild(temp, 'Meeting in Almaty', 'Meeting in Dushanbe');
    // every worker must see it: ask on fresh connections until several answers in a row are new
    const deadline = Date.now() + 10_000;
    let fresh = 0;
    while (fresh < 6) {
      const res = await ask(new URL('/feed.xml', base).href);
      fresh = res.body.toString('utf8') === feed ? fresh + 1 : 0;
      if (Date.now() > deadline) throw new Error('the new build was not served by every worker');
      if (fresh === 0) await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('stops on SIGTERM with status 0, the workers with it', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(ask(new URL('/feed.xml', base).href)).rejects.toThrow();
  }, 30_000);
});
