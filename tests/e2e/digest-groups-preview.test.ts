// `gazette digest preview --lang ru --topics kazakhstan` as an operator runs it: that group's digest only, in Russian.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../newsletter/factory.ts';
import { I18N, i18nContent } from '../delivery/groups-support.ts';
import type { RunResult } from './digest-support.ts';

async function preview(args: string[]): Promise<RunResult & { out: string }> {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'gazette-preview-groups-'));
  const out = path.join(cwd, 'preview');
  const content = await i18nContent();
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/gazette.js'),
      'digest',
      'preview',
      ...args,
      '--now',
      '2026-11-30T09:00:00+05:00',
      '--content',
      content,
      '--out',
      out,
      '--config',
      path.join(I18N, 'gazette.yaml'),
    ],
    {
      cwd,
      env: { ...process.env, DATABASE_URL: '', GAZETTE_SECRET: 'preview-groups-secret-0123456789', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr, out })),
  );
}

describe('digest preview of one group', { timeout: 120_000 }, () => {
  it('shows only the Russian Kazakhstan items, in Russian', async () => {
    const run = await preview(['--lang', 'ru', '--topics', 'kazakhstan']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('digest preview (ru:kazakhstan): 2 items');
    expect(run.stdout).toContain('Новости ЦАРИКЦ: 2 новости, неделя 30 ноября 2026');
    const text = await readFile(path.join(run.out, 'digest.txt'), 'utf8');
    const html = await readFile(path.join(run.out, 'digest.html'), 'utf8');
    for (const part of [text, html]) {
      expect(part).toContain('В Алматы изъят героин');
      expect(part).toContain('Учения в Астане');
      // not Kazakhstan, or not Russian
      expect(part).not.toContain('Встреча в Ташкенте');
      expect(part).not.toContain('Heroin seized in Almaty');
      expect(part).not.toContain('Operation Channel results');
      expect(part).toContain('Дайджест новостей за');
      expect(part).toContain('23 ноября 2026');
      expect(part).toContain('Читать полностью');
      expect(part).not.toContain('Read the full story');
    }
  });

  it('names an unknown language or topic in one line and exits non-zero', async () => {
    const lang = await preview(['--lang', 'de']);
    expect(lang.status).not.toBe(0);
    expect(lang.stderr.trim().split('\n')).toHaveLength(1);
    expect(lang.stderr).toContain('unknown language "de" (site.languages: en, ru)');
    const topic = await preview(['--topics', 'kazakhstan,tajikistan']);
    expect(topic.status).not.toBe(0);
    expect(topic.stderr.trim().split('\n')).toHaveLength(1);
    expect(topic.stderr).toContain('unknown topic "tajikistan"');
  });
});
