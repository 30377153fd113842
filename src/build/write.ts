// Writes a complete build to disk atomically, so readers of public/ never see a half-written tree.
//
// How: every build is written into its own folder under `buildsDir` (named by the hash of its
// content) and `outDir` (public/) is a symbolic link to the current one. Activating a build
// creates a new link next to `outDir` and rename(2)s it over `outDir`; POSIX guarantees the
// rename is atomic, so every path lookup through `outDir` resolves to either the old or the new
// build, never to a mix. A failed build never touches the link, so public/ stays exactly as it
// was. Files are written as they come from an iterable (a generator renders them one at a time),
// so a build never holds the whole output in memory; the build's id, the hash of its content, is
// therefore known only once every file is written. The previous builds are kept (a reader that opened a file before the swap finishes reading
// it) and older ones pruned. Servers must resolve paths through `outDir` on every request and not
// cache its realpath.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readlink, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GazetteError } from '../errors.ts';
import type { OutputFile } from '../output.ts';

// Files written at once: enough to keep the thread pool busy, few enough for any descriptor limit.
const WRITE_CONCURRENCY = 16;

export interface WriteOutputOptions {
  /** The folder readers use (public/); becomes a symbolic link to the current build. */
  outDir: string;
  /** Where build folders live; default `.<name>.builds` next to `outDir`. */
  buildsDir?: string;
  /** How many earlier builds to keep besides the current one (default 2). */
  keep?: number;
}

export interface WriteResult {
  /** Hash of the build's content, also the name of its folder. */
  id: string;
  buildDir: string;
  files: number;
  bytes: number;
  /** The same content was already live, so nothing was written or swapped. */
  unchanged: boolean;
}

/** The default folder for build trees of `outDir`. */
export function defaultBuildsDir(outDir: string): string {
  return path.join(path.dirname(path.resolve(outDir)), `.${path.basename(path.resolve(outDir))}.builds`);
}

/** A path under public/ that cannot escape it. */
function checkPath(p: string): void {
  const bad = p === '' || p.startsWith('/') || p.includes('\\') || p.includes('\0') || p.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (bad) throw new GazetteError('OUTPUT_PATH_INVALID', `the build produced an invalid output path "${p}"`);
}

/**
 * The build's id from each file's path and content hash, whatever order the files came in; a
 * file and a folder of the same name cannot both exist on disk.
 */
function buildId(hashes: Map<string, string>): string {
  const paths = [...hashes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < paths.length; i++) {
    if (paths[i]!.startsWith(`${paths[i - 1]!}/`)) {
      throw new GazetteError('OUTPUT_PATH_CONFLICT', `"${paths[i - 1]!}" is both a file and a folder in the output`);
    }
  }
  const hash = createHash('sha256');
  for (const p of paths) hash.update(p).update('\0').update(hashes.get(p)!).update('\n');
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
export async function writeOutputAtomically(files: Iterable<OutputFile>, options: WriteOutputOptions): Promise<WriteResult> {
  const outDir = path.resolve(options.outDir);
  const buildsDir = path.resolve(options.buildsDir ?? defaultBuildsDir(outDir));
  const keep = options.keep ?? 2;

  const outStat = await lstat(outDir).catch(() => undefined);
  if (outStat && !outStat.isSymbolicLink() && !outStat.isDirectory()) {
    throw new GazetteError('OUTPUT_NOT_A_FOLDER', `${outDir} exists and is not a folder`);
  }
  await mkdir(buildsDir, { recursive: true });

  const tmpDir = await mkdtemp(path.join(buildsDir, `tmp-${process.pid}-`));
  let written: { id: string; files: number; bytes: number };
  try {
    // mkdtemp creates the folder private to its owner; a web server may run as another user.
    await chmod(tmpDir, 0o755);
    written = await writeFiles(files, tmpDir);
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    if (err instanceof GazetteError && err.code.startsWith('OUTPUT_PATH')) throw err;
    throw new GazetteError('OUTPUT_WRITE_FAILED', `cannot write the build to ${buildsDir}: ${(err as Error).message}`, { cause: err });
  }
  const finalDir = path.join(buildsDir, written.id);
  const result = { ...written, buildDir: finalDir };
  if ((await currentBuild(outDir)) === finalDir && (await exists(finalDir))) {
    await rm(tmpDir, { recursive: true, force: true });
    await prune(buildsDir, finalDir, keep);
    return { ...result, unchanged: true };
  }
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
    throw new GazetteError('OUTPUT_WRITE_FAILED', `cannot write the build to ${buildsDir}: ${(err as Error).message}`, { cause: err });
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
    throw new GazetteError('OUTPUT_SWAP_FAILED', `cannot switch ${outDir} to the new build: ${(err as Error).message}`, { cause: err });
  }
  await prune(buildsDir, finalDir, keep);
  return { ...result, unchanged: false };
}

/**
 * Writes every file of `files` under `dir`, at most WRITE_CONCURRENCY at a time, taking the next
 * file from the iterable only when a write slot is free; checks each path and hashes each file.
 */
async function writeFiles(files: Iterable<OutputFile>, dir: string): Promise<{ id: string; files: number; bytes: number }> {
  const hashes = new Map<string, string>();
  const folders = new Map<string, Promise<unknown>>();
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let bytes = 0;
  const folder = (rel: string): Promise<unknown> => {
    let made = folders.get(rel);
    if (made === undefined) {
      // Recursive mkdir tolerates a parent made by a sibling at the same moment.
      made = mkdir(path.join(dir, rel), { recursive: true });
      folders.set(rel, made);
    }
    return made;
  };
  for (const file of files) {
    if (failure !== undefined) break;
    checkPath(file.path);
    if (hashes.has(file.path)) throw await settle(running, new GazetteError('OUTPUT_PATH_CONFLICT', `two outputs claim the same path "${file.path}"`));
    const body = typeof file.body === 'string' ? Buffer.from(file.body) : file.body;
    hashes.set(file.path, createHash('sha256').update(body).digest('base64'));
    bytes += body.length;
    const parent = path.posix.dirname(file.path);
    const task = (async () => {
      if (parent !== '.') await folder(parent);
      await writeFile(path.join(dir, file.path), body, { flag: 'wx' });
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
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure.error;
  return { id: buildId(hashes), files: hashes.size, bytes };
}

/** Waits for the writes still running, then hands back `error` to throw. */
async function settle(running: Set<Promise<void>>, error: Error): Promise<Error> {
  await Promise.all(running);
  return error;
}
