// Fails when a line of src/ or tests/ is longer than 120 characters, the formatter's width. The formatter wraps
// code but not strings or comments; this catches those. A line holding a URL is allowed (it cannot be wrapped),
// and so is a line under a `// long-line: REASON` comment (test data that must stay as it is).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'src', 'tests'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => /\.(ts|mjs|js)$/.test(f) && !f.startsWith('tests/fixtures/'));

const found = [];
for (const file of files) {
  let lines;
  try {
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    continue; // deleted in the work tree
  }
  lines.forEach((line, i) => {
    if ([...line].length <= MAX) return;
    if (/\bhttps?:\/\//.test(line)) return;
    if (/\/\/ long-line: \S/.test(lines[i - 1] ?? '')) return;
    found.push(`${file}:${i + 1}: ${[...line].length} characters`);
  });
}
if (found.length > 0) {
  process.stderr.write(`${found.join('\n')}\n${found.length} line(s) longer than ${MAX} characters\n`);
  process.exit(1);
}
