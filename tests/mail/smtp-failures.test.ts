// When the mail server cannot be used, the operator reads which setting, what was tried and the likely cause, as
// `gazette digest send --to` prints it against a real server: refused, TLS against a plain server, a wrong login.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server.ts';
import { childEnv, repoRoot } from '../helpers/worker-process.ts';

/** `gazette digest send --to` as a child process (asynchronous: the test's own SMTP server must keep answering). */
function testCopy(cwd: string, smtpUrl: string): Promise<{ status: number | null; stderr: string }> {
  const args = [
    path.join(repoRoot, 'bin/gazette.js'),
    ...['digest', 'send', '--to', 'editor@example.org', '--now', '2021-10-04T09:00:00+06:00'],
    ...['--content', path.join(repoRoot, 'content'), '--config', path.join(repoRoot, 'gazette.yaml')],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: childEnv({ SMTP_URL: smtpUrl }) });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('an SMTP server that cannot be used', () => {
  let dir: string;
  let smtp: TestSmtpServer | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gazette-smtp-failure-'));
  });
  afterEach(async () => {
    await smtp?.close();
    smtp = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('refusing connections: names SMTP_URL and asks whether the server runs and the port is right', async () => {
    const port = await freePort();
    const res = await testCopy(dir, `smtp://127.0.0.1:${port}`);
    expect(res.status).toBe(1);
    expect(res.stderr).toBe(
      `gazette: SMTP_URL smtp://127.0.0.1:${port}: nothing accepts connections at 127.0.0.1:${port}: is the mail ` +
        'server running, and is the port right? (25 for relaying, 587 for submission with STARTTLS, 465 for ' +
        `smtps://) (connect ECONNREFUSED 127.0.0.1:${port})\n`,
    );
  });

  it('speaking plain SMTP to smtps://: says TLS was expected and to use smtp:// for this port', async () => {
    smtp = await startSmtpServer();
    const port = new URL(smtp.url).port;
    const res = await testCopy(dir, `smtps://127.0.0.1:${port}`);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(
      new RegExp(
        `^gazette: SMTP_URL smtps://127\\.0\\.0\\.1:${port}: the server at 127\\.0\\.0\\.1:${port} answered in plain ` +
          'text where TLS was expected: smtps:// is TLS from the first byte .*use smtp://',
      ),
    );
    // one line, no OpenSSL dump
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refusing the login (535): says the login was refused, and never shows the password', async () => {
    smtp = await startSmtpServer({ auth: { user: 'gazette', pass: 'right-password' } });
    const port = new URL(smtp.url).port;
    const res = await testCopy(dir, `smtp://gazette:wrong-password@127.0.0.1:${port}`);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(
      new RegExp(
        `^gazette: SMTP_URL smtp://gazette:\\*\\*\\*@127\\.0\\.0\\.1:${port}: the server refused the user name and ` +
          'password in SMTP_URL: check them .*535',
      ),
    );
    expect(res.stderr).not.toContain('wrong-password');
  });

  it('an SMTP_URL of another scheme is refused before anything is tried, naming the setting', async () => {
    const res = await testCopy(dir, 'http://mail.example.org/');
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/^gazette: SMTP_URL: unknown scheme "http:\/\/"; accepted: smtp:\/\/.*smtps:\/\//);
  });
});
