// Serving public/: content types, directory URLs, conditional GETs, compression, HEAD, misses and escapes.
import { readFile, rename, rm, symlink, writeFile, cp, mkdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.ts';
import { createStaticFiles, type StaticRequest } from '../../src/server/static-files.ts';
import { appFor, bytes, fixturePublic, publishEditedBuild, site, tempSite, type TempSite } from './support.ts';

const fixture = (rel: string) => readFile(path.join(fixturePublic, rel));

describe('static files', () => {
  let temp: TempSite;
  let app: ReturnType<typeof appFor>;

  beforeAll(async () => {
    temp = await tempSite();
    app = appFor(temp.publicDir);
  });
  afterAll(() => temp.cleanup());

  it.each([
    ['/feed.xml', 'application/rss+xml; charset=utf-8'],
    ['/atom.xml', 'application/atom+xml; charset=utf-8'],
    ['/feed.json', 'application/feed+json; charset=utf-8'],
    ['/tags/%D0%BD%D0%B0%D1%80%D0%BA%D0%BE%D1%82%D0%B8%D0%BA%D0%B8/atom.xml', 'application/atom+xml; charset=utf-8'],
    ['/', 'text/html; charset=utf-8'],
    ['/index.html', 'text/html; charset=utf-8'],
    ['/news/meeting-in-almaty/', 'text/html; charset=utf-8'],
    ['/feed.xsl', 'application/xslt+xml; charset=utf-8'],
    ['/static/style.css', 'text/css; charset=utf-8'],
    ['/images/logo.png', 'image/png'],
  ])('serves %s as %s with its exact bytes', async (url, type) => {
    const res = await app.request(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    const rel = decodeURIComponent(url).replace(/\/$/, '/index.html').slice(1) || 'index.html';
    const expected = await fixture(rel);
    const body = await bytes(res);
    expect(body.equals(expected)).toBe(true);
    expect(res.headers.get('content-length')).toBe(String(expected.length));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('gives feeds and pages a short cache lifetime and assets a longer one', async () => {
    expect((await app.request('/feed.xml')).headers.get('cache-control')).toBe('public, max-age=300');
    expect((await app.request('/news/meeting-in-almaty/')).headers.get('cache-control')).toBe('public, max-age=300');
    expect((await app.request('/static/style.css')).headers.get('cache-control')).toBe('public, max-age=86400');
  });

  it('redirects a directory URL without its slash, keeping the query', async () => {
    const res = await app.request('/news/meeting-in-almaty?utm=feed');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/news/meeting-in-almaty/?utm=feed');
    const tag = await app.request('/tags/%D0%BD%D0%B0%D1%80%D0%BA%D0%BE%D1%82%D0%B8%D0%BA%D0%B8');
    expect(tag.status).toBe(301);
    expect(tag.headers.get('location')).toBe('/tags/%D0%BD%D0%B0%D1%80%D0%BA%D0%BE%D1%82%D0%B8%D0%BA%D0%B8/');
  });

  it('answers a miss with 404.html and status 404', async () => {
    const res = await app.request('/news/no-such-item/');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toBe((await fixture('404.html')).toString('utf8'));
    expect((await app.request('/feed.xml/')).status).toBe(404);
    expect((await app.request('/no-such-file.css')).status).toBe(404);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await app.request('/feed.xml', { headers: { 'accept-encoding': 'gzip' } });
    const head = await app.request('/feed.xml', { method: 'HEAD', headers: { 'accept-encoding': 'gzip' } });
    expect(head.status).toBe(200);
    for (const name of [
      'content-type',
      'content-length',
      'etag',
      'last-modified',
      'content-encoding',
      'vary',
      'cache-control',
    ]) {
      expect(head.headers.get(name), name).toBe(get.headers.get(name));
    }
    expect((await bytes(head)).length).toBe(0);
    const missing = await app.request('/nothing-here', { method: 'HEAD' });
    expect(missing.status).toBe(404);
    expect((await bytes(missing)).length).toBe(0);
  });

  it('refuses methods other than GET and HEAD on files', async () => {
    const res = await app.request('/feed.xml', { method: 'PUT', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  describe('conditional GET', () => {
    it('sends a strong ETag and Last-Modified, and 304 for a matching If-None-Match', async () => {
      const first = await app.request('/feed.xml');
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(first.headers.get('last-modified')).toMatch(/GMT$/);

      const again = await app.request('/feed.xml', { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(etag);
      expect(again.headers.get('cache-control')).toBe('public, max-age=300');
      expect((await bytes(again)).length).toBe(0);

      // weak comparison (RFC 9110 §13.1.2) and lists
      expect((await app.request('/feed.xml', { headers: { 'if-none-match': `W/${etag}` } })).status).toBe(304);
      expect((await app.request('/feed.xml', { headers: { 'if-none-match': `"other", ${etag}` } })).status).toBe(304);
      expect((await app.request('/feed.xml', { headers: { 'if-none-match': '*' } })).status).toBe(304);
      expect((await app.request('/feed.xml', { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    });

    it('answers 304 for If-Modified-Since at or after Last-Modified, 200 before it', async () => {
      const first = await app.request('/atom.xml');
      const lastModified = first.headers.get('last-modified')!;
      const res = await app.request('/atom.xml', { headers: { 'if-modified-since': lastModified } });
      expect(res.status).toBe(304);
      expect(res.headers.get('last-modified')).toBe(lastModified);
      const later = new Date(Date.parse(lastModified) + 3600_000).toUTCString();
      expect((await app.request('/atom.xml', { headers: { 'if-modified-since': later } })).status).toBe(304);
      const earlier = new Date(Date.parse(lastModified) - 3600_000).toUTCString();
      expect((await app.request('/atom.xml', { headers: { 'if-modified-since': earlier } })).status).toBe(200);
      expect((await app.request('/atom.xml', { headers: { 'if-modified-since': 'not a date' } })).status).toBe(200);
    });

    it('lets If-None-Match decide when both conditions are sent', async () => {
      const first = await app.request('/feed.json');
      const res = await app.request('/feed.json', {
        headers: { 'if-none-match': '"stale"', 'if-modified-since': first.headers.get('last-modified')! },
      });
      expect(res.status).toBe(200);
    });
  });

  describe('compression', () => {
    it('sends gzip, brotli or identity as Accept-Encoding and its q-values ask', async () => {
      const original = await fixture('feed.xml');
      const identity = await app.request('/feed.xml');
      expect(identity.headers.get('content-encoding')).toBeNull();
      expect(identity.headers.get('vary')).toBe('Accept, Sec-Fetch-Dest, Accept-Encoding');

      const gz = await app.request('/feed.xml', { headers: { 'accept-encoding': 'gzip' } });
      expect(gz.headers.get('content-encoding')).toBe('gzip');
      const gzBody = await bytes(gz);
      expect(gz.headers.get('content-length')).toBe(String(gzBody.length));
      expect(gzBody.length).toBeLessThan(original.length);
      expect(gunzipSync(gzBody).equals(original)).toBe(true);

      const br = await app.request('/feed.xml', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      expect(br.headers.get('content-encoding')).toBe('br');
      expect(br.headers.get('vary')).toBe('Accept, Sec-Fetch-Dest, Accept-Encoding');
      expect(brotliDecompressSync(await bytes(br)).equals(original)).toBe(true);

      const tags = new Set([identity.headers.get('etag'), gz.headers.get('etag'), br.headers.get('etag')]);
      expect(tags.size).toBe(3);

      expect(
        (await app.request('/feed.xml', { headers: { 'accept-encoding': 'br;q=0.5, gzip;q=0.8' } })).headers.get(
          'content-encoding',
        ),
      ).toBe('gzip');
      expect(
        (await app.request('/feed.xml', { headers: { 'accept-encoding': 'br;q=0, gzip;q=0' } })).headers.get(
          'content-encoding',
        ),
      ).toBeNull();
      expect(
        (await app.request('/feed.xml', { headers: { 'accept-encoding': 'identity' } })).headers.get(
          'content-encoding',
        ),
      ).toBeNull();
      expect(
        (await app.request('/feed.xml', { headers: { 'accept-encoding': '*' } })).headers.get('content-encoding'),
      ).toBe('br');
    });

    it('revalidates each encoding against its own ETag', async () => {
      const gz = await app.request('/atom.xml', { headers: { 'accept-encoding': 'gzip' } });
      const tag = gz.headers.get('etag')!;
      const again = await app.request('/atom.xml', { headers: { 'accept-encoding': 'gzip', 'if-none-match': tag } });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(tag);
      expect(again.headers.get('vary')).toBe('Accept, Sec-Fetch-Dest, Accept-Encoding');
      // the same tag does not stand for the identity bytes
      expect((await app.request('/atom.xml', { headers: { 'if-none-match': tag } })).status).toBe(200);
    });

    it('does not compress images', async () => {
      const res = await app.request('/images/logo.png', { headers: { 'accept-encoding': 'gzip, br' } });
      expect(res.headers.get('content-encoding')).toBeNull();
      expect(res.headers.get('vary')).toBeNull();
      expect((await bytes(res)).equals(await fixture('images/logo.png'))).toBe(true);
    });
  });

  describe('path safety', () => {
    it.each([
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/news/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/static/..%5c..%5csecret.txt',
      '/%2e%2e%5csecret.txt',
      '/feed.xml%00.html',
      '/%ff%fe',
      '//secret.txt',
      '/.git/config',
      '/../secret.txt',
      '/news/../../secret.txt',
    ])('answers 404 for %s', async (url) => {
      // as the Node listener passes it: the request target exactly as received, before any URL normalisation
      const res = await app.request(url, {}, { incoming: { url, headers: {} } });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('SECRET');
    });

    it('does not follow symlinks out of public/', async () => {
      await symlink(temp.secretFile, path.join(temp.publicDir, 'leak.txt'));
      await symlink(temp.dir, path.join(temp.publicDir, 'outside'));
      for (const url of ['/leak.txt', '/outside/secret.txt']) {
        const res = await app.request(url);
        expect(res.status, url).toBe(404);
        expect(await res.text()).not.toContain('SECRET');
      }
    });
  });

  it('streams files too large for the cache, with ETag and 304 still', async () => {
    const small = appFor(temp.publicDir, { staticFiles: { maxCachedFileBytes: 512 } });
    const original = await fixture('feed.xml');
    const res = await small.request('/feed.xml', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('content-length')).toBe(String(original.length));
    expect((await bytes(res)).equals(original)).toBe(true);
    const etag = res.headers.get('etag')!;
    expect(etag).toBe((await app.request('/feed.xml')).headers.get('etag'));
    expect((await small.request('/feed.xml', { headers: { 'if-none-match': etag } })).status).toBe(304);
  });
});

/** Asks for `url` until `done` holds for the answer (the cache looks at public/ again at most every revalidateMs). */
async function until(
  ask: () => Response | Promise<Response>,
  done: (res: Response, body: Buffer) => boolean,
  each?: (res: Response, body: Buffer) => void,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await ask();
    const body = await bytes(res);
    each?.(res, body);
    if (done(res, body)) return;
    if (Date.now() > deadline) throw new Error('the new build was never served');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a build swapped underneath', () => {
  // revalidateMs 0: the public folder is looked at on every request, so the swap shows at once.
  it('serves the new build when the public symlink is re-pointed, and the old ETag no longer matches', async () => {
    const temp = await tempSite({ symlinked: true });
    try {
      const app = appFor(temp.publicDir, { staticFiles: { revalidateMs: 0 } });
      const before = await app.request('/feed.xml');
      const oldTag = before.headers.get('etag')!;
      expect(await before.text()).toContain('Meeting in Almaty');

      // atomic re-point: a new symlink renamed over the old one
      const feed = await publishEditedBuild(temp, 'Meeting in Almaty', 'Meeting in Tashkent');

      const after = await app.request('/feed.xml', { headers: { 'if-none-match': oldTag } });
      expect(after.status).toBe(200);
      expect(await after.text()).toBe(feed);
      expect(after.headers.get('etag')).not.toBe(oldTag);
      const gz = await app.request('/feed.xml', { headers: { 'accept-encoding': 'gzip' } });
      expect(gunzipSync(await bytes(gz)).toString('utf8')).toBe(feed);
    } finally {
      await temp.cleanup();
    }
  });

  it('serves the new build when the public folder is replaced by rename', async () => {
    const temp = await tempSite();
    try {
      const app = appFor(temp.publicDir, { staticFiles: { revalidateMs: 0 } });
      const oldTag = (
        await app.request('/news/meeting-in-almaty/', { headers: { 'accept-encoding': 'br' } })
      ).headers.get('etag')!;

      const next = path.join(temp.dir, 'public.next');
      await mkdir(next);
      await cp(temp.publicDir, next, { recursive: true });
      const page = path.join(next, 'news', 'meeting-in-almaty', 'index.html');
      const html = (await readFile(page, 'utf8')).replace(
        '<h1>Meeting in Almaty</h1>',
        '<h1>Meeting in Almaty (updated)</h1>',
      );
      await writeFile(page, html);
      await rename(temp.publicDir, path.join(temp.dir, 'public.old'));
      await rename(next, temp.publicDir);

      const after = await app.request('/news/meeting-in-almaty/', {
        headers: { 'accept-encoding': 'br', 'if-none-match': oldTag },
      });
      expect(after.status).toBe(200);
      expect(brotliDecompressSync(await bytes(after)).toString('utf8')).toBe(html);
    } finally {
      await temp.cleanup();
    }
  });
});

describe('answers from memory', () => {
  it('serves the old build whole until it notices the new one, then only the new one', async () => {
    const temp = await tempSite({ symlinked: true });
    try {
      const app = appFor(temp.publicDir, { staticFiles: { revalidateMs: 50 } });
      const oldFeed = await fixture('feed.xml');
      const first = await app.request('/feed.xml', { headers: { 'accept-encoding': 'gzip' } });
      const oldTag = first.headers.get('etag')!;
      expect(gunzipSync(await bytes(first)).equals(oldFeed)).toBe(true);
      // answered from memory now
      expect(
        (await app.request('/feed.xml', { headers: { 'accept-encoding': 'gzip', 'if-none-match': oldTag } })).status,
      ).toBe(304);

      const next = path.join(temp.dir, 'builds', '2');
      await cp(path.join(temp.dir, 'builds', '1'), next, { recursive: true });
      const newFeed = Buffer.from(oldFeed.toString('utf8').replace('Meeting in Almaty', 'Meeting in Bishkek'));
      await writeFile(path.join(next, 'feed.xml'), newFeed);
      await symlink(path.join('builds', '2'), path.join(temp.dir, 'public.next'));
      await rename(path.join(temp.dir, 'public.next'), temp.publicDir);

      const tags = new Set<string>();
      await until(
        () => app.request('/feed.xml', { headers: { 'accept-encoding': 'gzip', 'if-none-match': oldTag } }),
        (res) => res.status === 200,
        (res, body) => {
          // never new bytes under the old tag, nor old bytes under a new one
          if (res.status === 304) expect(res.headers.get('etag')).toBe(oldTag);
          else {
            expect(res.status).toBe(200);
            expect(gunzipSync(body).equals(newFeed)).toBe(true);
            tags.add(res.headers.get('etag')!);
          }
        },
      );
      expect([...tags]).toHaveLength(1);
      expect(tags.has(oldTag)).toBe(false);
      // and from then on, every encoding comes from the new build
      expect((await bytes(await app.request('/feed.xml'))).equals(newFeed)).toBe(true);
      const br = await app.request('/feed.xml', { headers: { 'accept-encoding': 'br' } });
      expect(brotliDecompressSync(await bytes(br)).equals(newFeed)).toBe(true);
    } finally {
      await temp.cleanup();
    }
  });

  it('sees a file edited in place in a public folder gazette did not build', async () => {
    const temp = await tempSite();
    try {
      const app = appFor(temp.publicDir, { staticFiles: { revalidateMs: 50 } });
      const before = await app.request('/static/style.css');
      expect((await bytes(before)).equals(await fixture('static/style.css'))).toBe(true);
      const css = 'body { color: black }\n';
      await writeFile(path.join(temp.publicDir, 'static', 'style.css'), css);
      await until(
        () => app.request('/static/style.css'),
        (_res, body) => body.toString('utf8') === css,
      );
      const after = await app.request('/static/style.css');
      expect(after.headers.get('content-length')).toBe(String(css.length));
      expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    } finally {
      await temp.cleanup();
    }
  });

  it('serves a file replaced in place at once when told a build was published, not after revalidateMs', async () => {
    const temp = await tempSite();
    try {
      const files = createStaticFiles({ root: temp.publicDir, revalidateMs: 3_600_000 });
      const get: StaticRequest = {
        head: false,
        rawPath: '/feed.json',
        search: '',
        acceptEncoding: undefined,
        ifNoneMatch: undefined,
        ifModifiedSince: undefined,
      };
      const text = async (): Promise<string> =>
        Buffer.from((await files.respond(get)).body as Uint8Array).toString('utf8');
      const old = await text();
      // What the worker's in-place update does: a new file renamed over the old one.
      await writeFile(path.join(temp.publicDir, '.feed.json.tmp'), '{"version":"new"}\n');
      await rename(path.join(temp.publicDir, '.feed.json.tmp'), path.join(temp.publicDir, 'feed.json'));
      expect(await text()).toBe(old);
      files.refresh();
      expect(await text()).toBe('{"version":"new"}\n');
    } finally {
      await temp.cleanup();
    }
  });

  it('stops answering a file that was removed', async () => {
    const temp = await tempSite();
    try {
      const app = appFor(temp.publicDir, { staticFiles: { revalidateMs: 50 } });
      expect((await app.request('/feed.json')).status).toBe(200);
      await rm(path.join(temp.publicDir, 'feed.json'));
      await until(
        () => app.request('/feed.json'),
        (res) => res.status === 404,
      );
    } finally {
      await temp.cleanup();
    }
  });

  it('reads a file again once the memory budget has pushed it out', async () => {
    const temp = await tempSite();
    try {
      // room for about one file: each new one evicts the last
      const app = appFor(temp.publicDir, { staticFiles: { maxCacheBytes: 1 } });
      for (const url of ['/feed.xml', '/atom.xml', '/feed.json', '/feed.xml', '/atom.xml', '/feed.json']) {
        const res = await app.request(url, { headers: { 'accept-encoding': 'gzip' } });
        expect(res.status, url).toBe(200);
        expect(gunzipSync(await bytes(res)).equals(await fixture(url.slice(1))), url).toBe(true);
      }
    } finally {
      await temp.cleanup();
    }
  });
});

describe('over a real socket', () => {
  let temp: TempSite;
  let server: RunningServer;

  beforeAll(async () => {
    temp = await tempSite();
    server = await startServer({ publicDir: temp.publicDir, site, port: 0, hostname: '127.0.0.1' });
  });
  afterAll(async () => {
    await server.close();
    await temp.cleanup();
  });

  // fetch() would normalise the path; node:http sends it as written.
  function raw(
    pathname: string,
    headers: Record<string, string> = {},
    method = 'GET',
  ): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path: pathname, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it.each(['/../secret.txt', '/news/../../secret.txt', '/%2e%2e/secret.txt', '/static/%2e%2e/%2e%2e/secret.txt'])(
    'answers 404 for %s',
    async (p) => {
      const res = await raw(p);
      expect(res.status).toBe(404);
      expect(res.body.toString('utf8')).not.toContain('SECRET');
    },
  );

  it('serves compressed feeds with 304 revalidation', async () => {
    const first = await raw('/feed.xml', { 'accept-encoding': 'br' });
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(first.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(first.body).equals(await fixture('feed.xml'))).toBe(true);
    const again = await raw('/feed.xml', { 'accept-encoding': 'br', 'if-none-match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const head = await raw('/feed.json', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String((await fixture('feed.json')).length));
  });

  it('redirects directory URLs and serves Unicode paths', async () => {
    const redirect = await raw('/news/meeting-in-almaty');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/news/meeting-in-almaty/');
    const tag = await raw('/tags/%D0%BD%D0%B0%D1%80%D0%BA%D0%BE%D1%82%D0%B8%D0%BA%D0%B8/atom.xml');
    expect(tag.status).toBe(200);
    expect(tag.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(tag.body.equals(await fixture('tags/наркотики/atom.xml'))).toBe(true);
    const missing = await raw('/news/nothing/');
    expect(missing.status).toBe(404);
    expect(missing.body.equals(await fixture('404.html'))).toBe(true);
  });

  it('streams a file too large for the cache', async () => {
    const streaming = await startServer({
      publicDir: temp.publicDir,
      site,
      port: 0,
      hostname: '127.0.0.1',
      staticFiles: { maxCachedFileBytes: 256 },
    });
    try {
      const res = await fetch(new URL('/atom.xml', streaming.url));
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(await fixture('atom.xml'))).toBe(true);
      expect(res.headers.get('etag')).toMatch(/^"/);
    } finally {
      await streaming.close();
    }
  });

  it('answers GET /healthz', async () => {
    const res = await raw('/healthz');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ status: 'ok' });
  });
});
