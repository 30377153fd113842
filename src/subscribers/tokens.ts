// Signed links for confirm, unsubscribe and the preference page: HMAC-SHA256 over purpose, subscriber, address, expiry.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { GazetteError } from '../errors.ts';

export type TokenPurpose = 'confirm' | 'unsubscribe' | 'preferences';

/**
 * A link token that is forged, altered, malformed, meant for something else (`TOKEN_INVALID`) or too old
 * (`TOKEN_EXPIRED`).
 */
export class TokenError extends GazetteError {
  declare readonly code: 'TOKEN_INVALID' | 'TOKEN_EXPIRED';
  constructor(code: 'TOKEN_INVALID' | 'TOKEN_EXPIRED', message: string) {
    super(code, message);
  }
}

export interface TokenClaims {
  purpose: TokenPurpose;
  subscriberId: number;
  /** Epoch milliseconds (whole seconds), or null for a token that never expires. */
  expiresAt: number | null;
}

// Layout, then base64url: version(1) purpose(1) subscriber id(6) expiry in seconds(5, 0 = none) mac(32)
const VERSION = 1;
const PURPOSES: Record<TokenPurpose, number> = { confirm: 1, unsubscribe: 2, preferences: 3 };
const HEADER = 13;
const LENGTH = HEADER + 32;

// A key of its own, so GAZETTE_SECRET can sign other things later without a token of one kind passing for another.
const keys = new Map<string, Buffer>();
function tokenKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = createHmac('sha256', secret).update('gazette subscriber tokens v1').digest();
    keys.set(secret, key);
  }
  return key;
}

function mac(secret: string, header: Buffer, emailKey: string): Buffer {
  return createHmac('sha256', tokenKey(secret)).update(header).update(emailKey, 'utf8').digest();
}

/** Signs a token for subscriber `subscriberId` whose address key is `emailKey`. */
export function signToken(claims: TokenClaims, emailKey: string, secret: string): string {
  if (!Number.isSafeInteger(claims.subscriberId) || claims.subscriberId < 0 || claims.subscriberId >= 2 ** 48) {
    throw new RangeError(`subscriber id ${claims.subscriberId} does not fit a token`);
  }
  const header = Buffer.alloc(HEADER);
  header.writeUInt8(VERSION, 0);
  header.writeUInt8(PURPOSES[claims.purpose], 1);
  header.writeUIntBE(claims.subscriberId, 2, 6);
  header.writeUIntBE(claims.expiresAt === null ? 0 : Math.ceil(claims.expiresAt / 1000), 8, 5);
  return Buffer.concat([header, mac(secret, header, emailKey)]).toString('base64url');
}

/** The claims a token states, not yet verified: only to find whose address to verify it against. */
export function readToken(token: string): TokenClaims & { header: Buffer; mac: Buffer } {
  const invalid = (): TokenError => new TokenError('TOKEN_INVALID', 'this link is not valid');
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid();
  const bytes = Buffer.from(token, 'base64url');
  if (bytes.length !== LENGTH || bytes.toString('base64url') !== token) throw invalid();
  const purposeCode = bytes.readUInt8(1);
  const purpose = (Object.keys(PURPOSES) as TokenPurpose[]).find((p) => PURPOSES[p] === purposeCode);
  if (bytes.readUInt8(0) !== VERSION || purpose === undefined) throw invalid();
  const seconds = bytes.readUIntBE(8, 5);
  return {
    purpose,
    subscriberId: bytes.readUIntBE(2, 6),
    expiresAt: seconds === 0 ? null : seconds * 1000,
    header: bytes.subarray(0, HEADER),
    mac: bytes.subarray(HEADER),
  };
}

/**
 * Verifies `token` for `purpose` against the address key of the subscriber it names, in constant
 * time. Forged, altered and wrong-purpose tokens raise TOKEN_INVALID; a genuine but old one TOKEN_EXPIRED.
 */
export function verifyToken(
  token: string,
  expected: { purpose: TokenPurpose; emailKey: string; secret: string; now: Date },
): TokenClaims {
  const claims = readToken(token);
  const valid = timingSafeEqual(mac(expected.secret, claims.header, expected.emailKey), claims.mac);
  if (!valid || claims.purpose !== expected.purpose) throw new TokenError('TOKEN_INVALID', 'this link is not valid');
  if (claims.expiresAt !== null && claims.expiresAt <= expected.now.getTime()) {
    throw new TokenError('TOKEN_EXPIRED', 'this link has expired');
  }
  return { purpose: claims.purpose, subscriberId: claims.subscriberId, expiresAt: claims.expiresAt };
}
