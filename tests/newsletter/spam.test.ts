// SpamAssassin (Debian's, rules shipped with the package, -L: no network tests) on the sample digest as sent.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/mail/index.ts';
import { personalize, sampleRecipient } from '../../src/newsletter/index.ts';
import { sampleConfig, sampleDigest } from './factory.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-spam-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function spamassassin(eml: Buffer): { score: number; tests: string[]; report: string } {
  // HOME points at a scratch folder: spamassassin writes user preferences there on first run.
  const run = spawnSync('spamassassin', ['-t', '-L'], {
    input: eml,
    env: { ...process.env, HOME: dir },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.error)
    throw new Error(`spamassassin did not run (bash scripts/install-system-deps.sh installs it): ${run.error.message}`);
  const status = /^X-Spam-Status: (.*(?:\n\t.*)*)/m.exec(run.stdout)?.[1]?.replace(/\n\t/g, ' ');
  if (!status) throw new Error(`no X-Spam-Status in spamassassin's output:\n${run.stderr}`);
  const score = Number(/score=(-?[\d.]+)/.exec(status)?.[1]);
  const tests = (/tests=(\S*)/.exec(status)?.[1] ?? '').split(',').filter(Boolean);
  return { score, tests, report: run.stdout.slice(run.stdout.indexOf('Content analysis details')) };
}

describe('SpamAssassin', { timeout: 60_000 }, () => {
  it('scores the sample digest, as the transport writes it, at 0 or below', async () => {
    const config = sampleConfig();
    const message = personalize(await sampleDigest(config), sampleRecipient(config), config);
    const mailer = createMailer({ smtpUrl: undefined, outboxDir: dir });
    const { file } = await mailer.send(message, { folder: 'edition-12' });
    const result = spamassassin(await readFile(file!));
    expect(Number.isFinite(result.score)).toBe(true);
    console.info(`SpamAssassin: score ${result.score}, tests ${result.tests.join(',')}`);
    expect(result.score, result.report).toBeLessThanOrEqual(0);
    // The rules a bulk mail most often trips over stay quiet: a text part, no hidden or low-contrast text.
    for (const rule of [
      'MIME_HTML_ONLY',
      'MPART_ALT_DIFF',
      'HTML_FONT_LOW_CONTRAST',
      'MISSING_MID',
      'MISSING_DATE',
      'MISSING_MIME_HB_SEP',
    ]) {
      expect(result.tests).not.toContain(rule);
    }
  });
});
