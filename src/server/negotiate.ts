// Content-coding negotiation: picks br, gzip or identity from Accept-Encoding, honouring q-values (RFC 9110 §12.5.3).

import { boundedMemo } from '../memo.ts';

export type Coding = 'br' | 'gzip' | 'identity';

// Browsers and feed readers send a handful of distinct headers; parsing each once keeps the hot path cheap.
const remember = boundedMemo<Coding>(256);

/**
 * The coding to send for `header` (null or absent: identity). Among codings the client
 * rates equally, brotli wins over gzip, and both over identity. A coding with q=0 is never chosen;
 * when nothing acceptable remains, identity is sent anyway (RFC 9110 allows it; a 406 helps nobody).
 */
export function chooseCoding(header: string | null | undefined): Coding {
  if (!header) return 'identity';
  return remember(header, () => parse(header));
}

function parse(header: string): Coding {
  let br: number | undefined;
  let gzip: number | undefined;
  let identity: number | undefined;
  let star: number | undefined;
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = rawName!.trim().toLowerCase();
    if (name === '') continue;
    const q = quality(params);
    if (name === 'br') br = q;
    else if (name === 'gzip' || name === 'x-gzip') gzip = Math.max(gzip ?? 0, q);
    else if (name === 'identity') identity = q;
    else if (name === '*') star = q;
  }
  const qBr = br ?? star ?? 0;
  const qGzip = gzip ?? star ?? 0;
  // identity is acceptable unless excluded explicitly or by "*;q=0" (RFC 9110 §12.5.3)
  const qIdentity = identity ?? (star === 0 ? 0 : Math.max(star ?? 0, 0.001));
  if (qBr > 0 && qBr >= qGzip && qBr >= qIdentity) return 'br';
  if (qGzip > 0 && qGzip >= qIdentity) return 'gzip';
  if (qIdentity > 0) return 'identity';
  if (qBr > 0) return 'br';
  if (qGzip > 0) return 'gzip';
  return 'identity';
}

// Media types a feed reader asks for; a reader that names any of them as high as text/html gets the feed.
const FEED_TYPES = new Set([
  'application/rss+xml',
  'application/atom+xml',
  'application/rdf+xml',
  'application/xml',
  'text/xml',
  'application/feed+json',
]);

const rememberPage = boundedMemo<boolean>(256);

/**
 * Whether a request for a feed's URL should get the feed's web page instead of the feed: only a browser's
 * navigation. Browsers say so with `Sec-Fetch-Dest: document` (a fetch from a script says `empty`, and feed
 * readers send no Sec-Fetch headers). Without Sec-Fetch headers, an Accept header must rank text/html strictly
 * above every feed and XML type it names; wildcards count for nothing, so `*\/*`, no header, or a reader that
 * lists text/html beside application/rss+xml all get the feed.
 */
export function prefersFeedPage(accept: string | null | undefined, secFetchDest: string | null | undefined): boolean {
  if (secFetchDest !== undefined && secFetchDest !== null && secFetchDest !== '') return secFetchDest === 'document';
  if (!accept) return false;
  return rememberPage(accept, () => {
    let html = 0;
    let feed = 0;
    for (const part of accept.split(',')) {
      const [rawName, ...params] = part.split(';');
      const name = rawName!.trim().toLowerCase();
      const q = quality(params);
      if (name === 'text/html' || name === 'application/xhtml+xml') html = Math.max(html, q);
      else if (FEED_TYPES.has(name)) feed = Math.max(feed, q);
    }
    return html > 0 && html > feed;
  });
}

/** The q-value among an Accept or Accept-Encoding entry's parameters: 1 when absent, 0 when unreadable. */
function quality(params: readonly string[]): number {
  let q = 1;
  for (const param of params) {
    const [key, value] = param.split('=');
    if (key?.trim().toLowerCase() === 'q' && value !== undefined) {
      const parsed = Number(value.trim());
      q = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 0;
    }
  }
  return q;
}
