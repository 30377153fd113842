// Shared set-up of the server tests: a copy of the fixture site in a temporary folder, and the app over it.
import { cp, mkdtemp, readFile, rename, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type AppOptions } from '../../src/server/app.ts';

export const fixturePublic = fileURLToPath(new URL('../fixtures/server/public/', import.meta.url));

export const site = { title: 'CARICC News', language: 'en' };

export interface TempSite {
  dir: string;
  /** The public path the server is given. */
  publicDir: string;
  /** A file beside public/ that must never be served. */
  secretFile: string;
  cleanup(): Promise<void>;
}

/**
 * Copies the fixture site into a fresh temporary folder. With `symlinked`, public/ is a symlink to
 * builds/1/ the way an atomic build publishes it.
 */
export async function tempSite(options: { symlinked?: boolean } = {}): Promise<TempSite> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-server-'));
  const publicDir = path.join(dir, 'public');
  if (options.symlinked) {
    await mkdir(path.join(dir, 'builds'));
    await cp(fixturePublic, path.join(dir, 'builds', '1'), { recursive: true });
    await symlink(path.join('builds', '1'), publicDir);
  } else {
    await cp(fixturePublic, publicDir, { recursive: true });
  }
  const secretFile = path.join(dir, 'secret.txt');
  await writeFile(secretFile, 'SECRET-OUTSIDE-PUBLIC\n');
  return { dir, publicDir, secretFile, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Publishes builds/2/ over a symlinked temp site as a build does: a copy of builds/1/ whose
 * feed.xml has `from` replaced by `to`, then public/ re-pointed by renaming a new symlink over it.
 * Resolves with the new feed.xml.
 */
export async function publishEditedBuild(temp: TempSite, from: string, to: string): Promise<string> {
  const next = path.join(temp.dir, 'builds', '2');
  await cp(path.join(temp.dir, 'builds', '1'), next, { recursive: true });
  const feed = (await readFile(path.join(next, 'feed.xml'), 'utf8')).replace(from, to);
  await writeFile(path.join(next, 'feed.xml'), feed);
  await symlink(path.join('builds', '2'), path.join(temp.dir, 'public.next'));
  await rename(path.join(temp.dir, 'public.next'), temp.publicDir);
  return feed;
}

export function appFor(publicDir: string, options: Partial<AppOptions> = {}) {
  return createApp({ publicDir, site, ...options });
}

/** The bytes of a response body. */
export async function bytes(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}
