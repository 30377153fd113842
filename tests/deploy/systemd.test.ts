// deploy/gazette.service as systemd reads it: `systemd-analyze verify` on a copy whose paths point into a temporary
// checkout, so that the only thing judged is the unit's own settings. Needs Debian's systemd
// (scripts/install-system-deps.sh).
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEnvironment } from '../../src/config/load.ts';
import { deployDir, replaceOrFail, unitExecStart, unitStartArgs } from './support.ts';

/** `KEY=VALUE` lines as systemd's EnvironmentFile= reads them (comments and blank lines skipped). */
function environmentFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]!] = m[2]!;
  }
  return vars;
}

describe('deploy/gazette.service', () => {
  let dir: string;
  let unitText: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-unit-'));
    unitText = await readFile(path.join(deployDir, 'gazette.service'), 'utf8');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The unit with the checkout, node, the user and the environment file of this machine, written as NAME. */
  async function localCopy(name: string, edit: (text: string) => string = (t) => t): Promise<string> {
    const checkout = path.join(dir, 'opt-gazette');
    for (const sub of ['src', 'bin', 'templates', 'node_modules', 'content', 'var'])
      await mkdir(path.join(checkout, sub), { recursive: true });
    for (const file of ['package.json', 'gazette.yaml', 'bin/gazette.js'])
      await writeFile(path.join(checkout, file), '');
    await chmod(path.join(checkout, 'bin/gazette.js'), 0o755);
    const envFile = path.join(dir, 'gazette.env');
    await writeFile(envFile, await readFile(path.join(deployDir, 'gazette.env.example')));
    const user = os.userInfo().username;
    const group = spawnSync('id', ['-gn'], { encoding: 'utf8' }).stdout.trim();
    let text = replaceOrFail(unitText, /\/opt\/gazette/g, checkout);
    text = replaceOrFail(text, /^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `);
    text = replaceOrFail(text, /^User=gazette$/m, `User=${user}`);
    text = replaceOrFail(text, /^Group=gazette$/m, `Group=${group}`);
    text = replaceOrFail(text, /^EnvironmentFile=\/etc\/gazette\/gazette\.env$/m, `EnvironmentFile=${envFile}`);
    const file = path.join(dir, name);
    await writeFile(file, edit(text));
    return file;
  }

  function verify(file: string): { status: number | null; output: string } {
    const res = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 60_000 });
    return { status: res.status, output: `${res.stdout}${res.stderr}` };
  }

  it('passes systemd-analyze verify with nothing said about its own settings', async () => {
    const file = await localCopy('gazette.service');
    const { status, output } = verify(file);
    expect(output.split('\n').filter((l) => l.includes('gazette.service'))).toEqual([]);
    expect(status).toBe(0);
  });

  it('would be caught by that check with a mistyped setting (the check is not blind)', async () => {
    const file = await localCopy('typo.service', (t) => replaceOrFail(t, 'TimeoutStopSec=30', 'TimeoutStopSec=thirty'));
    const { output } = verify(file);
    expect(output).toContain('typo.service');
  });

  it('gives gazette longer to stop than it gives itself, with SIGTERM, and restarts it only on failure', async () => {
    const args = await unitStartArgs();
    const ownTimeout = Number(args[args.indexOf('--shutdown-timeout') + 1]);
    const stopSec = Number(/^TimeoutStopSec=(\d+)$/m.exec(unitText)?.[1]);
    expect(ownTimeout).toBeGreaterThan(0);
    expect(stopSec).toBeGreaterThanOrEqual(ownTimeout + 5);
    expect(unitText).toMatch(/^KillSignal=SIGTERM$/m);
    expect(unitText).toMatch(/^Restart=on-failure$/m);
    expect(unitText).toMatch(/^Type=simple$/m);
    expect((await unitExecStart()).slice(-args.length - 2, -args.length)).toEqual([
      '/opt/gazette/bin/gazette.js',
      'start',
    ]);
  });

  it('ships an environment file whose every line gazette accepts as it stands', async () => {
    const vars = environmentFile(await readFile(path.join(deployDir, 'gazette.env.example'), 'utf8'));
    expect(Object.keys(vars)).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'SMTP_URL', 'GAZETTE_SECRET', 'ADMIN_TOKEN']),
    );
    const env = resolveEnvironment(vars, { root: '/opt/gazette' });
    expect(env.databaseUrl).toBeUndefined();
    expect(env.varDir).toBe('/opt/gazette/var');
    expect(env.port).toBe(8080);
  });
});
