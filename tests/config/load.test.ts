import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, resolveEnvironment } from '../../src/config/load.ts';
import { parseYaml } from '../../src/adapters/yaml.ts';
import { ConfigError } from '../../src/errors.ts';

const repoConfig = path.resolve(import.meta.dirname, '../../gazette.yaml');

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-config-'));
  const file = path.join(dir, 'gazette.yaml');
  await writeFile(file, text);
  return file;
}

async function failure(text: string): Promise<ConfigError> {
  const file = await configFile(text);
  const err = await loadConfig(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

async function sampleText(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(repoConfig, 'utf8');
}

describe('gazette.yaml', () => {
  it('loads the sample newsroom with defaults filled in and a trailing slash on the URL', async () => {
    const config = await loadConfig(repoConfig);
    expect(config.site.timezone).toBe('Asia/Almaty');
    expect(config.site.url).toBe('https://caricc.org/');
    expect(config.feeds.limit).toBe(20);
    expect(config.digest.schedule).toBe('0 9 * * 1');
    expect(config.digest.maxLatenessHours).toBe(24);
  });

  it('names an unknown key', async () => {
    const text = (await sampleText()).replace('  language: en', '  language: en\n  langauge: en');
    const err = await failure(text);
    expect(err.message).toContain('langauge');
    expect(err.key).toBe('site');
  });

  it('names a missing required key', async () => {
    const text = (await sampleText()).replace(/^ {2}timezone: .*\n/m, '');
    const err = await failure(text);
    expect(err.key).toBe('site.timezone');
    expect(err.message).toContain('site.timezone');
  });

  it('names a key of the wrong type or value', async () => {
    const text = (await sampleText()).replace('limit: 20', 'limit: twenty');
    const err = await failure(text);
    expect(err.key).toBe('feeds.limit');
    const zone = await failure((await sampleText()).replace('Asia/Almaty', 'Asia/Atlantis'));
    expect(zone.key).toBe('site.timezone');
    expect(zone.message).toMatch(/IANA time zone/);
  });

  it('takes feeds.websub_hub as an http(s) URL and names the key when it is not one', async () => {
    const hub = (await sampleText()).replace('  limit: 20', '  limit: 20\n  websub_hub: https://hub.example.org/');
    expect((await loadConfig(await configFile(hub))).feeds.websubHub).toBe('https://hub.example.org/');
    expect((await loadConfig(repoConfig)).feeds.websubHub).toBeUndefined();
    for (const bad of ['hub.example.org', 'ftp://hub.example.org/', '42']) {
      const err = await failure((await sampleText()).replace('  limit: 20', `  limit: 20\n  websub_hub: ${bad}`));
      expect(err.key).toBe('feeds.websub_hub');
      expect(err.message).toContain('feeds.websub_hub');
    }
  });

  it('gives the line of invalid YAML', async () => {
    const err = await failure('site:\n  title: [unclosed\n  url: x\n');
    expect(err.message).toMatch(/gazette\.yaml:\d+: invalid YAML/);
  });

  it('says which file it could not read', async () => {
    const err = await loadConfig('/nonexistent/gazette.yaml').catch((e: unknown) => e);
    expect((err as Error).message).toContain('/nonexistent/gazette.yaml');
  });

  it('refuses a document that is not a mapping', () => {
    expect(() => parseConfig(parseYaml('- a\n- b\n'), 'x.yaml')).toThrow(/mapping/);
  });
});

describe('environment', () => {
  it('reads GAZETTE_CONFIG, treats an empty one as unset, and validates PORT', () => {
    expect(resolveEnvironment({ GAZETTE_CONFIG: 'other.yaml' }, { root: '/r' }).configFile).toBe('/r/other.yaml');
    expect(resolveEnvironment({ GAZETTE_CONFIG: '' }, { root: '/r' }).configFile).toBe('/r/gazette.yaml');
    expect(resolveEnvironment({}, { root: '/r', config: 'cli.yaml' }).configFile).toBe('/r/cli.yaml');
    expect(resolveEnvironment({}, { root: '/r' }).port).toBe(8080);
    expect(() => resolveEnvironment({ PORT: 'eighty' }, { root: '/r' })).toThrow(/PORT/);
  });
});
