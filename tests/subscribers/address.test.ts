import { describe, expect, it } from 'vitest';
import { AddressError, normalizeAddress } from '../../src/subscribers/index.ts';

describe('normalizeAddress', () => {
  it('trims, lower-cases the domain and keeps the local part for delivery', () => {
    expect(normalizeAddress('  Aida.Nurlanova@Mail.KZ \n')).toEqual({
      email: 'Aida.Nurlanova@mail.kz',
      key: 'aida.nurlanova@mail.kz',
    });
  });

  it('gives addresses differing only in case one key', () => {
    expect(normalizeAddress('ANA@example.org').key).toBe(normalizeAddress('ana@EXAMPLE.org').key);
  });

  it("keeps +tags and dots: they are the reader's choice", () => {
    expect(normalizeAddress('a.b+news@gmail.com').email).toBe('a.b+news@gmail.com');
  });

  it('turns an internationalized domain into its ASCII form', () => {
    expect(normalizeAddress('info@почта.рф').email).toBe('info@xn--80a1acny.xn--p1ai');
  });

  it.each([
    ['', 'required'],
    ['plainaddress', 'not an email'],
    ['@example.org', 'not an email'],
    ['a@', 'not an email'],
    ['a b@example.org', 'spaces'],
    ['a@example', 'not a valid'],
    ['Ana <ana@example.org>', 'spaces'],
    ['a@[127.0.0.1]', 'no valid domain'],
    ['a@example.org\r\nBcc: x@example.org', 'spaces or control'],
    [`${'a'.repeat(250)}@example.org`, 'not a valid'],
  ])('refuses %j', (input, reason) => {
    expect(() => normalizeAddress(input)).toThrow(AddressError);
    expect(() => normalizeAddress(input)).toThrow(reason);
  });
});
