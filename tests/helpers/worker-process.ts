// `gazette start` as a child process: its URL once it serves, its log lines, and how it exits on a signal.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the served URL once the worker prints it. */
  url: Promise<string>;
  stdout(): string;
  stderr(): string;
  /** The JSON log lines so far (non-JSON lines skipped). */
  logs(): Record<string, unknown>[];
  waitForLog(test: (record: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code once the process ends. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Environment for a child gazette: the parent's, minus anything that would point it elsewhere. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of [
    'GAZETTE_CONFIG',
    'DATABASE_URL',
    'SMTP_URL',
    'GAZETTE_SECRET',
    'ADMIN_TOKEN',
    'PORT',
    'LOG_LEVEL',
  ])
    delete env[key];
  return { ...env, ...extra };
}

export function startWorkerProcess(options: {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
  bin?: string;
  /** The command to run (default `start`; `serve` prints its URL the same way). */
  command?: 'start' | 'serve';
}): WorkerProcess {
  const child = spawn(
    process.execPath,
    [options.bin ?? path.join(repoRoot, 'bin/gazette.js'), options.command ?? 'start', ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const m = / at (http:\/\/\S+\/)\n/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', check);
    void exited.then((code) => reject(new Error(`gazette start exited with ${code} before serving:\n${out}\n${err}`)));
  });
  const logs = (): Record<string, unknown>[] =>
    err
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  return {
    child,
    url,
    stdout: () => out,
    stderr: () => err,
    logs,
    async waitForLog(test, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs().find(test);
        if (found) return found;
        if (child.exitCode !== null)
          throw new Error(`gazette start exited (${child.exitCode}) before the log line came:\n${err}`);
        if (Date.now() > deadline) throw new Error(`no such log line after ${timeoutMs} ms:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (code === 'timeout') {
        child.kill('SIGKILL');
        throw new Error(`gazette start did not exit within ${timeoutMs} ms of ${signal}:\n${err}`);
      }
      return code;
    },
    exited,
  };
}

/** Runs another gazette command to completion in `cwd`. */
export function gazetteIn(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  bin = path.join(repoRoot, 'bin/gazette.js'),
) {
  const res = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: childEnv(env),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Like gazetteIn, without blocking this process: needed when the command talks to a server running in this process. */
export function gazetteAsync(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  bin = path.join(repoRoot, 'bin/gazette.js'),
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
