// Checks a DKIM-Signature (rsa-sha256, relaxed/relaxed) against a public key, offline: RFC 6376 §3.4 and §3.7.
import { createHash, verify, type KeyObject } from 'node:crypto';

export interface DkimCheck {
  valid: boolean;
  bodyHashMatches: boolean;
  tags: Record<string, string>;
  /** Header names the signature covers, lower case, in order. */
  signed: string[];
}

function relaxedHeader(name: string, value: string): string {
  return `${name.toLowerCase()}:${value
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim()}`;
}

function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}

/** Verifies the first DKIM-Signature of `raw` (CRLF line ends) with `publicKey`. */
export function checkDkim(raw: string, publicKey: KeyObject): DkimCheck {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split + 2);
  const body = raw.slice(split + 4);
  const fields = head
    .split(/\r\n(?=[^ \t])/)
    .filter(Boolean)
    .map((f) => {
      const colon = f.indexOf(':');
      return { name: f.slice(0, colon), value: f.slice(colon + 1) };
    });
  const sig = fields.find((f) => f.name.toLowerCase() === 'dkim-signature');
  if (!sig) throw new Error('no DKIM-Signature header');
  const tags = Object.fromEntries(
    sig.value
      .replace(/\r\n/g, '')
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')).trim(), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')]),
  );
  const bodyHash = createHash('sha256').update(relaxedBody(body)).digest('base64');
  const signed = tags.h!.split(':').map((h) => h.trim().toLowerCase());
  // Each listed name takes the next instance from the bottom; a name with no instance left signs as empty.
  const used = new Map<string, number>();
  const lines = signed.map((name) => {
    const all = fields.filter((f) => f.name.toLowerCase() === name);
    const n = used.get(name) ?? 0;
    used.set(name, n + 1);
    const field = all[all.length - 1 - n];
    return field ? `${relaxedHeader(field.name, field.value)}\r\n` : '';
  });
  const unsigned = relaxedHeader(sig.name, sig.value.replace(/(\bb=)[^;]*/, '$1'));
  const data = lines.join('') + unsigned;
  const valid = verify('sha256', Buffer.from(data), publicKey, Buffer.from(tags.b!, 'base64'));
  return { valid, bodyHashMatches: bodyHash === tags.bh, tags, signed };
}
