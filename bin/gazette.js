#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point for `gazette` / `npx gazette`. The #! line gives V8 a young generation of 4 MiB
// semi-spaces instead of growing them to 16 MiB: a send or a worker then holds about 30 MiB less,
// and a build spends less time in minor collections than with 2 MiB (BENCHMARKS.md). `npm start`
// passes the same.
// Runs the compiled bundle in dist/ (made by scripts/compile.mjs on `npm install`) when it is
// newer than every file under src/; otherwise runs the TypeScript sources directly through tsx, so
// an edited checkout never runs stale code.
import { readdirSync, readFileSync, statSync } from 'node:fs';

const src = new URL('../src/', import.meta.url);
const dist = new URL('../dist/', import.meta.url);

function compiledIsFresh() {
  if (process.env.GAZETTE_SOURCES === '1') return false;
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(new URL('stamp.json', dist), 'utf8'));
  } catch {
    return false;
  }
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(`${entry.parentPath}/${entry.name}`).mtimeMs > stamp.newestSource) return false;
  }
  return true;
}

const { main } = compiledIsFresh()
  ? await import(new URL('cli/main.js', dist).href)
  : await (await import('tsx/esm/api')).tsImport('../src/cli/main.ts', import.meta.url);
process.exitCode = await main(process.argv);
