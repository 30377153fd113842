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
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=');
      if (key?.trim().toLowerCase() === 'q' && value !== undefined) {
        const parsed = Number(value.trim());
        q = Number.isFinite(parsed) ? Math.min(1, Math.max(0, parsed)) : 0;
      }
    }
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
