// Writes a complete build to disk atomically, so readers of public/ never see a half-written tree.
//
// How: every build is written into its own folder under `buildsDir` (named by the hash of its
// content) and `outDir` (public/) is a symbolic link to the current one. Activating a build
// creates a new link next to `outDir` and rename(2)s it over `outDir`; POSIX guarantees the
// rename is atomic, so every path lookup through `outDir` resolves to either the old or the new
// build, never to a mix. A failed build never touches the link, so public/ stays exactly as it
// was. Files are written as they come from an iterable (a generator renders them one at a time),
// so a build never holds the whole output in memory; the build's id, the hash of its content, is
// therefore known only once every file is written. The previous builds are kept (a reader that
// opened a file before the swap finishes reading it) and older ones pruned.
//
// A long-running worker may instead update the live build in place (updateBuildInPlace): each
// changed file is replaced by rename(2), so a reader gets the old file or the new one, whole, but
// for the moment of the update some files are new and others still old. Servers must therefore
// notice both a new link target and a replaced file (src/server/static-files.ts looks again at
// most every revalidateMs).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { GazetteError } from '../errors.ts';
import type { OutputFile, OutputSpec } from '../output.ts';

// Files written at once by an in-place update: enough to keep the thread pool busy, few enough for
// any descriptor limit.
const WRITE_CONCURRENCY = 16;
// A full build lets the event loop run at least this often (milliseconds).
const YIELD_EVERY_MS = 50;

export interface WriteOutputOptions {
  /** The folder readers use (public/); becomes a symbolic link to the current build. */
  outDir: string;
  /** Where build folders live; default `.<name>.builds` next to `outDir`. */
  buildsDir?: string;
  /** How many earlier builds to keep besides the current one (default 2). */
  keep?: number;
  /**
   * The id of what the live folder holds, when it was updated in place (updateBuildInPlace) and
   * its name no longer says; default: its name.
   */
  liveContent?: string;
}

/** What a build holds: each file's content hash and the `deps` of the spec it was rendered from. */
export type Manifest = Map<string, { deps: readonly unknown[]; hash: string }>;

export interface WriteResult {
  /** Hash of the build's content, also the name of its folder. */
  id: string;
  buildDir: string;
  files: number;
  bytes: number;
  /** The same content was already live, so nothing was written or swapped. */
  unchanged: boolean;
  /** Every file of the build, for a later `updateBuildInPlace`. */
  manifest: Manifest;
}

/** The default folder for build trees of `outDir`. */
export function defaultBuildsDir(outDir: string): string {
  return path.join(path.dirname(path.resolve(outDir)), `.${path.basename(path.resolve(outDir))}.builds`);
}

/** A path under public/ that cannot escape it. */
function checkPath(p: string): void {
  const bad =
    p === '' ||
    p.startsWith('/') ||
    p.includes('\\') ||
    p.includes('\0') ||
    p.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (bad) throw new GazetteError('OUTPUT_PATH_INVALID', `the build produced an invalid output path "${p}"`);
}

/**
 * The build's id from each file's path and content hash, whatever order the files came in; a
 * file and a folder of the same name cannot both exist on disk.
 */
function buildId(manifest: Manifest): string {
  const paths = [...manifest.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < paths.length; i++) {
    if (paths[i]!.startsWith(`${paths[i - 1]!}/`)) {
      throw new GazetteError('OUTPUT_PATH_CONFLICT', `"${paths[i - 1]!}" is both a file and a folder in the output`);
    }
  }
  const hash = createHash('sha256');
  for (const p of paths) hash.update(p).update('\0').update(manifest.get(p)!.hash).update('\n');
  return hash.digest('hex').slice(0, 20);
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** The build folder `outDir` links to now, or undefined when it is no link. */
async function currentBuild(outDir: string): Promise<string | undefined> {
  try {
    return path.resolve(path.dirname(outDir), await readlink(outDir));
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function prune(buildsDir: string, current: string, keep: number): Promise<void> {
  const entries = await readdir(buildsDir, { withFileTypes: true });
  const finished: { dir: string; mtime: number }[] = [];
  for (const entry of entries) {
    const dir = path.join(buildsDir, entry.name);
    const tmp = /^tmp-(\d+)-/.exec(entry.name);
    if (tmp) {
      // Left behind by a build that crashed; a running build's folder is its own business.
      if (!processAlive(Number(tmp[1]))) await rm(dir, { recursive: true, force: true });
      continue;
    }
    if (!entry.isDirectory() || dir === current) continue;
    finished.push({ dir, mtime: (await stat(dir)).mtimeMs });
  }
  finished.sort((a, b) => b.mtime - a.mtime);
  for (const old of finished.slice(keep)) await rm(old.dir, { recursive: true, force: true });
}

/**
 * Writes `files` as a new build and makes `outDir` point at it in one atomic step.
 * On any error before the swap, `outDir` is left exactly as it was.
 */
export function writeOutputAtomically(files: Iterable<OutputFile>, options: WriteOutputOptions): Promise<WriteResult> {
  return writeSpecsAtomically(asSpecs(files), options);
}

function* asSpecs(files: Iterable<OutputFile>): Generator<OutputSpec> {
  for (const file of files) yield { path: file.path, deps: [], render: () => file.body };
}

/** `writeOutputAtomically` for specs: renders each as it is written and keeps their `deps` in the manifest. */
export async function writeSpecsAtomically(
  specs: Iterable<OutputSpec>,
  options: WriteOutputOptions,
): Promise<WriteResult> {
  const outDir = path.resolve(options.outDir);
  const buildsDir = path.resolve(options.buildsDir ?? defaultBuildsDir(outDir));
  const keep = options.keep ?? 2;

  const outStat = await lstat(outDir).catch(() => undefined);
  if (outStat && !outStat.isSymbolicLink() && !outStat.isDirectory()) {
    throw new GazetteError('OUTPUT_NOT_A_FOLDER', `${outDir} exists and is not a folder`);
  }
  await mkdir(buildsDir, { recursive: true });

  const tmpDir = await mkdtemp(path.join(buildsDir, `tmp-${process.pid}-`));
  let written: { id: string; files: number; bytes: number; manifest: Manifest };
  try {
    // mkdtemp creates the folder private to its owner; a web server may run as another user.
    await chmod(tmpDir, 0o755);
    written = await writeFiles(specs, tmpDir);
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    // a template that fails to render is the template's error, not the disk's
    if (err instanceof GazetteError && (err.code.startsWith('OUTPUT_PATH') || err.code === 'TEMPLATE_INVALID'))
      throw err;
    throw new GazetteError('OUTPUT_WRITE_FAILED', `cannot write the build to ${buildsDir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const live = await currentBuild(outDir);
  // A folder is named by the content it was written with; one updated in place since holds other content.
  const liveHolds = live === undefined ? undefined : (options.liveContent ?? path.basename(live));
  if (live !== undefined && liveHolds === written.id && (await exists(live))) {
    await rm(tmpDir, { recursive: true, force: true });
    await prune(buildsDir, live, keep);
    return { ...written, buildDir: live, unchanged: true };
  }
  // The live folder may bear this content's name while holding other content: never replace it.
  let finalDir = path.join(buildsDir, written.id);
  if (finalDir === live) finalDir = path.join(buildsDir, `${written.id}-${randomBytes(4).toString('hex')}`);
  const result = { ...written, buildDir: finalDir };
  try {
    // A leftover folder of the same content (an older build not live now) is replaced whole.
    if (await exists(finalDir)) await rm(finalDir, { recursive: true, force: true });
    try {
      await rename(tmpDir, finalDir);
    } catch (err) {
      // A concurrent build of the same content got there first: its folder is identical.
      if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      await rm(tmpDir, { recursive: true, force: true });
    }
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    throw new GazetteError('OUTPUT_WRITE_FAILED', `cannot write the build to ${buildsDir}: ${(err as Error).message}`, {
      cause: err,
    });
  }

  const now = new Date();
  await utimes(finalDir, now, now);
  const parent = path.dirname(outDir);
  await mkdir(parent, { recursive: true });
  const link = path.join(parent, `.${path.basename(outDir)}.link-${process.pid}-${randomBytes(4).toString('hex')}`);
  await symlink(path.relative(parent, finalDir), link, 'dir');
  try {
    if (outStat?.isDirectory()) {
      // First build over a plain folder: move it aside (once), then the link takes its place.
      await rename(outDir, path.join(buildsDir, `previous-${randomBytes(4).toString('hex')}`));
    }
    await rename(link, outDir);
  } catch (err) {
    await rm(link, { force: true });
    throw new GazetteError(
      'OUTPUT_SWAP_FAILED',
      `cannot switch ${outDir} to the new build: ${(err as Error).message}`,
      { cause: err },
    );
  }
  await prune(buildsDir, finalDir, keep);
  return { ...result, unchanged: false };
}

/**
 * Writes every file of `specs` under `dir` with plain synchronous calls, one file after another,
 * taking the next file from the iterable only once the last is written; checks each path and
 * hashes each file. Synchronous calls cost a fraction of the promise-based ones per file (a folder
 * and a file, thousands of times); the event loop still gets a turn every YIELD_EVERY_MS, so a
 * server in the same process keeps answering during a long build.
 */
async function writeFiles(
  specs: Iterable<OutputSpec>,
  dir: string,
): Promise<{ id: string; files: number; bytes: number; manifest: Manifest }> {
  const manifest: Manifest = new Map();
  const folders = new Set(['.']);
  let bytes = 0;
  let turn = performance.now();
  for (const spec of specs) {
    checkPath(spec.path);
    if (manifest.has(spec.path))
      throw new GazetteError('OUTPUT_PATH_CONFLICT', `two outputs claim the same path "${spec.path}"`);
    const body = encode(spec.render());
    const parent = path.posix.dirname(spec.path);
    if (!folders.has(parent)) {
      mkdirSync(path.join(dir, parent), { recursive: true });
      folders.add(parent);
    }
    writeFileSync(path.join(dir, spec.path), body, { flag: 'wx' });
    manifest.set(spec.path, { deps: spec.deps, hash: hashOf(body) });
    bytes += body.length;
    if (performance.now() - turn > YIELD_EVERY_MS) {
      await yieldToEventLoop();
      turn = performance.now();
    }
  }
  return { id: buildId(manifest), files: manifest.size, bytes, manifest };
}

function encode(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body) : body;
}

function hashOf(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64');
}

/**
 * The content hashes, as a manifest holds them, of those of `paths` that exist under `dir`: what a
 * build written before this process started held.
 */
export async function hashesOnDisk(dir: string, paths: readonly string[]): Promise<Map<string, { hash: string }>> {
  const hashes = new Map<string, { hash: string }>();
  for (const p of paths) {
    const body = await readFile(path.join(dir, p)).catch(() => undefined);
    if (body !== undefined) hashes.set(p, { hash: hashOf(body) });
  }
  return hashes;
}

/**
 * Writes files under `dir` with at most WRITE_CONCURRENCY writes at a time: `write` resolves as
 * soon as a slot is free, so the caller renders the next file while the thread pool writes.
 * After a failure, `failed()` is true and `done()` throws it once the writes in flight settle.
 */
function writeLimiter(dir: string) {
  const folders = new Map<string, Promise<unknown>>();
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const folder = (rel: string): Promise<unknown> => {
    let made = folders.get(rel);
    if (made === undefined) {
      // Recursive mkdir tolerates a parent made by a sibling at the same moment.
      made = mkdir(path.join(dir, rel), { recursive: true });
      folders.set(rel, made);
    }
    return made;
  };
  return {
    running,
    failed: () => failure !== undefined,
    async write(rel: string, body: Uint8Array, how: { flag?: string; replace?: boolean }): Promise<void> {
      const parent = path.posix.dirname(rel);
      const target = path.join(dir, rel);
      const task = (async () => {
        if (parent !== '.') await folder(parent);
        if (how.replace) {
          // Replaced by rename(2), so a reader opens either the old file or the new one, whole.
          const tmp = path.join(
            path.dirname(target),
            `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
          );
          try {
            await writeFile(tmp, body, { flag: 'wx', mode: 0o644 });
            await rename(tmp, target);
          } catch (err) {
            await rm(tmp, { force: true });
            throw err;
          }
        } else {
          await writeFile(target, body, how.flag !== undefined ? { flag: how.flag } : {});
        }
      })().then(
        () => {
          running.delete(task);
        },
        (error: unknown) => {
          running.delete(task);
          failure ??= { error };
        },
      );
      running.add(task);
      if (running.size >= WRITE_CONCURRENCY) await Promise.race(running);
    },
    async done(): Promise<void> {
      await Promise.all(running);
      if (failure !== undefined) throw failure.error;
    },
  };
}

export interface LiveBuild {
  /** The build folder public/ links to. */
  buildDir: string;
  manifest: Manifest;
  /** The id of what it holds now (its name is the id of what it was first written with). */
  id: string;
}

export type UpdateResult =
  | { kind: 'updated'; id: string; files: number; written: string[]; removed: string[]; manifest: Manifest }
  | { kind: 'unchanged'; id: string; files: number; manifest: Manifest }
  /** More than `maxShare` of the files would change: a full build is the cheaper way. */
  | { kind: 'too-many'; changed: number; files: number };

/**
 * Brings the live build up to date with `specs` in place: renders only the specs whose `deps`
 * differ from the manifest's, replaces each file whose content changed by an atomic rename (a
 * reader sees the old file or the new one, whole; for a moment some files are new and others
 * old, unlike a full build's single swap), and deletes the files no spec names any more.
 * Checks the paths as a full build does; on an invalid path nothing is touched.
 */
export async function updateBuildInPlace(
  live: LiveBuild,
  specs: Iterable<OutputSpec>,
  options: { maxShare?: number } = {},
): Promise<UpdateResult> {
  const next: Manifest = new Map();
  const dirty: OutputSpec[] = [];
  let newPaths = false;
  for (const spec of specs) {
    const before = live.manifest.get(spec.path);
    // A path of the live build was checked when it was first written.
    if (before === undefined) {
      checkPath(spec.path);
      newPaths = true;
    }
    if (next.has(spec.path))
      throw new GazetteError('OUTPUT_PATH_CONFLICT', `two outputs claim the same path "${spec.path}"`);
    if (before !== undefined && sameDeps(before.deps, spec.deps)) {
      next.set(spec.path, before);
    } else {
      next.set(spec.path, { deps: spec.deps, hash: '' });
      dirty.push(spec);
    }
  }
  const removed = [...live.manifest.keys()].filter((p) => !next.has(p));
  const maxShare = options.maxShare ?? 0.25;
  if (dirty.length + removed.length > Math.max(50, next.size * maxShare))
    return { kind: 'too-many', changed: dirty.length + removed.length, files: next.size };
  // Checks file/folder clashes among new paths before anything is written.
  if (newPaths) buildId(new Map([...next].map(([p, v]) => [p, { ...v, hash: v.hash || '-' }])));

  const limit = writeLimiter(live.buildDir);
  const written: string[] = [];
  try {
    for (const spec of dirty) {
      const body = encode(spec.render());
      const hash = hashOf(body);
      next.set(spec.path, { deps: spec.deps, hash });
      if (live.manifest.get(spec.path)?.hash === hash) continue;
      written.push(spec.path);
      await limit.write(spec.path, body, { replace: true });
    }
    await limit.done();
    for (const p of removed) await rm(path.join(live.buildDir, p), { force: true });
  } catch (err) {
    await limit.done().catch(() => undefined);
    throw new GazetteError(
      'OUTPUT_WRITE_FAILED',
      `cannot update the build in ${live.buildDir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const id = buildId(next);
  if (written.length === 0 && removed.length === 0) return { kind: 'unchanged', id, files: next.size, manifest: next };
  return { kind: 'updated', id, files: next.size, written, removed, manifest: next };
}

function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
