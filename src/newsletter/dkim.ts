// DKIM for the digest: the mailer's signing options from the config (both RFC 8058 headers signed, the headers
// a forger would add oversigned), and whether the signing domain is aligned with From.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import type { DkimOptions } from '../mail/index.ts';
import { domainOf } from './header.ts';

/** Header fields DKIM signs: the usual set, the list and the bulk headers (the one-click promise cannot be forged). */
export const DKIM_HEADER_FIELDS = [
  'From',
  'Sender',
  'Reply-To',
  'To',
  'Subject',
  'Date',
  'Message-ID',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Id',
  'List-Archive',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'Precedence',
  'Auto-Submitted',
  'Feedback-ID',
].join(':');

/**
 * Header fields signed once more than they occur: a copy of any of them prepended or added on the way
 * (a second Subject, a forged List-Unsubscribe) makes the signature fail instead of being shown.
 */
export const DKIM_OVERSIGNED_FIELDS = [
  'From',
  'To',
  'Subject',
  'Date',
  'Message-ID',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
].join(':');

/** The mailer's `dkim` option for the configured key (PEM text given), or undefined when none is configured. */
export function digestDkimOptions(config: Config, privateKey: string): DkimOptions | undefined {
  const dkim = config.digest.dkim;
  if (!dkim) return undefined;
  return {
    domainName: dkim.domain,
    keySelector: dkim.selector,
    privateKey,
    headerFieldNames: DKIM_HEADER_FIELDS,
    oversignFieldNames: DKIM_OVERSIGNED_FIELDS,
  };
}

/**
 * A warning for the operator when `digest.dkim.domain` is not aligned with the From address's domain
 * (DMARC's relaxed alignment, taken simply: the same domain, or one a subdomain of the other); undefined
 * when it is, or when nothing is signed. Gmail and Yahoo want bulk mail to pass DMARC, and a signature
 * of another domain does not count for it. The worker logs it as it starts.
 */
export function dkimAlignmentProblem(config: Config): string | undefined {
  const dkim = config.digest.dkim;
  if (!dkim) return undefined;
  const signing = domainOf(dkim.domain);
  const from = domainOf(config.digest.from.address);
  if (signing === from || signing.endsWith(`.${from}`) || from.endsWith(`.${signing}`)) return undefined;
  return (
    `digest.dkim.domain "${signing}" is not aligned with the From domain "${from}" (digest.from.address): ` +
    `DMARC counts only a signature of the From domain or of a domain sharing its organizational domain, ` +
    `so mailbox providers may junk or refuse the digest; sign with a key published under ${from}`
  );
}

/**
 * Reads `digest.dkim.private_key_file` (relative to `root`, the folder gazette runs in) once and
 * returns the mailer's `dkim` option; undefined when the config names no key.
 */
export async function loadDigestDkim(config: Config, root: string): Promise<DkimOptions | undefined> {
  const dkim = config.digest.dkim;
  if (!dkim) return undefined;
  const file = path.resolve(root, dkim.privateKeyFile);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `digest.dkim.private_key_file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      { file: 'gazette.yaml', key: 'digest.dkim.private_key_file', cause: err },
    );
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(pem)) {
    throw new ConfigError(`digest.dkim.private_key_file: ${file} is not a PEM private key`, {
      file: 'gazette.yaml',
      key: 'digest.dkim.private_key_file',
    });
  }
  return digestDkimOptions(config, pem);
}
