// Running `gazette` as a child process against a test database and SMTP server, without blocking the test's event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../newsletter/factory.ts';

export const CONFIG = path.join(ROOT, 'gazette.yaml');
export const CONTENT = path.join(ROOT, 'content');
/** The sample newsroom's digest time: the sample content has two items in the week before. */
export const SEND_NOW = '2021-10-04T09:00:00+06:00';
export const SECRET = 'e2e-digest-secret-0123456789abcdef';

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface GazetteEnv {
  cwd: string;
  databaseUrl: string;
  smtpUrl?: string;
}

/** Starts `node bin/gazette.js ...args --config gazette.yaml`. */
export function startGazette(env: GazetteEnv, args: string[]): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/gazette.js'), ...args, '--config', CONFIG], {
    cwd: env.cwd,
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      SMTP_URL: env.smtpUrl ?? '',
      GAZETTE_SECRET: SECRET,
      ADMIN_TOKEN: 'e2e-admin-token-0123456789',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<RunResult>((resolve) =>
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
  return { child, done };
}

export function runGazette(env: GazetteEnv, args: string[]): Promise<RunResult> {
  return startGazette(env, args).done;
}
