// Amazon SNS over HTTP: a message is authentic when its signature (SignatureVersion 1: SHA1withRSA, 2:
// SHA256withRSA) over the canonical string SNS documents verifies with the certificate at its SigningCertURL, and
// that URL is https on sns.<region>.amazonaws.com. A SubscriptionConfirmation is confirmed by GETting its
// SubscribeURL under the same rule.
import { verify as verifySignature, X509Certificate, type KeyObject } from 'node:crypto';
import type { HttpGet } from './http-get.ts';

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** An SNS URL gazette may fetch: https on sns.<region>.amazonaws.com, with no credentials or port of its own. */
export function snsUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const plain = url.protocol === 'https:' && url.username === '' && url.password === '' && url.port === '';
  return plain && SNS_HOST.test(url.hostname) ? url : undefined;
}

const SIGNED_FIELDS: Record<string, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** The string SNS signs: each field in this order, its name and its value on lines of their own. */
export function snsStringToSign(message: Record<string, unknown>): string | undefined {
  const fields = typeof message.Type === 'string' ? SIGNED_FIELDS[message.Type] : undefined;
  if (fields === undefined) return undefined;
  let text = '';
  for (const name of fields) {
    const value = message[name];
    // only a Notification's Subject is optional
    if ((value === undefined || value === null) && name === 'Subject') continue;
    if (typeof value !== 'string') return undefined;
    text += `${name}\n${value}\n`;
  }
  return text;
}

const ALGORITHMS: Record<string, string> = { '1': 'sha1', '2': 'sha256' };

export type SnsVerdict = { ok: true } | { ok: false; reason: string; upstream?: boolean };

export interface SnsVerifier {
  verify(message: Record<string, unknown>, now: number): Promise<SnsVerdict>;
}

interface CachedCertificate {
  key: KeyObject;
  validFrom: number;
  validTo: number;
  fetchedAt: number;
}

class CertificateError extends Error {
  constructor(
    message: string,
    readonly upstream: boolean,
  ) {
    super(message);
  }
}

/** Verifies SNS signatures, keeping certificates by URL (`cacheMs`, default a day) so each is fetched once. */
export function createSnsVerifier(options: { get: HttpGet; cacheMs?: number; maxCertificates?: number }): SnsVerifier {
  const cacheMs = options.cacheMs ?? 86_400_000;
  const maxCertificates = options.maxCertificates ?? 32;
  const certificates = new Map<string, Promise<CachedCertificate>>();

  const fetchCertificate = async (url: URL, now: number): Promise<CachedCertificate> => {
    let answer: Awaited<ReturnType<HttpGet>>;
    try {
      answer = await options.get(url);
    } catch (err) {
      throw new CertificateError(`cannot fetch the signing certificate: ${(err as Error).message}`, true);
    }
    if (answer.status !== 200)
      throw new CertificateError(`the signing certificate URL answered ${answer.status}`, answer.status >= 500);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(answer.body);
    } catch {
      throw new CertificateError('the signing certificate URL did not give a certificate', false);
    }
    return {
      key: cert.publicKey,
      validFrom: Date.parse(cert.validFrom),
      validTo: Date.parse(cert.validTo),
      fetchedAt: now,
    };
  };

  const certificate = (url: URL, now: number): Promise<CachedCertificate> => {
    const href = url.href;
    const cached = certificates.get(href);
    if (cached !== undefined) return cached;
    const pending = fetchCertificate(url, now);
    certificates.set(href, pending);
    if (certificates.size > maxCertificates) certificates.delete(certificates.keys().next().value!);
    // a failure is not kept: the next message tries again
    pending.catch(() => certificates.delete(href));
    return pending;
  };

  return {
    async verify(message, now) {
      const algorithm = typeof message.SignatureVersion === 'string' ? ALGORITHMS[message.SignatureVersion] : undefined;
      if (algorithm === undefined) return { ok: false, reason: 'unsigned or unknown SignatureVersion' };
      if (typeof message.Signature !== 'string' || message.Signature === '')
        return { ok: false, reason: 'no Signature' };
      const signed = snsStringToSign(message);
      if (signed === undefined) return { ok: false, reason: 'not an SNS message (a signed field is missing)' };
      const url = snsUrl(message.SigningCertURL);
      if (url === undefined) return { ok: false, reason: 'SigningCertURL is not https on sns.<region>.amazonaws.com' };
      let cert: CachedCertificate;
      try {
        cert = await certificate(url, now);
        if (now - cert.fetchedAt > cacheMs) {
          certificates.delete(url.href);
          cert = await certificate(url, now);
        }
      } catch (err) {
        const upstream = err instanceof CertificateError && err.upstream;
        return { ok: false, reason: (err as Error).message, upstream };
      }
      if (now < cert.validFrom || now > cert.validTo)
        return { ok: false, reason: 'the signing certificate is not valid now' };
      let valid = false;
      try {
        valid = verifySignature(
          algorithm,
          Buffer.from(signed, 'utf8'),
          cert.key,
          Buffer.from(message.Signature, 'base64'),
        );
      } catch {
        valid = false;
      }
      return valid ? { ok: true } : { ok: false, reason: 'bad signature' };
    },
  };
}
