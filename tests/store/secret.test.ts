import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { loadOrCreateSecret } from '../../src/store/index.ts';

describe('loadOrCreateSecret', () => {
  let varDir: string;
  beforeEach(async () => {
    varDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'gazette-secret-')), 'var');
  });
  afterEach(() => rm(path.dirname(varDir), { recursive: true, force: true }));

  it('generates var/secret on first run, private to the owner, and reuses it', async () => {
    const first = await loadOrCreateSecret(varDir, {});
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(path.join(varDir, 'secret'))).mode & 0o777).toBe(0o600);
    expect(await loadOrCreateSecret(varDir, {})).toBe(first);
  });

  it('agrees on one secret when many callers start at once', async () => {
    const secrets = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSecret(varDir, {})));
    expect(new Set(secrets).size).toBe(1);
    expect((await readFile(path.join(varDir, 'secret'), 'utf8')).trim()).toBe(secrets[0]);
  });

  it('prefers GAZETTE_SECRET and refuses a short one', async () => {
    expect(await loadOrCreateSecret(varDir, { GAZETTE_SECRET: 'a-long-enough-newsroom-secret' })).toBe(
      'a-long-enough-newsroom-secret',
    );
    await expect(loadOrCreateSecret(varDir, { GAZETTE_SECRET: 'short' })).rejects.toBeInstanceOf(ConfigError);
  });

  it('refuses an empty secret file instead of signing with nothing', async () => {
    await loadOrCreateSecret(varDir, {});
    await writeFile(path.join(varDir, 'secret'), '\n');
    await expect(loadOrCreateSecret(varDir, {})).rejects.toThrow(/too short/);
  });
});
