import { describe, expect, it } from 'vitest';
import { signToken, TokenError, verifyToken } from '../../src/subscribers/index.ts';

const SECRET = 'test-secret-of-the-newsroom-0123456789';
const NOW = new Date('2026-11-30T04:00:00Z');
const DAY = 86_400_000;
const confirm = (id = 42, email = 'ana@example.org', expiresAt: number | null = NOW.getTime() + 7 * DAY) =>
  signToken({ purpose: 'confirm', subscriberId: id, expiresAt }, email, SECRET);

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TokenError);
    return (err as TokenError).code;
  }
  throw new Error('token was accepted');
}

describe('subscriber tokens', () => {
  it('verifies a token for its purpose, subscriber and address, and is URL-safe', () => {
    const token = confirm();
    expect(token).toMatch(/^[A-Za-z0-9_-]{60}$/);
    expect(verifyToken(token, { purpose: 'confirm', emailKey: 'ana@example.org', secret: SECRET, now: NOW })).toEqual({
      purpose: 'confirm',
      subscriberId: 42,
      expiresAt: NOW.getTime() + 7 * DAY,
    });
  });

  it('refuses a token used for the other purpose', () => {
    const token = confirm();
    expect(
      refusal(() =>
        verifyToken(token, { purpose: 'unsubscribe', emailKey: 'ana@example.org', secret: SECRET, now: NOW }),
      ),
    ).toBe('TOKEN_INVALID');
  });

  it('refuses a token signed with another secret (forged)', () => {
    const forged = signToken(
      { purpose: 'unsubscribe', subscriberId: 42, expiresAt: null },
      'ana@example.org',
      'attacker-guess-of-the-secret-000',
    );
    expect(
      refusal(() =>
        verifyToken(forged, { purpose: 'unsubscribe', emailKey: 'ana@example.org', secret: SECRET, now: NOW }),
      ),
    ).toBe('TOKEN_INVALID');
  });

  it('refuses a token checked against another address (the row now holds someone else)', () => {
    expect(
      refusal(() =>
        verifyToken(confirm(), { purpose: 'confirm', emailKey: 'bob@example.org', secret: SECRET, now: NOW }),
      ),
    ).toBe('TOKEN_INVALID');
  });

  it('refuses every single-character alteration', () => {
    const token = confirm();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < token.length; i++) {
      const replacement = alphabet[(alphabet.indexOf(token[i]!) + 1) % alphabet.length]!;
      const altered = token.slice(0, i) + replacement + token.slice(i + 1);
      expect(
        refusal(() =>
          verifyToken(altered, { purpose: 'confirm', emailKey: 'ana@example.org', secret: SECRET, now: NOW }),
        ),
        `position ${i}`,
      ).toBe('TOKEN_INVALID');
    }
  });

  it('refuses malformed tokens', () => {
    for (const bad of [
      '',
      'abc',
      `${confirm()}A`,
      confirm().slice(1),
      `${confirm().slice(0, -1)}=`,
      'x'.repeat(60),
      '../../etc/passwd',
    ]) {
      expect(
        refusal(() => verifyToken(bad, { purpose: 'confirm', emailKey: 'ana@example.org', secret: SECRET, now: NOW })),
      ).toBe('TOKEN_INVALID');
    }
  });

  it('refuses an expired token as expired, and one without expiry never expires', () => {
    const token = confirm();
    const later = new Date(NOW.getTime() + 7 * DAY + 1000);
    expect(
      refusal(() =>
        verifyToken(token, { purpose: 'confirm', emailKey: 'ana@example.org', secret: SECRET, now: later }),
      ),
    ).toBe('TOKEN_EXPIRED');
    const forever = signToken({ purpose: 'unsubscribe', subscriberId: 42, expiresAt: null }, 'ana@example.org', SECRET);
    expect(
      verifyToken(forever, {
        purpose: 'unsubscribe',
        emailKey: 'ana@example.org',
        secret: SECRET,
        now: new Date('2099-01-01'),
      }).expiresAt,
    ).toBeNull();
  });
});
