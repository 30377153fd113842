// Write-behind for a full build: the main thread renders each file and hands its bytes to a writer
// thread (write-thread.mjs), which creates the folders, writes and hashes. The main thread then
// spends no time on the file system, and the writes overlap the rendering of the next files on
// another core; a few MiB of handed-over bytes at most wait to be written.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../paths.ts';

/** Bytes handed over and not yet written before `write` makes the caller wait. */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

type FromWriter = { type: 'written'; bytes: number } | { type: 'done'; hashes: string[] } | { type: 'failed'; error: { message: string; code?: string } };

export interface WriteBehind {
  /**
   * Hands `body` over to be written at `rel` (relative to the folder, parents made as needed;
   * an existing file is an error). Resolves with its size in bytes, at once unless too many bytes
   * wait to be written.
   */
  write(rel: string, body: string | Uint8Array): Promise<number>;
  /** Whether a write failed (known once the writer said so). */
  failed(): boolean;
  /** Waits for every write; resolves with each file's SHA-256 (base64) in the order written, or throws the first failure. */
  finish(): Promise<string[]>;
  /** Stops the writer thread (after finish, or to give up). */
  close(): Promise<void>;
}

function writerError(error: { message: string; code?: string }): Error {
  return Object.assign(new Error(error.message), error.code !== undefined ? { code: error.code } : {});
}

const encoder = new TextEncoder();

/** Starts a writer thread for files under the folder `dir`, which must exist. */
export function startWriteBehind(dir: string): WriteBehind {
  const worker = new Worker(path.join(packageRoot, 'src', 'build', 'write-thread.mjs'), { workerData: { dir } });
  let handed = 0;
  let written = 0;
  let files = 0;
  let failure: Error | undefined;
  let result: string[] | undefined;
  let wake: (() => void) | undefined;
  const settle = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  worker.on('message', (message: FromWriter) => {
    if (message.type === 'written') written = message.bytes;
    else if (message.type === 'done') result = message.hashes;
    else failure ??= writerError(message.error);
    settle();
  });
  worker.on('error', (error) => {
    failure ??= error;
    settle();
  });
  worker.on('exit', (code) => {
    if (result === undefined) failure ??= new Error(`the writer thread stopped (exit code ${code}) before it finished`);
    settle();
  });
  const until = async (ready: () => boolean): Promise<void> => {
    while (!ready()) await new Promise<void>((resolve) => (wake = resolve));
  };

  return {
    async write(rel, body) {
      // A string is encoded into a buffer of its own, handed over without a copy; other bytes
      // may be the caller's to keep, so the writer gets a copy of them.
      const bytes = typeof body === 'string' ? encoder.encode(body) : body;
      // Read before the hand-over: a transferred buffer reads as empty on this side.
      const size = bytes.byteLength;
      worker.postMessage({ type: 'file', index: files++, path: rel, body: bytes }, typeof body === 'string' ? [bytes.buffer as ArrayBuffer] : []);
      handed += size;
      if (handed - written > MAX_QUEUED_BYTES) await until(() => failure !== undefined || handed - written <= MAX_QUEUED_BYTES / 2);
      return size;
    },
    failed: () => failure !== undefined,
    async finish() {
      worker.postMessage({ type: 'end' });
      await until(() => failure !== undefined || result !== undefined);
      if (failure !== undefined) throw failure;
      return result!;
    },
    async close() {
      await worker.terminate();
    },
  };
}
