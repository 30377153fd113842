// Conditional GET evaluation (RFC 9110 §13): If-None-Match first, If-Modified-Since only without it.

/**
 * True when the client's cached copy is current and a 304 should be sent.
 * `etag` is the strong tag of the selected representation, quotes included;
 * `lastModified` is in milliseconds.
 */
export function isNotModified(
  headers: { ifNoneMatch: string | null | undefined; ifModifiedSince: string | null | undefined },
  etag: string,
  lastModified: number,
): boolean {
  const inm = headers.ifNoneMatch;
  if (inm != null && inm !== '') return noneMatchHits(inm, etag);
  const ims = headers.ifModifiedSince;
  if (ims != null && ims !== '') {
    const since = Date.parse(ims);
    if (Number.isNaN(since)) return false;
    // HTTP dates have whole seconds; compare at that precision
    return Math.floor(lastModified / 1000) * 1000 <= since;
  }
  return false;
}

/** If-None-Match uses the weak comparison: W/"x" matches "x" (RFC 9110 §13.1.2). */
function noneMatchHits(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  if (header === etag) return true;
  const opaque = stripWeak(etag);
  for (const candidate of header.split(',')) {
    if (stripWeak(candidate.trim()) === opaque) return true;
  }
  return false;
}

function stripWeak(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
