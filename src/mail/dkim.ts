// DKIM signing (RFC 6376, rsa-sha256, relaxed/relaxed) with oversigning: a header listed in h= once more than
// it occurs, so a copy added above it breaks the signature. nodemailer's signer lists each name once at most.
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { MailError } from './errors.ts';

export interface DkimOptions {
  domainName: string;
  keySelector: string;
  /** PEM private key (RSA). */
  privateKey: string;
  /** Headers to sign when present, colon-separated, e.g. `From:To:Subject`; each instance is signed. */
  headerFieldNames?: string;
  /**
   * Headers signed once more than they occur (colon-separated): a verifier then counts the empty
   * instance too, so a prepended or added copy fails the signature. Signed whether or not listed above.
   */
  oversignFieldNames?: string;
}

// RFC 6376 §5.4.1's list, as nodemailer signs by default.
const DEFAULT_FIELDS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:' +
  'Content-ID:Content-Description:Resent-Date:Resent-From:Resent-Sender:Resent-To:Resent-Cc:Resent-Message-ID:' +
  'In-Reply-To:References:List-Id:List-Help:List-Unsubscribe:List-Unsubscribe-Post:List-Subscribe:List-Post:' +
  'List-Owner:List-Archive';

const WIDTH = 76;

function names(list: string | undefined): string[] {
  return (list ?? '')
    .split(':')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
}

/** Relaxed header canonicalization (§3.4.2): name lower-cased, value unfolded, white space runs as one space. */
function relaxedHeader(name: string, value: string): string {
  return `${name.trim().toLowerCase()}:${value
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '')}`;
}

/** Relaxed body canonicalization (§3.4.4), hashed. */
function bodyHash(body: string): string {
  const lines = body.split('\r\n').map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const canonical = lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
  return createHash('sha256').update(canonical, 'latin1').digest('base64');
}

/**
 * Joins tags into lines of at most WIDTH characters, a space after each `;`: a line is broken only between
 * tokens (where RFC 6376 allows folding white space), never inside one.
 */
function fold(start: string, tokens: readonly string[]): string {
  let out = start;
  let line = start.length;
  let previous = '';
  for (const token of tokens) {
    const glue = previous.endsWith(';') ? ' ' : '';
    if (line + glue.length + token.length > WIDTH && previous !== '') {
      out += `\r\n ${token}`;
      line = 1 + token.length;
    } else {
      out += glue + token;
      line += glue.length + token.length;
    }
    previous = token;
  }
  return out;
}

interface Field {
  name: string;
  value: string;
}

function headerFields(head: string): Field[] {
  return head
    .split(/\r\n(?![ \t])/)
    .filter((f) => f !== '')
    .map((f) => {
      const colon = f.indexOf(':');
      return { name: f.slice(0, colon).trim().toLowerCase(), value: f.slice(colon + 1) };
    });
}

/**
 * A signer for `options`: the key is parsed once. It takes RFC 5322 bytes with CRLF line ends and
 * returns them with a DKIM-Signature on top (CRLF only in, CRLF only out). The same input always
 * gives the same signature (no t= tag): a message sent again is signed as before.
 */
export function dkimSigner(options: DkimOptions): (raw: Buffer) => Buffer {
  let key: KeyObject;
  try {
    key = createPrivateKey(options.privateKey);
  } catch (err) {
    throw new MailError('MAIL_DKIM_KEY', `the DKIM key for ${options.domainName} cannot be read`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new MailError('MAIL_DKIM_KEY', `the DKIM key for ${options.domainName} must be an RSA key`);
  const oversigned = new Set(names(options.oversignFieldNames));
  const listed = [...new Set([...names(options.headerFieldNames ?? DEFAULT_FIELDS), ...oversigned])];
  const clean = (v: string): string => v.replace(/[\s;=]/g, '');
  const domain = clean(options.domainName).toLowerCase();
  const selector = clean(options.keySelector);

  return (raw) => {
    const text = raw.toString('latin1');
    const split = text.indexOf('\r\n\r\n');
    const head = split === -1 ? text : text.slice(0, split);
    const body = split === -1 ? '' : text.slice(split + 4);
    const fields = headerFields(head);
    const byName = new Map<string, Field[]>();
    for (const f of fields) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);

    // h=: each name as often as it occurs, an oversigned one once more; instances are taken from the bottom up
    const h: string[] = [];
    let signedData = '';
    for (const name of listed) {
      const instances = byName.get(name) ?? [];
      const times = instances.length + (oversigned.has(name) ? 1 : 0);
      for (let i = 0; i < times; i++) {
        h.push(name);
        const field = instances[instances.length - 1 - i];
        if (field) signedData += `${relaxedHeader(field.name, field.value)}\r\n`;
      }
    }
    const tags = [
      'v=1;',
      'a=rsa-sha256;',
      'c=relaxed/relaxed;',
      `d=${domain};`,
      `s=${selector};`,
      'q=dns/txt;',
      `bh=${bodyHash(body)};`,
      ...h.map((name, i) => `${i === 0 ? 'h=' : ''}${name}${i === h.length - 1 ? ';' : ':'}`),
    ];
    const unsigned = `${fold('DKIM-Signature: ', tags)}\r\n b=`;
    const signature = sign(
      'sha256',
      Buffer.from(signedData + relaxedHeader('DKIM-Signature', unsigned.slice(unsigned.indexOf(':') + 1)), 'latin1'),
      key,
    ).toString('base64');
    const folded = signature.match(/.{1,72}/g)!.join('\r\n ');
    return Buffer.concat([Buffer.from(`${unsigned}${folded}\r\n`, 'latin1'), raw]);
  };
}
