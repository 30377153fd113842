// The GET the SNS hook makes (a signing certificate, a SubscribeURL): https only, no redirects, a timeout and a
// size cap, so a slow or huge answer cannot hold a request or memory.

export interface HttpAnswer {
  status: number;
  body: string;
}

/** Fetches `url`; rejects on a network error, the timeout or a body over the cap. */
export type HttpGet = (url: URL) => Promise<HttpAnswer>;

export interface HttpGetOptions {
  /** Default 5 s. */
  timeoutMs?: number;
  /** Default 64 KiB: a certificate is about 2 KiB, a confirmation's answer less. */
  maxBytes?: number;
}

export function createHttpsGet(options: HttpGetOptions = {}): HttpGet {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 64 * 1024;
  return async (url) => {
    if (url.protocol !== 'https:') throw new Error('only https URLs are fetched');
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    const declared = Number(response.headers.get('content-length'));
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new Error(`answer larger than ${maxBytes} bytes`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel();
          throw new Error(`answer larger than ${maxBytes} bytes`);
        }
        chunks.push(value);
      }
    }
    return { status: response.status, body: Buffer.concat(chunks).toString('utf8') };
  };
}
