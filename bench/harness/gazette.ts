// How the benchmarks start gazette: as `npx gazette …` does, by its bin file, with the Node options
// its #! line gives (e.g. the young generation's size), under this process's own Node.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The Node options on bin/gazette.js's `#!/usr/bin/env -S node …` line. */
export function gazetteNodeOptions(root: string): string[] {
  const first = readFileSync(path.join(root, 'bin/gazette.js'), 'utf8').split('\n', 1)[0]!;
  const words = first
    .replace(/^#!\s*/, '')
    .split(/\s+/)
    .filter(Boolean);
  const node = words.findIndex((w) => w === 'node' || w.endsWith('/node'));
  return node < 0 ? [] : words.slice(node + 1);
}

/** Arguments for `process.execPath` that run `gazette …args` as its bin file would. */
export function gazetteArgs(root: string, ...args: string[]): string[] {
  return [...gazetteNodeOptions(root), path.join(root, 'bin/gazette.js'), ...args];
}
