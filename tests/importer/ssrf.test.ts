// import-feed is no SSRF: loopback, private and link-local targets are refused before any connection, on every
// redirect hop and after DNS; --allow-private opts in; a body over 20 MB is refused while it streams.
import { once } from 'node:events';
import { readFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { importFeed, publicAddressOnly, type AddressCheck } from '../../src/importer/index.ts';
import { gazetteAsync, repoRoot } from '../helpers/worker-process.ts';
// @ts-expect-error a plain ESM test guard without types
import { attempts } from './no-egress.mjs';

const guard = pathToFileURL(path.join(import.meta.dirname, 'no-egress.mjs')).href;
const rss = await readFile(path.join(repoRoot, 'tests/fixtures/importer/rss.xml'), 'utf8');

interface Served {
  server: http.Server;
  port: number;
  requests: string[];
}

async function serve(host: string, handler: http.RequestListener): Promise<Served> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  server.listen(0, host);
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port, requests };
}

let dir: string;
let feed: Served;
let target: Served;
let redirector: Served;
let big: Served;
let bigSent = 0;
const redirectTo = new Map<string, string>();

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-ssrf-'));
  feed = await serve('127.0.0.1', (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss),
  );
  // The redirect target is a second loopback address: private to the check, reachable by a connection.
  target = await serve('127.0.0.2', (_req, res) => res.end(rss));
  redirector = await serve('127.0.0.1', (req, res) =>
    res.writeHead(302, { location: redirectTo.get(req.url ?? '') ?? '/' }).end(),
  );
  big = await serve('127.0.0.1', (req, res) => {
    if (req.url === '/lying') {
      // Declares 300 MB; the declaration alone is refused.
      res.writeHead(200, { 'content-length': String(300 * 1024 * 1024) });
      res.write('<rss>');
      return;
    }
    // Streams up to 280 MB without a length, as fast as the reader takes it.
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const pump = (): void => {
      while (bigSent < 280 * 1024 * 1024 && !res.destroyed) {
        bigSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.once('close', () => res.destroy());
    pump();
  });
});

afterAll(async () => {
  for (const s of [feed, target, redirector, big]) s?.server.closeAllConnections();
  await Promise.all([feed, target, redirector, big].map((s) => s && new Promise((r) => s.server.close(r))));
  await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  gazetteAsync(dir, ['import-feed', ...args, '--config', path.join(repoRoot, 'gazette.yaml')], {
    NODE_OPTIONS: `--import=${guard}`,
  });

describe('the address policy', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.9', 'a loopback address'],
    ['0.0.0.0', 'an unspecified ("this network") address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'a link-local address'],
    ['100.64.0.1', 'a shared (CGNAT) address'],
    ['224.0.0.1', 'a multicast address'],
    ['255.255.255.255', 'a broadcast address'],
    ['::1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fc00::1', 'a unique-local address'],
    ['fd12:3456::1', 'a unique-local address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:127.0.0.1', 'a loopback address (IPv4 127.0.0.1 inside IPv6)'],
    ['::ffff:7f00:1', 'a loopback address (IPv4 127.0.0.1 inside IPv6)'],
    ['::ffff:a9fe:a9fe', 'a link-local address (IPv4 169.254.169.254 inside IPv6)'],
    ['64:ff9b::a01:203', 'a private address (IPv4 10.1.2.3 inside IPv6)'],
  ])('refuses %s as %s', (address, reason) => {
    expect(publicAddressOnly(address)).toBe(reason);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'lets public %s through',
    (address) => {
      expect(publicAddressOnly(address)).toBeUndefined();
    },
  );
});

describe('gazette import-feed refuses internal targets', { timeout: 120_000 }, () => {
  it('refuses loopback, private, link-local and a name resolving to loopback, connecting to none', async () => {
    const cases: [string, RegExp][] = [
      [`http://127.0.0.1:${feed.port}/feed.xml`, /refused: 127\.0\.0\.1 is a loopback address; --allow-private/],
      [`http://[::1]:${feed.port}/`, /refused: ::1 is a loopback address; --allow-private allows it/],
      ['http://10.1.2.3/', /refused: 10\.1\.2\.3 is a private address; --allow-private allows it/],
      [
        'http://169.254.169.254/latest/meta-data/',
        /refused: 169\.254\.169\.254 is a link-local address; --allow-private allows it/,
      ],
      [
        `http://localhost:${feed.port}/feed.xml`,
        /refused: localhost resolves to (127\.0\.0\.1|::1), which is a loopback/,
      ],
      [`http://[::ffff:127.0.0.1]:${feed.port}/`, /refused: ::ffff:7f00:1 is a loopback address \(IPv4 127\.0\.0\.1/],
      [`http://0.0.0.0:${feed.port}/`, /refused: 0\.0\.0\.0 is an unspecified/],
    ];
    const runs = await Promise.all(cases.map(([url]) => cli(url, '--out', path.join(dir, 'refused'))));
    for (const [i, run] of runs.entries()) {
      const [url, reason] = cases[i]!;
      expect(run.status, run.stderr).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(new URL(url).href);
      expect(lines[0]).toMatch(reason);
    }
    expect(feed.requests).toEqual([]);
    await expect(readdir(path.join(dir, 'refused'))).rejects.toThrow(/ENOENT/);
  });

  it('imports from a local server with --allow-private', async () => {
    const run = await cli(`http://127.0.0.1:${feed.port}/feed.xml`, '--allow-private', '--out', path.join(dir, 'ok'));
    expect(run.stderr).not.toMatch(/refused/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/: 2 created, 0 skipped/);
    expect(feed.requests).toEqual(['/feed.xml']);
  });

  it('refuses a feed over 20 MB in one line naming the URL and the limit', async () => {
    const url = `http://127.0.0.1:${big.port}/stream`;
    const run = await cli(url, '--allow-private', '--out', path.join(dir, 'big'));
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(`gazette: cannot fetch ${url}: the feed is larger than the 20 MB limit\n`);
  });
});

describe('importFeed checks every redirect hop', { timeout: 60_000 }, () => {
  // The test's own server on 127.0.0.1 plays a public site; every other address keeps the real policy.
  const ownServerIsPublic: AddressCheck = (a) => (a === '127.0.0.1' ? undefined : publicAddressOnly(a));
  let config: Awaited<ReturnType<typeof loadConfig>>;
  beforeAll(async () => {
    config = await loadConfig(path.join(repoRoot, 'gazette.yaml'));
  });
  const run = (url: string, fetch: Parameters<typeof importFeed>[0]['fetch'] = { checkAddress: ownServerIsPublic }) =>
    importFeed({ source: url, contentDir: path.join(dir, 'hops'), config, fetch });

  it('follows a redirect to an allowed address', async () => {
    redirectTo.set('/to-public', `http://127.0.0.1:${feed.port}/moved.xml`);
    const result = await run(`http://127.0.0.1:${redirector.port}/to-public`);
    expect(result.created).toHaveLength(2);
    expect(feed.requests).toContain('/moved.xml');
  });

  it.each([
    ['127.0.0.2', () => `http://127.0.0.2:${target.port}/feed.xml`, /127\.0\.0\.2 is a loopback address/],
    ['10.1.2.3', () => 'http://10.1.2.3/feed.xml', /10\.1\.2\.3 is a private address/],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local/],
    ['::1', () => `http://[::1]:${target.port}/`, /::1 is a loopback address/],
  ])('refuses a redirect to %s without connecting to it', async (host, location, reason) => {
    const from = `/to-${host}`;
    redirectTo.set(from, location());
    const before = attempts.length;
    await expect(run(`http://127.0.0.1:${redirector.port}${from}`)).rejects.toThrow(reason);
    const start = `http://127.0.0.1:${redirector.port}${from}`;
    await expect(run(start)).rejects.toThrow(
      `cannot fetch ${start} (redirected to ${new URL(location()).href}): refused:`,
    );
    expect(attempts.slice(before)).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(target.requests).toEqual([]);
  });

  it('refuses a host name whose addresses include a private one, and connects to the checked address', async () => {
    const resolve = async () => [
      { address: '127.0.0.1', family: 4 },
      { address: '10.0.0.8', family: 4 },
    ];
    await expect(
      run(`http://feeds.invalid:${feed.port}/feed.xml`, { checkAddress: ownServerIsPublic, resolve }),
    ).rejects.toThrow(/refused: feeds\.invalid resolves to 10\.0\.0\.8, which is a private address/);
    // One public answer: the socket goes to that address, never asking DNS again.
    const result = await run(`http://feeds.invalid:${feed.port}/pinned.xml`, {
      checkAddress: ownServerIsPublic,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    expect(result.skipped.length + result.created.length).toBeGreaterThan(0);
    expect(feed.requests).toContain('/pinned.xml');
  });

  it('refuses a redirect to another scheme', async () => {
    redirectTo.set('/to-file', 'file:///etc/passwd');
    const start = `http://127.0.0.1:${redirector.port}/to-file`;
    await expect(run(start)).rejects.toThrow(`cannot fetch ${start}: refused: file:///etc/passwd is not http or https`);
  });

  it('gives up after 5 redirects', async () => {
    for (let i = 0; i < 7; i++) redirectTo.set(`/loop-${i}`, `/loop-${i + 1}`);
    await expect(run(`http://127.0.0.1:${redirector.port}/loop-0`)).rejects.toThrow(/more than 5 redirects/);
  });

  it('refuses a declared length over the cap without reading, and a streamed body at the cap', async () => {
    const lying = `http://127.0.0.1:${big.port}/lying`;
    await expect(run(lying, { allowPrivate: true })).rejects.toThrow(
      `cannot fetch ${lying}: the feed is 300 MB, over the 20 MB limit`,
    );
    bigSent = 0;
    const stream = `http://127.0.0.1:${big.port}/stream`;
    await expect(run(stream, { allowPrivate: true })).rejects.toThrow(
      `cannot fetch ${stream}: the feed is larger than the 20 MB limit`,
    );
    await new Promise((r) => setTimeout(r, 200));
    // The reader stopped at the cap: the server could write little past 20 MB of its 280 MB.
    expect(bigSent).toBeLessThan(40 * 1024 * 1024);
  });
});
