// An independent DKIM check: mailauth (by nodemailer's author, not our signer's code) verifies what we sign,
// its key published by a stand-in DNS resolver that answers only for the test's selector.
import type { KeyObject } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

export interface DkimCheck {
  /** mailauth's verdict for the first signature: `pass`, `fail`, `neutral`, … */
  result: string;
  /** Why, when it did not pass (e.g. `bad signature`). */
  comment: string | undefined;
  /** The signature's tags, e.g. `d`, `s`, `a`, `c`. */
  tags: Record<string, string>;
  /** The names in h=, lower case, in order (an oversigned name appears once more than its header). */
  signed: string[];
}

/** A resolver for mailauth that publishes `publicKey` at `<selector>._domainkey.<domain>` and nothing else. */
export function keyResolver(domain: string, selector: string, publicKey: KeyObject) {
  const p = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return async (name: string, type: string): Promise<string[][]> => {
    if (type === 'TXT' && name.toLowerCase() === `${selector}._domainkey.${domain}`)
      return [[`v=DKIM1; k=rsa; p=${p}`]];
    throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
  };
}

/** Verifies the first DKIM-Signature of `raw` with mailauth, the key at `selector._domainkey.domain`. */
export async function checkDkim(
  raw: Buffer | string,
  key: { domain: string; selector: string; publicKey: KeyObject },
): Promise<DkimCheck> {
  const message = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
  const verdict = await dkimVerify(message, { resolver: keyResolver(key.domain, key.selector, key.publicKey) });
  const first = verdict.results[0];
  if (!first) throw new Error('mailauth found no DKIM-Signature');
  const text = message.toString('latin1');
  const header = /^DKIM-Signature:(.*(?:\r\n[ \t].*)*)/im.exec(text)?.[1] ?? '';
  const tags = Object.fromEntries(
    header
      .replace(/\r\n/g, '')
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')).trim(), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')]),
  );
  return {
    result: first.status.result,
    comment: first.status.comment,
    tags,
    signed: (tags.h ?? '').split(':').map((h) => h.trim().toLowerCase()),
  };
}
