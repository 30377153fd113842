// The last build as the worker saw it, kept in var/ so that `gazette status` can report it from another process.
import { mkdir, readFile, readlink, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface BuildState {
  /** When the last build attempt finished (ISO 8601). */
  at: string;
  ok: boolean;
  /** The build folder's name (the hash of its content) of the build now served. */
  id?: string;
  items?: number;
  scheduled?: number;
  nextPublishAt?: string;
  durationMs?: number;
  /** The errors of a failed attempt, one line each. */
  errors?: string[];
  /** The last successful build, kept when a later attempt fails. */
  lastGood?: { at: string; id: string; items: number };
}

export function buildStateFile(varDir: string): string {
  return path.join(varDir, 'last-build.json');
}

/** Writes the state through a temporary file, so a reader never sees half of it. */
export async function writeBuildState(varDir: string, state: BuildState): Promise<void> {
  const file = buildStateFile(varDir);
  await mkdir(varDir, { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

export async function readBuildState(varDir: string): Promise<BuildState | undefined> {
  try {
    return JSON.parse(await readFile(buildStateFile(varDir), 'utf8')) as BuildState;
  } catch {
    return undefined;
  }
}

/** The build public/ serves now, read from its link (any build, the worker's or `gazette build`'s). */
export async function servedBuild(publicDir: string): Promise<{ id: string; at: Date } | undefined> {
  try {
    const target = path.resolve(path.dirname(publicDir), await readlink(publicDir));
    // The build folder's time is set when it goes live.
    return { id: path.basename(target), at: (await stat(target)).mtime };
  } catch {
    return undefined;
  }
}
