// Secrets and signatures compared in constant time: fixed-length digests, so neither content nor length leaks.
import { createHash, timingSafeEqual } from 'node:crypto';

export function sameSecret(given: string | Buffer, expected: string | Buffer): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
