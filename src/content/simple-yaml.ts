// A fast path for the front matter most files have: one `key: value` line per field, each value
// a quoted or plain single-line string or a one-line list of them. It gives exactly what the
// YAML parser (YAML 1.2 core schema) gives for such a block, and gives up (undefined) on
// anything else, which the YAML parser then reads, errors and line numbers included.

const keyLine = /^([A-Za-z][A-Za-z0-9_]*):( +)(.*)$/;
const doubleQuoted = /^"([^"\\]*)"$/;
const singleQuoted = /^'([^']*)'$/;
// Characters YAML does not allow as they are, or reads in a way of their own: controls, DEL,
// C1 (with NEL), the byte order mark, the line and paragraph separators and the noncharacters.
const unusual = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\uFEFF\uFFFE\uFFFF]/;
// A plain scalar that starts with a letter or digit and holds no comment (` #`) and no mapping
// indicator (`: ` or a final `:`). In a list, no flow indicator, quote, `#` or `:` at all.
const blockPlain = /^[\p{L}\p{N}](?:[^#:]|#(?<! #)|:(?! |$))*$/u;
const flowPlain = /^[\p{L}\p{N}][^,[\]{}#:"']*$/u;
// What the core schema reads as null, a boolean, an integer or a float rather than a string.
const notString = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
];

function quoted(text: string): string | undefined {
  return doubleQuoted.exec(text)?.[1] ?? singleQuoted.exec(text)?.[1];
}

function plain(text: string, pattern: RegExp): string | undefined {
  if (!pattern.test(text) || notString.some((re) => re.test(text))) return undefined;
  return text;
}

function flowList(inner: string): string[] | undefined {
  const items: string[] = [];
  if (inner.trim() === '') return items;
  for (const part of inner.split(',')) {
    const text = part.trim();
    const value = quoted(text) ?? plain(text, flowPlain);
    // A quote cut by the split (a comma inside quotes) or an empty item: the parser decides.
    if (value === undefined) return undefined;
    items.push(value);
  }
  return items;
}

/**
 * The mapping a front-matter block (the text between the opening `---` and the closing line,
 * starting with the rest of the opening line) holds, when every line is a simple `key: value`;
 * undefined when the block needs the YAML parser.
 */
export function parseSimpleFrontMatter(block: string): Record<string, string | string[]> | undefined {
  if (unusual.test(block.replace(/\r\n/g, '\n').replaceAll('\n', ' '))) return undefined;
  const lines = block.split('\n');
  if (lines[0] !== '' && lines[0] !== '\r') return undefined;
  const crlf = lines[0] === '\r';
  const data: Record<string, string | string[]> = {};
  for (let i = 1; i < lines.length; i++) {
    let line = lines[i]!;
    if (crlf) {
      if (!line.endsWith('\r')) return undefined;
      line = line.slice(0, -1);
    }
    const m = keyLine.exec(line);
    if (m === null) return undefined;
    const key = m[1]!;
    if (key === '__proto__' || Object.hasOwn(data, key) || notString.some((re) => re.test(key))) return undefined;
    const text = m[3]!.replace(/ +$/, '');
    let value: string | string[] | undefined;
    if (text.startsWith('"') || text.startsWith("'")) value = quoted(text);
    else if (text.startsWith('[') && text.endsWith(']')) value = flowList(text.slice(1, -1));
    else value = plain(text, blockPlain);
    if (value === undefined) return undefined;
    data[key] = value;
  }
  return lines.length > 1 ? data : undefined;
}
