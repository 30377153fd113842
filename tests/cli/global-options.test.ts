// `--config` works before the command as well as after it, as operators type it: `gazette --config f digest …`.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childEnv, repoRoot } from '../helpers/worker-process.ts';

function gazette(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [path.join(repoRoot, 'bin/gazette.js'), ...args], {
    cwd,
    env: childEnv(),
    encoding: 'utf8',
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('--config', () => {
  let dir: string;
  let config: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-cli-'));
    config = path.join(dir, 'site.yaml');
    const yaml = await readFile(path.join(repoRoot, 'gazette.yaml'), 'utf8');
    await writeFile(config, yaml.replace(/^(\s*)title: .*$/m, '$1title: Options Test Weekly'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['before the command', (out: string) => ['--config', config, 'build', '--content', CONTENT, '--out', out]],
    ['after the command', (out: string) => ['build', '--content', CONTENT, '--out', out, '--config', config]],
  ])('is read %s', async (_where, args) => {
    const out = path.join(dir, 'public');
    const built = gazette(dir, args(out));
    expect(built.status, built.stderr).toBe(0);
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toContain('Options Test Weekly');
  });

  it('names the missing file before a command group too', () => {
    const res = gazette(dir, ['--config', 'missing.yaml', 'digest', 'status']);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(`gazette: cannot read config file ${path.join(dir, 'missing.yaml')}: ENOENT\n`);
  });
});

const CONTENT = path.join(repoRoot, 'content');
