// The front-matter fast path reads simple blocks exactly as the YAML parser does, and leaves
// every other block to it.
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/adapters/yaml.ts';
import { parseSimpleFrontMatter } from '../../src/content/simple-yaml.ts';

const keys = ['title', 'date', 'tags', 'true', 'Null', 'on', 'y', 'a_b', 'x1', 'constructor', 'toString', '__proto__'];
const values = [
  '"plain text"', "'single'", "'it''s'", '"esc \\" q"', '"a\\nb"', 'plain words', 'a: b', 'a:b', 'a #c', 'a#c', 'a:', '2021-10-01',
  '2021-10-01T09:30:00+06:00', '2021', '1e5', '1.5', '0x1F', '0o17', '.inf', 'true', 'True', 'yes', 'null', '~', '', '[]', '[a, b]',
  '["a", "b"]', "['a, b', c]", '[a, "b, c"]', '[a: b]', '[a,]', '[ a , b ]', '[1, 2]', '[true]', '[Казахстан, 🚨]', '"Маводи мухаддир 🚨"',
  'Oʻzbekiston', 'a ]', 'a [b]', 'a {b}', 'a, b', 'a & b', '&anchor x', '*alias', '!tag x', '| x', '> x', '@x', 'a ! b', '- a', '? a',
  'a\tb', '"a\tb"', '"\u0007"', 'a\u0085b', '"\u00a0x"', 'x\u00a0', '"q" extra', '"unterminated', '"a" # c', 'a   b', '[a  b]', '[,]',
  '["x"y]', '123abc', '1_000', '+1', '-', 'a\u2028b', '0b101', 'NaN', '.nan', '1.', '.5',
];

function yamlOf(block: string): unknown {
  try {
    return parseYaml(block);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

describe('simple front matter', () => {
  it('gives what the YAML parser gives whenever it reads a block', () => {
    let read = 0;
    for (const key of keys) {
      for (const value of values) {
        for (const nl of ['\n', '\r\n']) {
          for (const space of [' ', '   ']) {
            const block = `${nl === '\r\n' ? '\r' : ''}\n${key}:${space}${value}${nl}date: 2021-10-01`;
            const fast = parseSimpleFrontMatter(block);
            if (fast === undefined) continue;
            read++;
            expect(fast, JSON.stringify(block)).toEqual(yamlOf(block));
          }
        }
      }
    }
    expect(read).toBeGreaterThan(300);
  });

  it('reads the usual fields', () => {
    const block = '\ntitle: "UNODC: a meeting in Dushanbe"\ndate: 2021-10-01T09:30:00+05:00\ntags: [kazakhstan, "наркотики", \'a & b\']\nslug: the-meeting';
    expect(parseSimpleFrontMatter(block)).toEqual({ title: 'UNODC: a meeting in Dushanbe', date: '2021-10-01T09:30:00+05:00', tags: ['kazakhstan', 'наркотики', 'a & b'], slug: 'the-meeting' });
    expect(parseSimpleFrontMatter(block)).toEqual(parseYaml(block));
  });

  it('leaves to the YAML parser what it does not read as a string or a list of strings', () => {
    for (const block of [
      '\ntitle: A\ntitle: B', // duplicate key: an error
      '\ndraft: true',
      '\nsummary: 12',
      '\nauthor:\n  name: A',
      '\ntags:\n  - a',
      '\ntitle: a\n  continued',
      '\n# comment\ntitle: a',
      '\ntitle: a # comment',
      '\ntitle: a\n\ndate: b',
      '\ntitle: "a\\tb"',
      '\ntitle: x\r\ndate: y',
      '  \ntitle: a',
    ]) {
      expect(parseSimpleFrontMatter(block), JSON.stringify(block)).toBeUndefined();
    }
  });
});
