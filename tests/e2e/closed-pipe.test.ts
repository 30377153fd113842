// `gazette … | head -1`: the reader closes the pipe after one line and the command's next write fails with EPIPE.
// That used to end the process with an 'error' event's stack trace (exit 1); now the command ends quietly with 0.
// A real pipe: the child's stdout is read until its first line, then destroyed while thousands of lines are to come.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/db.ts';
import { childEnv, gazetteAsync, repoRoot } from '../helpers/worker-process.ts';

const SUBSCRIBERS = 5000;

/** Runs gazette with `args`, keeps the first line of its output, then closes the pipe as `head -1` does. */
function firstLine(
  cwd: string,
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<{ line: string; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin/gazette.js'), ...args], {
      cwd,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (out.includes('\n')) child.stdout.destroy();
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ line: out.split('\n')[0]!, code, stderr });
    });
  });
}

describe.each(testDialects())('gazette output piped into a reader that stops early, on %s', (dialect) => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    env = { DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
    const rows = Array.from({ length: SUBSCRIBERS }, (_, i) => `reader${i}@example.org,Reader number ${i},active`);
    await writeFile(path.join(database.varDir, 'list.csv'), `email,name,state\n${rows.join('\n')}\n`);
    const imported = await gazetteAsync(database.varDir, ['subscribers', 'import', 'list.csv'], env);
    expect(imported.stdout).toContain(`${SUBSCRIBERS} added`);
  }, 120_000);
  afterAll(() => database.dispose());

  it.each([
    [['subscribers', 'list', '--limit', '0'], /^reader0@example\.org +active +\d{4}-\d\d-\d\d +Reader number 0$/],
    [['subscribers', 'list', '--limit', '0', '--json'], /^\[$/],
    [['subscribers', 'export'], /^email,name,state,/],
  ])(
    'gazette %j ends quietly with status 0',
    async (args, first) => {
      const res = await firstLine(database.varDir, env, args);
      expect(res.line).toMatch(first);
      expect(res.stderr).not.toMatch(/EPIPE|Error|^\s+at /m);
      expect(res.stderr).not.toMatch(/^gazette: /m);
      expect(res.code).toBe(0);
    },
    60_000,
  );
});
