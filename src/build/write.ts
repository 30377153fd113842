// Writes a complete build to disk atomically, so readers of public/ never see a half-written tree.
//
// How: every build is written into its own folder under `buildsDir` (named by the hash of its
// content) and `outDir` (public/) is a symbolic link to the current one. Activating a build
// creates a new link next to `outDir` and rename(2)s it over `outDir`; POSIX guarantees the
// rename is atomic, so every path lookup through `outDir` resolves to either the old or the new
// build, never to a mix. A failed build never touches the link, so public/ stays exactly as it
// was. The previous builds are kept (a reader that opened a file before the swap finishes reading
// it) and older ones pruned. Servers must resolve paths through `outDir` on every request and not
// cache its realpath.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, readlink, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mapLimit } from '../concurrency.ts';
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

const encoder = new TextEncoder();

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? encoder.encode(body) : body;
}

/** The default folder for build trees of `outDir`. */
export function defaultBuildsDir(outDir: string): string {
  return path.join(path.dirname(path.resolve(outDir)), `.${path.basename(path.resolve(outDir))}.builds`);
}

function buildId(files: readonly { path: string; bytes: Uint8Array }[]): string {
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(f.path).update('\0').update(String(f.bytes.length)).update('\0').update(f.bytes);
  }
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
export async function writeOutputAtomically(files: readonly OutputFile[], options: WriteOutputOptions): Promise<WriteResult> {
  const outDir = path.resolve(options.outDir);
  const buildsDir = path.resolve(options.buildsDir ?? defaultBuildsDir(outDir));
  const keep = options.keep ?? 2;
  const encoded = files.map((f) => ({ path: f.path, bytes: bytesOf(f.body) }));
  const id = buildId(encoded);
  const finalDir = path.join(buildsDir, id);
  const bytes = encoded.reduce((n, f) => n + f.bytes.length, 0);
  const result = { id, buildDir: finalDir, files: encoded.length, bytes };

  const outStat = await lstat(outDir).catch(() => undefined);
  if (outStat && !outStat.isSymbolicLink() && !outStat.isDirectory()) {
    throw new GazetteError('OUTPUT_NOT_A_FOLDER', `${outDir} exists and is not a folder`);
  }
  await mkdir(buildsDir, { recursive: true });
  if ((await currentBuild(outDir)) === finalDir && (await exists(finalDir))) {
    await prune(buildsDir, finalDir, keep);
    return { ...result, unchanged: true };
  }

  const tmpDir = await mkdtemp(path.join(buildsDir, `tmp-${process.pid}-`));
  try {
    // mkdtemp creates the folder private to its owner; a web server may run as another user.
    await chmod(tmpDir, 0o755);
    const folders = new Set(encoded.map((f) => path.posix.dirname(f.path)).filter((d) => d !== '.'));
    // Recursive mkdir tolerates a parent made by a sibling at the same moment.
    await mapLimit([...folders].sort(), WRITE_CONCURRENCY, (folder) => mkdir(path.join(tmpDir, folder), { recursive: true }));
    await mapLimit(encoded, WRITE_CONCURRENCY, (f) => writeFile(path.join(tmpDir, f.path), f.bytes, { flag: 'wx' }));
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
