// A port that cannot be bound is said the way an operator acts on it: which port, which setting, and why.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, repoRoot } from '../helpers/worker-process.ts';

describe('a port already in use', () => {
  let holder: Server;
  let port: number;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-listen-'));
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, resolve));
    port = (holder.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['gazette start', ['start']],
    ['gazette serve (worker processes)', ['serve', '--workers', '2']],
    ['gazette serve (one process)', ['serve', '--workers', '1']],
  ])('is refused by %s in one line naming the port and the setting', (_name, args) => {
    const res = spawnSync(
      process.execPath,
      [
        path.join(repoRoot, 'bin/gazette.js'),
        ...args,
        '--port',
        String(port),
        '--config',
        path.join(repoRoot, 'gazette.yaml'),
      ],
      { cwd: dir, env: childEnv(), encoding: 'utf8', timeout: 60_000 },
    );
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n').at(-1)).toBe(
      `gazette: cannot listen on port ${port} (PORT or --port): another process already uses it`,
    );
  });
});
