// DKIM for the digest: the mailer's signing options from the config, covering both RFC 8058 headers.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import type { DkimOptions } from '../mail/index.ts';

/** Header fields DKIM signs: the usual set plus the list headers, so the one-click promise cannot be forged. */
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
].join(':');

/** The mailer's `dkim` option for the configured key (PEM text given), or undefined when none is configured. */
export function digestDkimOptions(config: Config, privateKey: string): DkimOptions | undefined {
  const dkim = config.digest.dkim;
  if (!dkim) return undefined;
  return { domainName: dkim.domain, keySelector: dkim.selector, privateKey, headerFieldNames: DKIM_HEADER_FIELDS };
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
