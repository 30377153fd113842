// SMTP_URL checked when gazette starts, and shown in messages without its password.
import { ConfigError } from '../errors.ts';

const ACCEPTED =
  'smtp://[user:password@]host[:port] (plain, upgraded with STARTTLS when the server offers it; ports 25 and 587) ' +
  'or smtps://[user:password@]host[:port] (TLS from the first byte; port 465)';

function invalid(message: string): ConfigError {
  return new ConfigError(`SMTP_URL: ${message}`, { file: 'environment', key: 'SMTP_URL' });
}

/**
 * Refuses an SMTP_URL gazette cannot send through: another scheme (`http://`, a typo), no host, a port out of
 * range. Errors never repeat the URL (it may hold a password). Returns the URL unchanged.
 */
export function checkSmtpUrl(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) throw invalid(`not a URL; accepted: ${ACCEPTED}`);
  if (scheme !== 'smtp' && scheme !== 'smtps') throw invalid(`unknown scheme "${scheme}://"; accepted: ${ACCEPTED}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`not a valid URL (a password with @, : or / must be percent-encoded); accepted: ${ACCEPTED}`);
  }
  if (parsed.hostname === '') throw invalid(`names no host; accepted: ${ACCEPTED}`);
  if (parsed.port !== '' && (Number(parsed.port) < 1 || Number(parsed.port) > 65535))
    throw invalid(`port ${parsed.port} is not a port number`);
  return url;
}
