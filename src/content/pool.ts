// Parses the content folder's Markdown files on the main thread and on parser threads at once:
// the files are cut into chunks, and each thread takes the next chunk as soon as it is free, so
// a thread still starting up (a few hundred ms to load the parser) never holds the others back.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { readAndParseFiles } from './chunk.ts';
import type { ParsedFile, ParseSettings } from './parse.ts';
import {
  startParserThread,
  takePrestartedThread,
  type FromParserThread,
  type ParserThread,
  type ToParserThread,
} from './threads.ts';
import { failureFromWire, parsedFromWire } from './wire.ts';

export { parserThreadCounts } from './threads.ts';

export interface PoolOptions {
  /** Parser threads started besides the main thread, which parses too. */
  threads: number;
  /** Whether the main thread parses chunks too (default true); with false and no threads, nothing is parsed. */
  mainThread?: boolean;
  /** Files per chunk; default a sixteenth of each thread's share, between 16 and 64. */
  chunkSize?: number;
  /** The parser thread's entry module (tests replace it). */
  entry?: URL;
  /** Called with each thread once started (tests watch that none outlives the call). */
  onThread?: (worker: Worker) => void;
}

/** A parser thread failed or stopped before it answered. */
export class ParserThreadError extends Error {}

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * Reads and parses the Markdown files `paths` (relative to `contentDir`) with the main thread
 * and `options.threads` parser threads; resolves with every file's result once every thread
 * has been terminated. A file that cannot be read, or a parser thread that fails, rejects.
 */
export async function parseInThreads(
  contentDir: string,
  paths: readonly string[],
  settings: ParseSettings,
  localFiles: ReadonlyMap<string, number>,
  options: PoolOptions,
): Promise<ParsedFile[]> {
  const threads = Math.max(0, Math.floor(options.threads));
  const mainThread = options.mainThread ?? true;
  if (!mainThread && threads === 0)
    throw new RangeError('parseInThreads needs the main thread or at least one parser thread');
  const chunkSize =
    options.chunkSize ?? Math.min(64, Math.max(16, Math.ceil(paths.length / ((threads + (mainThread ? 1 : 0)) * 16))));
  const chunks = chunksOf(paths, chunkSize);
  const results: ParsedFile[][] = new Array(chunks.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const fail = (error: unknown): void => {
    failure ??= { error };
  };
  const take = (): number => (failure === undefined && next < chunks.length ? next++ : -1);

  const setup: ToParserThread = {
    type: 'setup',
    contentDir,
    settings: {
      site: { url: settings.site.url, timezone: settings.site.timezone },
      ...(settings.languages !== undefined ? { languages: settings.languages.map((l) => ({ code: l.code })) } : {}),
      ...(settings.multilingual !== undefined ? { multilingual: settings.multilingual } : {}),
    },
    localFiles: new Map(localFiles),
  };
  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  // Each thread's part is done when it holds no chunk and there is none left to take (or one failed).
  const threadsDone: Promise<void>[] = [];
  // Once every chunk is taken, lets go the threads that hold none (those still starting up).
  const releaseIdle: (() => void)[] = [];

  const startThread = (): void => {
    // A thread started ahead (see prestartParserThreads) may be ready already.
    const thread: ParserThread =
      (options.entry === undefined ? takePrestartedThread() : undefined) ?? startParserThread(options.entry);
    const { worker } = thread;
    workers.push(worker);
    exited.push(thread.exited);
    options.onThread?.(worker);
    worker.postMessage(setup);
    threadsDone.push(
      new Promise<void>((resolve) => {
        let holding: number | undefined;
        let finished = false;
        const finish = (): void => {
          finished = true;
          resolve();
        };
        const give = (): void => {
          const id = take();
          if (id < 0) {
            finish();
            return;
          }
          holding = id;
          worker.postMessage({ type: 'chunk', id, paths: chunks[id]! } satisfies ToParserThread);
        };
        if (thread.ready()) give();
        worker.on('message', (message: FromParserThread) => {
          if (finished) return;
          if (message.type === 'ready') return give();
          if (message.id !== holding) return;
          holding = undefined;
          if (message.type === 'parsed') {
            results[message.id] = message.files.map(parsedFromWire);
            give();
          } else {
            fail(failureFromWire(message.error));
            finish();
          }
        });
        worker.on('error', (error) => {
          if (!finished)
            fail(new ParserThreadError(`a content parser thread failed: ${error.message}`, { cause: error }));
          finish();
        });
        worker.on('exit', (code) => {
          if (!finished)
            fail(new ParserThreadError(`a content parser thread stopped (exit code ${code}) before it finished`));
          finish();
        });
        releaseIdle.push(() => {
          if (!finished && holding === undefined) finish();
        });
      }),
    );
  };

  try {
    for (let t = 0; t < threads; t++) startThread();
    for (let id = mainThread ? take() : -1; id >= 0; id = take()) {
      try {
        results[id] = await readAndParseFiles(contentDir, chunks[id]!, settings, localFiles);
      } catch (error) {
        fail(error);
        break;
      }
      // Lets the threads' answers in between chunks, so they get their next chunk at once.
      await yieldToEventLoop();
    }
    if (mainThread) for (const release of releaseIdle) release();
    await Promise.all(threadsDone);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
    await Promise.all(exited);
  }
  if (failure !== undefined) throw failure.error;
  return results.flat();
}
