// Serves the built site from public/: path resolution without escapes, conditional GETs, gzip and brotli,
// and an in-memory cache of each file's bytes, compressed forms, ETags and ready-made headers.
//
// The hot path touches no file system: a URL answered once is answered again from memory, keyed by the
// path as received. Freshness is checked at most once per `revalidateMs`: one stat of the public folder
// (a build publishes by re-pointing the public/ symlink, which changes the folder's identity and drops
// the whole cache) and, per file served in that interval, one stat of the file (a folder edited in place).
import { createHash } from 'node:crypto';
import { realpathSync, statSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import { isNotModified } from './conditional.ts';
import { fileKind, type FileKind } from './content-types.ts';
import { chooseCoding, prefersFeedPage, type Coding } from './negotiate.ts';

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export interface StaticFilesOptions {
  /** The public folder; may be a symlink that a build re-points, or a folder a build replaces by rename. */
  root: string;
  /**
   * Files up to this size are held in memory (with their compressed forms); larger ones are streamed. Default
   * 4 MiB.
   */
  maxCachedFileBytes?: number;
  /** Memory budget of the cache (raw and compressed bytes together). Default 128 MiB. */
  maxCacheBytes?: number;
  /**
   * How long an answer from memory stands before the public folder and the file are looked at again, in
   * milliseconds: a newly published build is served at most this long after its swap. 0 looks on every
   * request. Default 100.
   */
  revalidateMs?: number;
}

/** What the static handler needs to know of a request. */
export interface StaticRequest {
  head: boolean;
  /** Path as received, still percent-encoded, starting with `/`, no query. */
  rawPath: string;
  /** Query string including its `?`, or empty. */
  search: string;
  acceptEncoding: string | null | undefined;
  /** Accept and Sec-Fetch-Dest: a browser's navigation to a feed gets the feed's page (see prefersFeedPage). */
  accept?: string | null | undefined;
  secFetchDest?: string | null | undefined;
  ifNoneMatch: string | null | undefined;
  ifModifiedSince: string | null | undefined;
}

export interface StaticResponse {
  status: number;
  headers: Record<string, string>;
  /** A Node stream for files too large to hold in memory. */
  body: Uint8Array | Readable | null;
}

export interface StaticFiles {
  respond(request: StaticRequest): Promise<StaticResponse>;
  /**
   * The answer straight from memory, with no I/O and no promise, or undefined when the file has to be
   * looked up, read or compressed first (then `respond` answers). The response objects are shared: read only.
   */
  respondCached(request: StaticRequest): StaticResponse | undefined;
  /**
   * The public folder has just changed (a build published in this process): look at it, and at
   * each file before serving it again from memory, on the next request instead of after revalidateMs.
   */
  refresh(): void;
}

interface Variant {
  body: Uint8Array;
  headers: Record<string, string>;
  notModified: Record<string, string>;
  etag: string;
  /** Ready-made answers (shared between requests, never mutated). */
  ok: StaticResponse;
  okHead: StaticResponse;
  notModifiedResponse: StaticResponse;
}

interface Entry {
  identity: string;
  kind: FileKind;
  realPath: string;
  mtimeMs: number;
  size: number;
  /** Content hash (base64url), the root of every variant's ETag. */
  hash: string;
  /** Absent for streamed (large) files. */
  raw: Variant | undefined;
  /** undefined: not computed yet; null: not worth it (not compressible, or no smaller). */
  br: Variant | null | undefined | Promise<Variant | null>;
  gzip: Variant | null | undefined | Promise<Variant | null>;
  bytes: number;
  /** Dropped from the cache (over budget or replaced): a URL that still points here must look again. */
  evicted: boolean;
}

/** A URL answered from memory: the file it maps to and the cached entry, last checked in `epoch`. */
interface Hot {
  key: string;
  entry: Entry;
  epoch: number;
}

// URLs remembered for the hot path; past this, the oldest is forgotten (each costs one look-up to learn again).
const MAX_HOT_URLS = 10_000;

const NOT_FOUND_FALLBACK = new TextEncoder().encode(
  '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Not found</title></head>' +
    '<body><h1>Not found</h1><p>There is no page at this address.</p></body></html>\n',
);

/** The request headers a feed's URL answers by: a browser's navigation gets the feed's page. */
const FEED_VARY = 'Accept, Sec-Fetch-Dest';

/** RSS and Atom documents: the files whose URL a person may open in a browser. */
function isFeedKind(kind: FileKind): boolean {
  return kind.contentType.startsWith('application/rss+xml') || kind.contentType.startsWith('application/atom+xml');
}

// A 304 repeats these headers of the 200 it stands for (RFC 9110 §15.4.5).
const KEPT_ON_304 = ['cache-control', 'content-security-policy', 'etag', 'last-modified', 'vary'];

/** Creates the public/ file server. */
export function createStaticFiles(options: StaticFilesOptions): StaticFiles {
  const root = path.resolve(options.root);
  const maxFile = options.maxCachedFileBytes ?? 4 * 1024 * 1024;
  const maxTotal = options.maxCacheBytes ?? 128 * 1024 * 1024;
  const revalidateMs = options.revalidateMs ?? 100;
  // Keyed by the joined (unresolved) path under root; an entry is valid only while the file there keeps its identity.
  const cache = new Map<string, Entry>();
  const loading = new Map<string, Promise<Entry | undefined>>();
  let cachedBytes = 0;
  // The raw URL paths answered from memory.
  const hot = new Map<string, Hot>();
  // Bumped at most once per revalidateMs; a hot URL checked in an older epoch is checked again.
  let epoch = 0;
  let nextCheck = 0;
  // Identity of the public folder as last seen, and a counter bumped whenever it changes.
  let rootIdentity: string | undefined;
  let generation = 0;

  function remember(key: string, entry: Entry): void {
    const old = cache.get(key);
    if (old) {
      cachedBytes -= old.bytes;
      cache.delete(key);
      old.evicted = true;
    }
    cache.set(key, entry);
    cachedBytes += entry.bytes;
    // Oldest first: Map iteration follows insertion order.
    for (const [k, e] of cache) {
      if (cachedBytes <= maxTotal || k === key) break;
      cache.delete(k);
      cachedBytes -= e.bytes;
      e.evicted = true;
    }
  }

  /** The current epoch; starts a new one (and checks the public folder) when revalidateMs has passed. */
  function currentEpoch(): number {
    if (revalidateMs > 0) {
      const now = performance.now();
      if (now < nextCheck) return epoch;
      nextCheck = now + revalidateMs;
    }
    epoch++;
    checkRoot();
    return epoch;
  }

  /** A new build (the symlink re-pointed, or the folder replaced): forget everything learnt of the old one. */
  function checkRoot(): void {
    const stats = statOrUndefined(root);
    const identity = stats === undefined ? '' : `${stats.dev}:${stats.ino}`;
    if (identity === rootIdentity) return;
    if (rootIdentity !== undefined) {
      for (const e of cache.values()) e.evicted = true;
      cache.clear();
      hot.clear();
      cachedBytes = 0;
    }
    rootIdentity = identity;
    generation++;
  }

  function learn(rawPath: string, key: string, entry: Entry, seenEpoch: number, seenGeneration: number): void {
    // A look-up that straddled a new build must not pin the old one's file.
    if (seenGeneration !== generation || entry.raw === undefined || entry.evicted) return;
    if (hot.size >= MAX_HOT_URLS && !hot.has(rawPath)) hot.delete(hot.keys().next().value!);
    hot.set(rawPath, { key, entry, epoch: seenEpoch });
  }

  // A feed's URL answers a browser's navigation with the page the build wrote beside it (feed.xml.html), and
  // everyone else with the feed; both say that they vary by those headers.
  const withVary = new WeakMap<StaticResponse, StaticResponse>();
  function varied(response: StaticResponse): StaticResponse {
    if (response.status !== 200 && response.status !== 304) return response;
    let known = withVary.get(response);
    if (known === undefined) {
      const vary = response.headers.vary === undefined ? FEED_VARY : `${FEED_VARY}, ${response.headers.vary}`;
      known = { ...response, headers: { ...response.headers, vary } };
      withVary.set(response, known);
    }
    return known;
  }
  function pageRequest(request: StaticRequest): StaticRequest | undefined {
    if (!request.rawPath.endsWith('.xml') || !isFeedKind(fileKind(request.rawPath))) return undefined;
    if (!prefersFeedPage(request.accept, request.secFetchDest)) return undefined;
    return { ...request, rawPath: `${request.rawPath}.html` };
  }

  function respondCached(request: StaticRequest): StaticResponse | undefined {
    const page = pageRequest(request);
    if (page === undefined) return cachedAnswer(request);
    const answer = cachedAnswer(page);
    return answer === undefined || answer.status === 404 ? undefined : varied(answer);
  }

  async function respond(request: StaticRequest): Promise<StaticResponse> {
    const page = pageRequest(request);
    if (page !== undefined) {
      const answer = await respondFile(page);
      // a public folder built before feed pages existed: the feed itself
      if (answer.status !== 404) return varied(answer);
    }
    return respondFile(request);
  }

  function cachedAnswer(request: StaticRequest): StaticResponse | undefined {
    const now = currentEpoch();
    const known = hot.get(request.rawPath);
    if (known === undefined) return undefined;
    const entry = known.entry;
    if (entry.evicted) {
      hot.delete(request.rawPath);
      return undefined;
    }
    if (known.epoch !== now) {
      // Once per interval: the file may have been edited in place (a public folder gazette did not build).
      const stats = statOrUndefined(known.key);
      if (stats === undefined || !stats.isFile() || identityOf(stats) !== entry.identity) {
        hot.delete(request.rawPath);
        return undefined;
      }
      known.epoch = now;
    }
    let variant = entry.raw!;
    if (entry.kind.compressible) {
      const coding = chooseCoding(request.acceptEncoding);
      if (coding !== 'identity') {
        const packed = entry[coding];
        if (packed === undefined || packed instanceof Promise) return undefined;
        if (packed !== null) variant = packed;
      }
    }
    if (isNotModified(request, variant.etag, entry.mtimeMs)) return variant.notModifiedResponse;
    return request.head ? variant.okHead : variant.ok;
  }

  function grow(key: string, entry: Entry, bytes: number): void {
    entry.bytes += bytes;
    if (cache.get(key) === entry) cachedBytes += bytes;
  }

  async function respondFile(request: StaticRequest): Promise<StaticResponse> {
    const cached = cachedAnswer(request);
    if (cached !== undefined) return cached;
    const seenEpoch = epoch;
    const seenGeneration = generation;
    const target = mapPath(root, request.rawPath);
    if (target === undefined) return notFound(request);

    // Hot path: one stat; the cached entry stands while the file keeps its identity.
    const stats = statOrUndefined(target.file);
    if (stats === undefined) return notFound(request);
    if (stats.isDirectory()) {
      if (target.directory) return notFound(request);
      return redirect(`${request.rawPath}/${request.search}`, request.head);
    }
    if (!stats.isFile()) return notFound(request);

    const identity = identityOf(stats);
    let entry = cache.get(target.file);
    if (entry === undefined || entry.identity !== identity) {
      entry = await load(target.file, identity);
      if (entry === undefined) return notFound(request);
    }
    learn(request.rawPath, target.file, entry, seenEpoch, seenGeneration);
    return serveEntry(target.file, entry, request);
  }

  async function serveEntry(key: string, entry: Entry, request: StaticRequest): Promise<StaticResponse> {
    let variant: Variant | undefined = entry.raw;
    if (variant !== undefined && entry.kind.compressible) {
      const coding = chooseCoding(request.acceptEncoding);
      if (coding !== 'identity') variant = (await compressed(key, entry, coding)) ?? variant;
    }
    if (variant === undefined) return streamLarge(entry, request);
    if (isNotModified(request, variant.etag, entry.mtimeMs)) return variant.notModifiedResponse;
    return request.head ? variant.okHead : variant.ok;
  }

  function compressed(
    key: string,
    entry: Entry,
    coding: Exclude<Coding, 'identity'>,
  ): Variant | null | Promise<Variant | null> {
    const current = entry[coding];
    if (current !== undefined) return current;
    const raw = entry.raw!;
    const pending = (
      coding === 'br'
        ? brotliAsync(raw.body, {
            params: {
              [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
              // Top quality is affordable because each file identity is compressed once.
              [zlibConstants.BROTLI_PARAM_QUALITY]: raw.body.byteLength <= 512 * 1024 ? 11 : 6,
              [zlibConstants.BROTLI_PARAM_SIZE_HINT]: raw.body.byteLength,
            },
          })
        : gzipAsync(raw.body, { level: 9 })
    ).then(
      (buffer): Variant | null => {
        if (buffer.byteLength >= raw.body.byteLength) return null;
        const body = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
        const etag = `"${entry.hash}-${coding === 'br' ? 'br' : 'gz'}"`;
        return makeVariant(entry, body, etag, coding);
      },
      () => null,
    );
    entry[coding] = pending;
    void pending.then((variant) => {
      entry[coding] = variant;
      if (variant) grow(key, entry, variant.body.byteLength);
    });
    return pending;
  }

  function load(key: string, identity: string): Promise<Entry | undefined> {
    const loadKey = `${key}\0${identity}`;
    let pending = loading.get(loadKey);
    if (pending === undefined) {
      pending = readEntry(root, key, maxFile).then(
        (entry) => {
          loading.delete(loadKey);
          if (entry !== undefined) remember(key, entry);
          return entry;
        },
        (err: unknown) => {
          loading.delete(loadKey);
          throw err;
        },
      );
      loading.set(loadKey, pending);
    }
    return pending;
  }

  async function streamLarge(entry: Entry, request: StaticRequest): Promise<StaticResponse> {
    const etag = `"${entry.hash}"`;
    const headers = baseHeaders(entry, etag, entry.size, undefined);
    if (isNotModified(request, etag, entry.mtimeMs)) return { status: 304, headers: pick(headers), body: null };
    if (request.head) return { status: 200, headers, body: null };
    const handle = await open(entry.realPath, 'r').catch(() => undefined);
    if (handle === undefined) return notFound(request);
    // The file may have been replaced since it was hashed; never send new bytes under the old ETag.
    const now = await handle.stat();
    if (identityOf(now) !== entry.identity) {
      await handle.close();
      return {
        status: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1', 'cache-control': 'no-store' },
        body: new TextEncoder().encode('The site is being rebuilt; try again.\n'),
      };
    }
    return { status: 200, headers, body: handle.createReadStream({ autoClose: true }) };
  }

  async function notFound(request: StaticRequest): Promise<StaticResponse> {
    const file = path.join(root, '404.html');
    const stats = statOrUndefined(file);
    let body: Uint8Array = NOT_FOUND_FALLBACK;
    if (stats?.isFile() && stats.size <= maxFile) {
      const identity = identityOf(stats);
      let entry = cache.get(file);
      if (entry === undefined || entry.identity !== identity) entry = await load(file, identity);
      if (entry?.raw) body = entry.raw.body;
    }
    return {
      status: 404,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-length': String(body.byteLength),
        'cache-control': 'public, max-age=60',
        'x-content-type-options': 'nosniff',
      },
      body: request.head ? null : body,
    };
  }

  function refresh(): void {
    nextCheck = 0;
  }

  return { respond, respondCached, refresh };
}

interface Target {
  /** Absolute path of the file to serve (index.html for a directory URL). */
  file: string;
  /** The URL named a directory (ended with a slash). */
  directory: boolean;
}

/**
 * Maps a raw URL path to a file under root, or undefined when the path could leave root or
 * name something never served: `..` and `.` segments (also percent-encoded), empty segments,
 * encoded slashes or backslashes, NUL, and dot-files other than `.well-known`.
 */
export function mapPath(root: string, rawPath: string): Target | undefined {
  if (rawPath.charCodeAt(0) !== 47 /* / */) return undefined;
  const directory = rawPath.endsWith('/');
  const inner = rawPath.slice(1, directory ? -1 : undefined);
  if (inner === '') return { file: path.join(root, 'index.html'), directory: true };
  const parts = inner.split('/');
  for (let i = 0; i < parts.length; i++) {
    let segment = parts[i]!;
    if (segment.includes('%')) {
      try {
        segment = decodeURIComponent(segment);
      } catch {
        return undefined;
      }
    }
    if (segment === '' || (segment.charCodeAt(0) === 46 /* . */ && segment !== '.well-known')) return undefined;
    if (segment.includes('/') || segment.includes('\\') || segment.includes('\0')) return undefined;
    parts[i] = segment;
  }
  const joined = path.join(root, ...parts);
  return { file: directory ? path.join(joined, 'index.html') : joined, directory };
}

function statOrUndefined(file: string): Stats | undefined {
  // Synchronous on purpose: a stat of a cached dentry takes microseconds, far less than a thread-pool round trip.
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch {
    // ENOTDIR (a file name followed by a slash), ENAMETOOLONG, EACCES: nothing to serve
    return undefined;
  }
}

function identityOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/** Reads one file through a single descriptor, so identity and bytes belong together; refuses files outside root. */
async function readEntry(root: string, file: string, maxFile: number): Promise<Entry | undefined> {
  let realPath: string;
  let realRoot: string;
  try {
    realPath = realpathSync.native(file);
    realRoot = realpathSync.native(root);
  } catch {
    return undefined;
  }
  if (!realPath.startsWith(realRoot + path.sep)) {
    // The public folder may have been re-pointed between the two look-ups; check once more.
    try {
      realRoot = realpathSync.native(root);
      realPath = realpathSync.native(file);
    } catch {
      return undefined;
    }
    if (!realPath.startsWith(realRoot + path.sep)) return undefined;
  }
  const handle = await open(realPath, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return undefined;
    const kind = fileKind(realPath);
    const entry: Entry = {
      identity: identityOf(stats),
      kind,
      realPath,
      mtimeMs: stats.mtimeMs,
      size: stats.size,
      hash: '',
      raw: undefined,
      br: kind.compressible ? undefined : null,
      gzip: kind.compressible ? undefined : null,
      bytes: 0,
      evicted: false,
    };
    const hash = createHash('sha256');
    if (stats.size <= maxFile) {
      const buffer = await handle.readFile();
      const body = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      entry.hash = hash.update(body).digest('base64url').slice(0, 32);
      entry.size = body.byteLength;
      entry.raw = makeVariant(entry, body, `"${entry.hash}"`, 'identity');
      entry.bytes = body.byteLength;
    } else {
      for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
      entry.hash = hash.digest('base64url').slice(0, 32);
      entry.br = null;
      entry.gzip = null;
    }
    return entry;
  } finally {
    await handle.close();
  }
}

function makeVariant(entry: Entry, body: Uint8Array, etag: string, coding: Coding): Variant {
  const headers = baseHeaders(entry, etag, body.byteLength, coding === 'identity' ? undefined : coding);
  const notModified = pick(headers);
  return {
    body,
    etag,
    headers,
    notModified,
    ok: { status: 200, headers, body },
    okHead: { status: 200, headers, body: null },
    notModifiedResponse: { status: 304, headers: notModified, body: null },
  };
}

function baseHeaders(entry: Entry, etag: string, length: number, encoding: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': entry.kind.contentType,
    'content-length': String(length),
    'cache-control': entry.kind.cacheControl,
    etag,
    'last-modified': new Date(entry.mtimeMs).toUTCString(),
    'x-content-type-options': 'nosniff',
  };
  if (entry.kind.contentSecurityPolicy !== undefined)
    headers['content-security-policy'] = entry.kind.contentSecurityPolicy;
  // Streamed (large) files are never compressed, so only in-memory compressible ones vary.
  if (entry.br !== null || entry.gzip !== null) headers.vary = 'Accept-Encoding';
  if (isFeedKind(entry.kind)) headers.vary = headers.vary === undefined ? FEED_VARY : `${FEED_VARY}, ${headers.vary}`;
  if (encoding !== undefined) headers['content-encoding'] = encoding;
  return headers;
}

function pick(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_ON_304) {
    const value = headers[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

function redirect(location: string, head: boolean): StaticResponse {
  return {
    status: 301,
    headers: { location, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'public, max-age=300' },
    body: head ? null : new TextEncoder().encode(`Moved to ${location}\n`),
  };
}
