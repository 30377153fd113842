#!/usr/bin/env node
// Compiles src/ into dist/ (ES modules bundled with esbuild, the transpiler tsx itself uses) so
// `gazette` starts without transpiling TypeScript at run time, and without resolving and loading
// the hundreds of files its plain-JavaScript dependencies are made of: those are bundled in (a
// start-up of 0.4 s instead of 0.9 s); the packages in EXTERNAL stay in node_modules/. Runs on
// `npm install` / `npm ci` (the "prepare" script); does nothing when dist/ is newer than every
// source file (`--force` compiles anyway). bin/gazette.js uses dist/ only
// while it is newer than every file under src/, and runs src/ through tsx otherwise, so an edited
// checkout never runs stale code.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// Loaded from node_modules/ at run time: native addons (better-sqlite3, pg's optional one), packages
// that start threads or processes from files of their own (pino's transports, node-cron's
// background tasks, chokidar's optional fsevents), mjml (large and only for digests), the tools.
const EXTERNAL = ['better-sqlite3', 'pg', 'pino', 'pino-pretty', 'node-cron', 'chokidar', 'mjml', 'tsx', 'esbuild'];
const dist = path.join(root, 'dist');

/** Newest modification time of the files under src/, in ms. */
function newestSource(srcDir) {
  let newest = 0;
  for (const entry of readdirSync(srcDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

const sources = Math.max(newestSource(path.join(root, 'src')), statSync(fileURLToPath(import.meta.url)).mtimeMs);
let stamp;
try {
  stamp = JSON.parse(readFileSync(path.join(dist, 'stamp.json'), 'utf8'));
} catch {
  stamp = undefined;
}
// mjml as installed, found as Node finds it: its bundle (dist/vendor/mjml.cjs) is made again when
// another version is installed, and src/adapters/mjml.ts uses it only for the version stamp.json names.
const mjmlManifest = createRequire(import.meta.url).resolve('mjml/package.json');
const mjmlVersion = JSON.parse(readFileSync(mjmlManifest, 'utf8')).version;
if (
  stamp !== undefined &&
  stamp.newestSource >= sources &&
  stamp.mjml === mjmlVersion &&
  !process.argv.includes('--force')
)
  process.exit(0);

// Compiled beside dist/ and swapped in, so a half-finished compile never replaces a good one.
const next = `${dist}.tmp-${process.pid}`;
rmSync(next, { recursive: true, force: true });
mkdirSync(next, { recursive: true });
try {
  await build({
    absWorkingDir: root,
    // The content parser threads run a module of their own (see src/content/pool.ts); the last
    // writes mjml's code cache (below).
    entryPoints: {
      'cli/main': 'src/cli/main.ts',
      'content/parse-worker': 'src/content/parse-worker.ts',
      'vendor/warm-mjml': 'src/adapters/mjml-warm.ts',
      'vendor/mjml-worker': 'src/adapters/mjml-worker.ts',
    },
    outdir: next,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL.flatMap((name) => [name, `${name}/*`]),
    // Bundled CommonJS packages call require() for Node's own modules; an ES module has none.
    banner: {
      js: "import { createRequire as __gazetteCreateRequire } from 'node:module'; const require = __gazetteCreateRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // mjml and its few hundred files as one CommonJS file, which src/adapters/mjml.ts loads with a
  // V8 code cache: about 0.17 s instead of 0.6 s. cheerio (through juice) loads undici at start-up
  // for its URL loaders, which neither juice nor mjml calls: the bundle has a stand-in that throws
  // if called.
  await build({
    absWorkingDir: root,
    entryPoints: { 'vendor/mjml': path.join(path.dirname(mjmlManifest), 'lib', 'index.js') },
    outdir: next,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    plugins: [
      stub(
        'undici',
        'const unavailable = () => { throw new Error("undici is not in the mjml bundle"); }; module.exports = new Proxy({}, { get: () => unavailable });',
      ),
    ],
    logLevel: 'warning',
  });
  writeFileSync(path.join(next, 'stamp.json'), `${JSON.stringify({ newestSource: sources, mjml: mjmlVersion })}\n`);
  const old = `${dist}.old-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
} catch (err) {
  rmSync(next, { recursive: true, force: true });
  throw err;
}

// mjml's code cache for Node started as bin/gazette.js starts it (the options of its #! line, which
// `npm start` passes too): V8 takes a cache only under the options it was written with, and
// writing one takes about 20 MiB, which a send should not pay. Without it the first digest
// command writes one.
const nodeOptions =
  /^#!.*\bnode((?: +-[^ ]+)*) *$/m
    .exec(readFileSync(path.join(root, 'bin', 'gazette.js'), 'utf8').split('\n')[0])?.[1]
    ?.trim()
    .split(/ +/) ?? [];
const warm = spawnSync(process.execPath, [...nodeOptions, path.join(dist, 'vendor', 'warm-mjml.js')], {
  cwd: root,
  encoding: 'utf8',
});
if (warm.status !== 0)
  console.warn(
    `compile: mjml's code cache was not written (${(warm.stderr || `exit code ${warm.status}`).trim()}); the first digest command writes it`,
  );

/** An esbuild plugin that bundles `contents` in place of the package `name`. */
function stub(name, contents) {
  return {
    name: `stub-${name}`,
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${name}$`) }, () => ({ path: name, namespace: 'stub' }));
      b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents, loader: 'js' }));
    },
  };
}
