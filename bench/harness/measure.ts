// Runs a command as a child process and measures its wall time, CPU time and peak resident memory.
//
// Peak RSS comes from GNU time (`/usr/bin/time`), which reads the child's rusage from wait4(2):
// ru_maxrss is the largest resident set of the child or any descendant it waited for, so a
// launcher (npx, a shell) does not hide the process doing the work.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Killed after this long (default 30 minutes). */
  timeoutMs?: number;
}

export interface Measurement {
  wallMs: number;
  /** Peak resident set size in KiB. */
  maxRssKiB: number;
  userMs: number;
  systemMs: number;
  stdout: string;
  stderr: string;
}

const TIME = '/usr/bin/time';

/** Runs `command args…` to completion; throws with its output when it exits non-zero. */
export async function measure(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<Measurement> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-bench-time-'));
  const report = path.join(dir, 'rusage');
  try {
    const started = process.hrtime.bigint();
    const { code, stdout, stderr } = await run(TIME, ['-f', '%M %U %S', '-o', report, command, ...args], options);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (code !== 0) {
      throw new Error(`${command} ${args.join(' ')} exited with ${code}\n${stderr.slice(-4000)}${stdout.slice(-2000)}`);
    }
    // GNU time may prefix a "Command exited…" line; the figures are on the last line.
    const last = readFileSync(report, 'utf8').trim().split('\n').at(-1) ?? '';
    const [rss, user, system] = last.split(' ').map(Number);
    if (rss === undefined || user === undefined || system === undefined || [rss, user, system].some(Number.isNaN)) {
      throw new Error(`cannot read GNU time's report: "${last}"`);
    }
    return { wallMs, maxRssKiB: rss, userMs: user * 1000, systemMs: system * 1000, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a command, collecting its output; resolves with the exit code (never rejects on a non-zero exit). */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30 * 60_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

export interface Summary {
  min: number;
  median: number;
  max: number;
  runs: number;
}

/** Min, median and max of a non-empty list. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('nothing to summarize');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted.at(-1)!, runs: sorted.length };
}
