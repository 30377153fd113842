#!/usr/bin/env node
// Compiles src/ into dist/ (ES modules bundled with esbuild, the transpiler tsx itself uses;
// dependencies stay in node_modules/) so `gazette` starts without transpiling TypeScript at run
// time. Runs on `npm install` / `npm ci` (the "prepare" script). bin/gazette.js uses dist/ only
// while it is newer than every file under src/, and runs src/ through tsx otherwise, so an edited
// checkout never runs stale code.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');

/** Newest modification time of the files under src/, in ms. */
export function newestSource(srcDir) {
  let newest = 0;
  for (const entry of readdirSync(srcDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const sources = newestSource(path.join(root, 'src'));
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await build({
  absWorkingDir: root,
  // The content parser threads run a module of their own (see src/content/pool.ts).
  entryPoints: { 'cli/main': 'src/cli/main.ts', 'content/parse-worker': 'src/content/parse-worker.ts' },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
// Written last: a half-finished compile has no stamp and is never used.
writeFileSync(path.join(dist, 'stamp.json'), `${JSON.stringify({ newestSource: sources })}\n`);
