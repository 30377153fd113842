import { describe, expect, it } from 'vitest';
import { boundedMemo } from '../src/memo.ts';

describe('boundedMemo', () => {
  it('computes each key once, and again only after `limit` keys made it start over', () => {
    const remember = boundedMemo<string>(2);
    const computed: string[] = [];
    const upper = (key: string): string =>
      remember(key, () => {
        computed.push(key);
        return key.toUpperCase();
      });
    expect([upper('a'), upper('b'), upper('a'), upper('b')]).toEqual(['A', 'B', 'A', 'B']);
    expect(computed).toEqual(['a', 'b']);
    // a third key: the two before are dropped
    expect(upper('c')).toBe('C');
    expect([upper('c'), upper('a')]).toEqual(['C', 'A']);
    expect(computed).toEqual(['a', 'b', 'c', 'a']);
  });
});
