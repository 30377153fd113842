// The return path's addresses: each reader's token reads back to its edition and subscriber, survives case
// folding, shows no row id, and cannot be made up or altered.
import { describe, expect, it } from 'vitest';
import { readVerpAddress, verpAddress, verpToken } from '../../src/bounces/index.ts';

const SECRET = 'verp-test-secret';
const BOUNCES = 'bounces@caricc.org';

describe('VERP addresses', () => {
  it('names the edition and subscriber, readable back, and after a mail system upper-cases it', () => {
    const address = verpAddress(BOUNCES, SECRET, { kind: 'bounce', editionId: 12, subscriberId: 3456 });
    expect(address).toMatch(/^bounces\+[a-z2-7]{34}@caricc\.org$/);
    expect(address).not.toMatch(/12|3456/);
    expect(readVerpAddress(BOUNCES, SECRET, address)).toEqual({ kind: 'bounce', editionId: 12, subscriberId: 3456 });
    expect(readVerpAddress(BOUNCES, SECRET, `<${address.toUpperCase()}>`)).toEqual({
      kind: 'bounce',
      editionId: 12,
      subscriberId: 3456,
    });
    const unsubscribe = verpAddress(BOUNCES, SECRET, { kind: 'unsubscribe', editionId: 12, subscriberId: 3456 });
    expect(unsubscribe).toMatch(/^bounces\+u-[a-z2-7]{34}@caricc\.org$/);
    expect(readVerpAddress(BOUNCES, SECRET, unsubscribe)).toMatchObject({ kind: 'unsubscribe' });
  });

  it('tells neighbours apart and refuses a forged, altered or foreign token', () => {
    const a = verpToken(SECRET, { kind: 'bounce', editionId: 1, subscriberId: 1 });
    const b = verpToken(SECRET, { kind: 'bounce', editionId: 1, subscriberId: 2 });
    expect(a).not.toBe(b);
    const flipped = `${a.slice(0, 10)}${a[10] === 'a' ? 'b' : 'a'}${a.slice(11)}`;
    expect(readVerpAddress(BOUNCES, SECRET, `bounces+${flipped}@caricc.org`)).toBe('forged');
    expect(readVerpAddress(BOUNCES, 'another-secret', `bounces+${a}@caricc.org`)).toBe('forged');
    // a bounce token under the unsubscribe prefix does not unsubscribe anyone
    expect(readVerpAddress(BOUNCES, SECRET, `bounces+u-${a}@caricc.org`)).toBe('forged');
    expect(readVerpAddress(BOUNCES, SECRET, BOUNCES)).toBe('plain');
    expect(readVerpAddress(BOUNCES, SECRET, 'someone@example.com')).toBeUndefined();
    expect(readVerpAddress(BOUNCES, SECRET, 'news@caricc.org')).toBeUndefined();
  });
});
