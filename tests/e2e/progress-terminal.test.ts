// `gazette digest send` in a real terminal (util-linux `script` gives it a pseudo-terminal): the progress bar stays
// whole on its own line, and the log lines that come during the send are written above it, never inside it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { childEnv, repoRoot } from '../helpers/worker-process.ts';

const READERS = 300;
/** Every 60th reader is refused for good: a WARN line in the middle of the send. */
const refused = (address: string): boolean => Number(/^r(\d+)@/.exec(address)?.[1]) % 60 === 0;

/**
 * What a terminal shows for `output`: the lines left once carriage returns, cursor moves to column 1 and line
 * clears have done their work. Colours and cursor visibility are dropped.
 */
function screen(output: string): string[] {
  const lines: string[] = [''];
  let col = 0;
  const put = (text: string): void => {
    const row = lines.length - 1;
    const line = lines[row]!.padEnd(col);
    lines[row] = line.slice(0, col) + text + line.slice(col + text.length);
    col += text.length;
  };
  const tokens = output.match(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]|\r|\n|[^\x1b\r\n]+/g) ?? [];
  for (const token of tokens) {
    if (token === '\n') {
      lines.push('');
      col = 0;
    } else if (token === '\r' || token === '\x1b[1G' || token === '\x1b[G') col = 0;
    else if (token === '\x1b[2K') lines[lines.length - 1] = ' '.repeat(col);
    else if (token === '\x1b[0K' || token === '\x1b[K') lines[lines.length - 1] = lines.at(-1)!.slice(0, col);
    else if (!token.startsWith('\x1b')) put(token);
  }
  return lines.map((l) => l.trimEnd()).filter((l) => l !== '');
}

describe.runIf(spawnSync('script', ['--version']).status === 0)('digest send in a terminal', () => {
  let dir: string;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-tty-'));
    const rows = ['email', ...Array.from({ length: READERS }, (_, i) => `r${i + 1}@example.org`)];
    await writeFile(path.join(dir, 'readers.csv'), `${rows.join('\n')}\n`);
    const gazette = path.join(repoRoot, 'bin/gazette.js');
    const imported = spawnSync(process.execPath, [gazette, 'subscribers', 'import', 'readers.csv'], {
      cwd: dir,
      env: childEnv(),
      encoding: 'utf8',
    });
    expect(imported.status, imported.stderr).toBe(0);
    // slow enough that the bar is drawn many times, with refusals among its updates
    smtp = await startSmtpServer({ delayMs: 5, onRcptTo: (address) => (refused(address) ? 550 : undefined) });
  });
  afterAll(async () => {
    await smtp?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the bar whole and every log line above it', async () => {
    const command = [
      process.execPath,
      path.join(repoRoot, 'bin/gazette.js'),
      ...['digest', 'send', '--now', '2021-10-04T09:00:00+06:00'],
      ...['--content', path.join(repoRoot, 'content'), '--config', path.join(repoRoot, 'gazette.yaml')],
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    const output = await new Promise<string>((resolve, reject) => {
      // asynchronous: the test's own SMTP server must keep answering
      const child = spawn('script', ['-qfec', command, '/dev/null'], {
        cwd: dir,
        env: childEnv({ SMTP_URL: smtp.url, COLUMNS: '160', LINES: '50' }),
      });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('close', () => resolve(out));
    });
    const lines = screen(output);
    const bars = lines.filter((l) => l.includes('edition 1 ['));
    const refusals = lines.filter((l) => l.includes('WARN') && l.includes('delivery failed'));
    expect(refusals).toHaveLength(READERS / 60);
    // a line that is a bar is nothing but the bar; a log line starts at the first column with its time
    for (const bar of bars) expect(bar).toMatch(/^edition 1 \[[█░]+\] \d+% \d+\/300( .*failed)?$/);
    for (const log of lines.filter((l) => /INFO|WARN/.test(l))) expect(log).toMatch(/^\[\d\d:\d\d:\d\d\] (INFO|WARN):/);
    // the bar is drawn once, at the bottom, finished, above the summary
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatch(/ 100% 300\/300 5 failed$/);
    expect(lines.at(-1)).toMatch(/^edition 1: sent; sent 295, failed 5/);
    expect(lines.at(-2)).toBe(bars[0]);
  });
});
