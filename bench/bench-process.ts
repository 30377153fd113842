// Helpers shared by the rebuild and send benchmarks: free loopback ports, long-running children
// started and stopped by their own pid, integer options, and peak RSS from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A positive integer option, or the fallback when it is not given. */
export function positiveOption(text: string | boolean | undefined, fallback: number): number {
  if (typeof text !== 'string') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`not a positive integer: "${text}"`);
  return n;
}

/** A comma-separated list of positive integers, or the fallback. */
export function positiveListOption(text: string | boolean | undefined, fallback: number[]): number[] {
  if (typeof text !== 'string') return fallback;
  return text.split(',').map((s) => positiveOption(s.trim(), 0));
}

/** A port nobody listens on at the moment, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

export interface Child {
  child: ChildProcess;
  /** The last 20,000 characters of its stdout and stderr. */
  output(): string;
}

/** Starts a long-running process, keeping the tail of its output for error messages. */
export function startChild(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Child {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (b: Buffer): void => {
    log = (log + b.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => log };
}

/** Sends `signal` to the child's own pid and waits for it to exit (SIGKILL after 15 s). */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(force);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** Peak resident memory of a running process (VmHWM) in KiB, or undefined when it is gone. */
export function peakRss(pid: number | undefined): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
