// Test helpers: a folder as { path: sha256 } (following the public/ link), and running the CLI.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** Every file under `dir` with the hash of its bytes, sorted by path. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  for (const file of files.sort()) {
    out[path.relative(dir, file).split(path.sep).join('/')] = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  }
  return out;
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/gazette.js …` from the repository root, as an operator would. */
export function gazette(...args: string[]): CliRun {
  // A database of its own: the repository's var/ (whatever state a developer left there) must not
  // decide what a test sees. The file does not exist, so the build reads no editions from it.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'silent',
    DATABASE_URL: `sqlite:${path.join(os.tmpdir(), `gazette-none-${process.pid}.db`)}`,
  };
  delete env.GAZETTE_CONFIG;
  const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin/gazette.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}
