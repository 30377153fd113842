// `gazette` commands as child processes, run as a user runs them: one to completion, or `gazette serve` until stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const cli = path.resolve(import.meta.dirname, '../../bin/gazette.js');

export interface CliOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Runs `gazette ARGS…` to its end. */
export function runCli(args: string[], options: CliOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd, env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Starts `gazette serve ARGS…` and resolves with its URL once it says where it listens. */
export function serveCli(args: string[], options: CliOptions): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'serve', ...args], { cwd: options.cwd, env: options.env });
    let output = '';
    const onData = (c: Buffer) => {
      output += c.toString();
      const match = /at (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1]!, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`gazette serve exited with ${code}:\n${output}`)));
  });
}

/** Stops a child with SIGTERM; resolves with its exit code. */
export function stopChild(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}
