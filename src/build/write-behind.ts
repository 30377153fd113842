// Write-behind for a full build: the main thread renders each file and hands it to a writer thread
// (write-thread.mjs), which encodes, creates the folders, writes and hashes. The main thread then
// spends no time on the file system, and the writes overlap the rendering of the next files on
// another core. Files go over in batches (one message per batch, not per file), and at most a few
// batches wait to be written at a time.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../paths.ts';

/** A batch goes over once its bodies hold this many characters or bytes. */
const BATCH_SIZE = 256 * 1024;
/** Batches handed over and not yet written before `write` makes the caller wait. */
const MAX_QUEUED_BATCHES = 16;

type FromWriter =
  | { type: 'written'; batches: number }
  | { type: 'done'; hashes: string[]; bytes: number }
  | { type: 'failed'; error: { message: string; code?: string } };

interface WrittenFiles {
  /** Each file's SHA-256 (base64), in the order the files were handed over. */
  hashes: string[];
  /** Bytes written in all. */
  bytes: number;
}

export interface WriteBehind {
  /**
   * Hands `body` over to be written at `rel` (relative to the folder, parents made as needed; an
   * existing file is an error). Resolves at once unless too much waits to be written. Bytes are
   * copied: the caller keeps its buffer.
   */
  write(rel: string, body: string | Uint8Array): Promise<void>;
  /** Whether a write failed (known once the writer said so). */
  failed(): boolean;
  /** Waits for every write; resolves with their hashes and size, or throws the first failure. */
  finish(): Promise<WrittenFiles>;
  /** Stops the writer thread (after finish, or to give up). */
  close(): Promise<void>;
}

function writerError(error: { message: string; code?: string }): Error {
  return Object.assign(new Error(error.message), error.code !== undefined ? { code: error.code } : {});
}

/** Starts a writer thread for files under the folder `dir`, which must exist. */
export function startWriteBehind(dir: string): WriteBehind {
  const worker = new Worker(path.join(packageRoot, 'src', 'build', 'write-thread.mjs'), { workerData: { dir } });
  let batch: { index: number; path: string; body: string | Uint8Array }[] = [];
  let batchSize = 0;
  let files = 0;
  let sent = 0;
  let written = 0;
  let failure: Error | undefined;
  let result: WrittenFiles | undefined;
  let wake: (() => void) | undefined;
  const settle = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  worker.on('message', (message: FromWriter) => {
    if (message.type === 'written') written = message.batches;
    else if (message.type === 'done') result = { hashes: message.hashes, bytes: message.bytes };
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
  const flush = (): void => {
    if (batch.length === 0) return;
    worker.postMessage({ type: 'files', files: batch });
    sent++;
    batch = [];
    batchSize = 0;
  };

  return {
    async write(rel, body) {
      batch.push({ index: files++, path: rel, body });
      batchSize += body.length;
      if (batchSize < BATCH_SIZE) return;
      flush();
      if (sent - written > MAX_QUEUED_BATCHES) await until(() => failure !== undefined || sent - written <= MAX_QUEUED_BATCHES / 2);
    },
    failed: () => failure !== undefined,
    async finish() {
      flush();
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
