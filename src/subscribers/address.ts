// Normalizes and validates email addresses typed into a form, a CLI or a CSV file.
import { domainToASCII } from 'node:url';
import { isEmailAddress } from '../adapters/email-address.ts';
import { GazetteError } from '../errors.ts';

/** The address is not a valid email address; the message is safe to show to whoever typed it. */
export class AddressError extends GazetteError {
  constructor(message: string) {
    super('EMAIL_INVALID', message);
  }
}

export interface NormalizedAddress {
  /** What mail is sent to: the local part exactly as typed, the domain lower-cased and in ASCII. */
  email: string;
  /** What identifies the subscriber: the whole address lower-cased. */
  key: string;
}

/**
 * Trims, Unicode-normalizes (NFC) and validates `input`. The local part keeps its case for
 * delivery, since RFC 5321 leaves its meaning to the receiving host; but the key that makes an
 * address unique ignores case, because no mainstream provider distinguishes `Ana@` from `ana@`,
 * and treating them as two subscribers would send one reader two copies. Provider-specific
 * rewriting (dots, `+tags`) is not done: it is guessing, and `+tags` are often deliberate.
 */
export function normalizeAddress(input: string): NormalizedAddress {
  const trimmed = input.normalize('NFC').trim();
  if (trimmed === '') throw new AddressError('an email address is required');
  if (/[\u0000-\u001f\u007f\s]/.test(trimmed))
    throw new AddressError('an email address cannot contain spaces or control characters');
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) throw new AddressError(`"${trimmed}" is not an email address`);
  const local = trimmed.slice(0, at);
  const domain = domainToASCII(
    trimmed
      .slice(at + 1)
      .toLowerCase()
      .replace(/\.$/, ''),
  );
  if (domain === '') throw new AddressError(`"${trimmed}" has no valid domain`);
  const email = `${local}@${domain}`;
  if (email.length > 254 || !isEmailAddress(email)) throw new AddressError(`"${trimmed}" is not a valid email address`);
  return { email, key: subscriberKey(email) };
}

/** The unique key of an already-normalized address. */
export function subscriberKey(email: string): string {
  return email.toLowerCase();
}
