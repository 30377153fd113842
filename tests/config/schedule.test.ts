// A mistyped digest.schedule is refused by every command the same way, naming the file and the key: before, `build`
// took it and `status` printed node-cron's words alone.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, repoRoot } from '../helpers/worker-process.ts';

describe('digest.schedule that is not a cron expression', () => {
  let dir: string;
  let config: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-schedule-'));
    config = path.join(dir, 'gazette.yaml');
    const yaml = await readFile(path.join(repoRoot, 'gazette.yaml'), 'utf8');
    await writeFile(config, yaml.replace(/^(\s*schedule: ).*$/m, '$1"0 9 * * Mon-Fry"'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['build', ['build', '--content', path.join(repoRoot, 'content'), '--out', 'public']],
    ['status', ['status']],
    ['digest send --dry-run', ['digest', 'send', '--dry-run', '--content', path.join(repoRoot, 'content')]],
    ['start', ['start']],
  ])('is refused by %s, naming the file and digest.schedule', (_name, args) => {
    const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin/gazette.js'), '--config', config, ...args], {
      cwd: dir,
      env: childEnv({ PORT: '0' }),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(
      `gazette: ${config}: digest.schedule: "0 9 * * Mon-Fry" is not a cron expression ` +
        '(dayOfWeek: Mon-Fry is a invalid expression for week day)\n',
    );
  });
});
