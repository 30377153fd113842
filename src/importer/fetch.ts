// import-feed's HTTP fetch: every hop's addresses are checked after DNS, the connection goes to the checked
// address (no second look-up to rebind), redirects are followed by hand, and the body is capped.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { UsageError } from '../errors.ts';
import { publicAddressOnly, type AddressCheck } from './address.ts';

export const MAX_FEED_BYTES = 20 * 1024 * 1024;
export const MAX_REDIRECTS = 5;

export interface FetchFeedOptions {
  /** Lets loopback, private and link-local addresses through (trusted internal sources). */
  allowPrivate?: boolean;
  /** Refused past this many bytes (default 20 MB). */
  maxBytes?: number;
  /** The address policy; tests swap it to treat their own loopback server as public. */
  checkAddress?: AddressCheck;
  /** Resolves a host name to all its addresses (default: node:dns lookup with `all: true`). */
  resolve?: (host: string) => Promise<LookupAddress[]>;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const defaultResolve = (host: string): Promise<LookupAddress[]> =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

function megabytes(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

/** The addresses of `url`'s host, each passed by the policy, or a one-line refusal. */
async function checkedAddresses(url: URL, label: string, options: FetchFeedOptions): Promise<LookupAddress[]> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: LookupAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await (options.resolve ?? defaultResolve)(host);
    } catch (err) {
      throw new UsageError(`cannot fetch ${label}: cannot resolve ${host}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (addresses.length === 0) throw new UsageError(`cannot fetch ${label}: ${host} has no address`);
  }
  if (options.allowPrivate) return addresses;
  const check = options.checkAddress ?? publicAddressOnly;
  for (const { address } of addresses) {
    const reason = check(address);
    if (reason === undefined) continue;
    const what = address === host ? address : `${host} resolves to ${address}, which`;
    throw new UsageError(`cannot fetch ${label}: refused: ${what} is ${reason}; --allow-private allows it`);
  }
  return addresses;
}

/** A `lookup` that answers with the addresses already checked, whatever the socket asks for. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return ((_host: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (opts?.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  }) as unknown as LookupFunction;
}

function request(url: URL, addresses: LookupAddress[], signal: AbortSignal): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      // No pooled agent: a kept-alive socket to another address must never serve this host.
      agent: false,
      lookup: pinnedLookup(addresses),
      signal,
      headers: {
        accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5',
        'accept-encoding': 'identity',
      },
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

function readCapped(res: IncomingMessage, href: string, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    res.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) {
        res.destroy();
        reject(new UsageError(`cannot fetch ${href}: the feed is larger than the ${megabytes(maxBytes)} limit`));
        return;
      }
      chunks.push(chunk);
    });
    res.once('error', reject);
    res.once('end', () => resolve(new TextDecoder().decode(Buffer.concat(chunks))));
  });
}

/** Fetches a feed over http(s) under the address policy, following at most 5 redirects. */
export async function fetchFeed(source: string, options: FetchFeedOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? MAX_FEED_BYTES;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let url: URL;
  try {
    url = new URL(source);
  } catch (err) {
    throw new UsageError(`cannot fetch ${source}: not a URL`, { cause: err });
  }
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UsageError(`cannot fetch ${source}: refused: ${url.href} is not http or https`);
    // After a redirect, the one line names both the URL asked for and the hop refused.
    const label = hop === 0 ? url.href : `${source} (redirected to ${url.href})`;
    const addresses = await checkedAddresses(url, label, options);
    let res: IncomingMessage;
    try {
      res = await request(url, addresses, signal);
    } catch (err) {
      throw new UsageError(`cannot fetch ${label}: ${(err as Error).message}`, { cause: err });
    }
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && location) {
      res.destroy();
      if (hop >= MAX_REDIRECTS)
        throw new UsageError(`cannot fetch ${source}: more than ${MAX_REDIRECTS} redirects (last to ${location})`);
      try {
        url = new URL(location, url);
      } catch (err) {
        throw new UsageError(`cannot fetch ${label}: it redirects to ${location}, which is not a URL`, { cause: err });
      }
      continue;
    }
    if (status < 200 || status >= 300) {
      res.destroy();
      throw new UsageError(`cannot fetch ${label}: HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd());
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      res.destroy();
      throw new UsageError(
        `cannot fetch ${label}: the feed is ${megabytes(declared)}, over the ${megabytes(maxBytes)} limit`,
      );
    }
    try {
      return await readCapped(res, label, maxBytes);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot fetch ${label}: ${(err as Error).message}`, { cause: err });
    }
  }
}
