// Shared set-up for the tests that stop `gazette start` by a signal: a site folder laid out like a checkout, whether a
// port is free, and the scheduler lease rows left in the database.
import { copyFile, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Store } from '../../src/store/index.ts';
import { repoRoot } from '../helpers/worker-process.ts';
import { configOffSchedule, itemFile } from '../worker/support.ts';

/**
 * A folder `npm start` and `gazette start` can run in: the repository's own package.json (so its start script is the
 * one under test), bin/ linked to the repository's, a gazette.yaml off the weekly slot, and one item.
 */
export async function makeCheckout(prefix: string): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), prefix));
  await copyFile(path.join(repoRoot, 'package.json'), path.join(root, 'package.json'));
  await symlink(path.join(repoRoot, 'bin'), path.join(root, 'bin'));
  await writeFile(path.join(root, 'gazette.yaml'), await configOffSchedule());
  await mkdir(path.join(root, 'content/news'), { recursive: true });
  await writeFile(
    path.join(root, 'content/news/seizure.md'),
    itemFile('Heroin seized at the border', new Date(Date.now() - 86_400_000)),
  );
  return root;
}

/** Whether a new server can listen on `port` (all interfaces, as the worker binds by default). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** The process id in a worker's id (`host:pid:random`), from its "worker starting" log line. */
export function workerPid(logs: Record<string, unknown>[]): number | undefined {
  const id = logs.find((r) => r.msg === 'worker starting')?.worker;
  const pid = typeof id === 'string' ? Number(id.split(':').at(-2)) : Number.NaN;
  return Number.isInteger(pid) ? pid : undefined;
}

/** Kills a process left behind by a failed test; no error when it is already gone. */
export function killLeftover(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function leaseHolders(store: Store): Promise<{ name: string; holder: string }[]> {
  return store.db.selectFrom('leases').select(['name', 'holder']).execute();
}
