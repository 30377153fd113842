// The return path's addresses: `bounces+TOKEN@domain` as each message's envelope sender, and `bounces+u-TOKEN@domain`
// as its List-Unsubscribe mailto:. TOKEN names the edition and the subscriber, encrypted (one AES block, so no
// row id shows and nobody can tell the size of the list) and signed (nobody can make one up for another reader).
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { base32, unbase32 } from '../base32.ts';

export type VerpKind = 'bounce' | 'unsubscribe';

export interface VerpClaims {
  kind: VerpKind;
  editionId: number;
  subscriberId: number;
}

const KINDS: Record<VerpKind, number> = { bounce: 1, unsubscribe: 2 };
const MAC_BYTES = 5;
const UNSUBSCRIBE_PREFIX = 'u-';

const keyCache = new Map<string, { enc: Buffer; mac: Buffer }>();
function keys(secret: string): { enc: Buffer; mac: Buffer } {
  let k = keyCache.get(secret);
  if (!k) {
    k = {
      enc: createHmac('sha256', secret).update('gazette return path encryption v1').digest(),
      mac: createHmac('sha256', secret).update('gazette return path signature v1').digest(),
    };
    keyCache.set(secret, k);
  }
  return k;
}

/** The token of one (kind, edition, subscriber): deterministic, 34 characters of lower-case base32. */
export function verpToken(secret: string, claims: VerpClaims): string {
  const block = Buffer.alloc(16);
  block.writeUInt8(KINDS[claims.kind], 0);
  block.writeUInt32BE(claims.editionId, 1);
  block.writeUIntBE(claims.subscriberId, 5, 6);
  const { enc, mac } = keys(secret);
  const cipher = createCipheriv('aes-256-ecb', enc, null).setAutoPadding(false);
  const sealed = Buffer.concat([cipher.update(block), cipher.final()]);
  const tag = createHmac('sha256', mac).update(sealed).digest().subarray(0, MAC_BYTES);
  return base32(Buffer.concat([sealed, tag]));
}

/** Reads a token back; undefined when it is malformed, forged or altered. */
export function readVerpToken(secret: string, token: string): VerpClaims | undefined {
  const bytes = unbase32(token);
  if (!bytes || bytes.length !== 16 + MAC_BYTES) return undefined;
  const sealed = bytes.subarray(0, 16);
  const { enc, mac } = keys(secret);
  const expected = createHmac('sha256', mac).update(sealed).digest().subarray(0, MAC_BYTES);
  if (!timingSafeEqual(expected, bytes.subarray(16))) return undefined;
  const decipher = createDecipheriv('aes-256-ecb', enc, null).setAutoPadding(false);
  const block = Buffer.concat([decipher.update(sealed), decipher.final()]);
  const kind = (Object.keys(KINDS) as VerpKind[]).find((k) => KINDS[k] === block.readUInt8(0));
  if (!kind || block.subarray(11).some((b) => b !== 0)) return undefined;
  return { kind, editionId: block.readUInt32BE(1), subscriberId: block.readUIntBE(5, 6) };
}

/** `local@domain` split, or undefined. */
function split(address: string): { local: string; domain: string } | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return undefined;
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase() };
}

/** The address for one reader of one edition at `bounceAddress` (e.g. `bounces@caricc.org`). */
export function verpAddress(bounceAddress: string, secret: string, claims: VerpClaims): string {
  const base = split(bounceAddress);
  if (!base) throw new Error(`not an address: ${bounceAddress}`);
  const prefix = claims.kind === 'unsubscribe' ? UNSUBSCRIBE_PREFIX : '';
  return `${base.local}+${prefix}${verpToken(secret, claims)}@${base.domain}`;
}

/**
 * What an address gazette receives mail at says: a signed token (bounce or unsubscribe), `plain` for the bounce
 * address itself (a bounce without a token, matched by what it quotes), or undefined for any other address.
 */
export function readVerpAddress(
  bounceAddress: string,
  secret: string,
  address: string,
): VerpClaims | 'plain' | 'forged' | undefined {
  const base = split(bounceAddress);
  const got = split(address.trim().replace(/^<|>$/g, ''));
  if (!base || !got || got.domain !== base.domain) return undefined;
  const local = got.local.toLowerCase();
  const ownLocal = base.local.toLowerCase();
  if (local === ownLocal) return 'plain';
  if (!local.startsWith(`${ownLocal}+`)) return undefined;
  let token = local.slice(ownLocal.length + 1);
  const unsubscribe = token.startsWith(UNSUBSCRIBE_PREFIX);
  if (unsubscribe) token = token.slice(UNSUBSCRIBE_PREFIX.length);
  const claims = readVerpToken(secret, token);
  if (!claims || (claims.kind === 'unsubscribe') !== unsubscribe) return 'forged';
  return claims;
}
