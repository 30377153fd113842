// Content parser threads: how many to start, how to start one, and starting them early. A thread
// takes a few hundred ms to load the parser; `gazette build` starts its threads before the main
// thread loads the parser and the renderers, so both load at once on different cores, and the
// pool (pool.ts) adopts them. This module loads nothing but Node's own modules.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../paths.ts';
import type { ParseSettings } from './parse.ts';
import type { WireFailure, WireParsedFile } from './wire.ts';

/** Marks the data of a content parser thread, so that loading its module elsewhere serves nothing. */
export const PARSER_THREAD_ROLE = 'gazette-content-parser';

/** Fewest Markdown files worth starting parser threads for: each takes a few hundred ms to start. */
export const PARSER_THREAD_THRESHOLD = 200;

/** What a parser thread is started with. */
export interface ParserThreadData {
  role: typeof PARSER_THREAD_ROLE;
}

/** What a parser thread parses with: sent first, before any chunk. */
export interface ParserSetup {
  contentDir: string;
  settings: ParseSettings;
  localFiles: Map<string, number>;
}

export type ToParserThread = ({ type: 'setup' } & ParserSetup) | { type: 'chunk'; id: number; paths: string[] };

export type FromParserThread =
  | { type: 'ready' }
  | { type: 'parsed'; id: number; files: WireParsedFile[] }
  | { type: 'failed'; id: number; error: WireFailure };

/**
 * The module a parser thread runs. From the sources, their entry beside this file, which loads
 * the TypeScript through tsx. From a compiled bundle (whose modules sit elsewhere), the compiled
 * parser module `dist/content/parse-worker.js` when the bundle has one, else the sources' entry.
 */
function parserEntry(): URL {
  const here = import.meta.url;
  // tsx may add a query to the URL of a module it loads.
  if (new URL(here).pathname.endsWith('.ts')) return new URL('./parse-worker.mjs', here);
  const compiled = path.join(packageRoot, 'dist', 'content', 'parse-worker.js');
  return pathToFileURL(existsSync(compiled) ? compiled : path.join(packageRoot, 'src', 'content', 'parse-worker.mjs'));
}

let defaultEntry: URL | undefined;

/**
 * Threads other than this one that are running or waiting for a core right now: on Linux the
 * run queue of /proc/loadavg (its fourth field counts this thread too), elsewhere the load
 * average of the last minute, which lags (it still counts a process that ended seconds ago).
 */
function otherRunnable(): number {
  try {
    const runnable = /^\S+ \S+ \S+ (\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'));
    if (runnable) return Math.max(0, Number(runnable[1]) - 1);
  } catch {
    // not Linux
  }
  return loadavg()[0] ?? 0;
}

/**
 * Parser threads besides the main thread: GAZETTE_PARSER_THREADS when set (0 turns them off),
 * else one per core nothing else is using now, at most cores − 1 and 7: on a busy machine a
 * parser thread only adds its start-up and its second copy of the parser to the work, and
 * finishes later than this thread alone.
 */
export function defaultThreads(): number {
  const set = process.env.GAZETTE_PARSER_THREADS;
  if (set !== undefined && /^\d+$/.test(set.trim())) return Math.min(16, Number(set));
  const cores = availableParallelism();
  const idle = Math.round(cores - 1 - otherRunnable());
  return Math.max(0, Math.min(7, cores - 1, idle));
}

/** A parser thread, and whether it has said it is ready (its parser loaded). */
export interface ParserThread {
  worker: Worker;
  ready(): boolean;
  /** Resolves once the thread has said it is ready. */
  whenReady: Promise<void>;
  /** Resolves once the thread has exited. */
  exited: Promise<void>;
}

let threadsStarted = 0;
let threadsLive = 0;

/** Parser threads started so far by this process, and those not yet exited. */
export function parserThreadCounts(): { started: number; live: number } {
  return { started: threadsStarted, live: threadsLive };
}

/** Starts a parser thread running `entry` (default: the parser module). */
export function startParserThread(entry?: URL): ParserThread {
  defaultEntry ??= parserEntry();
  const worker = new Worker(entry ?? defaultEntry, {
    workerData: { role: PARSER_THREAD_ROLE } satisfies ParserThreadData,
  });
  threadsStarted++;
  threadsLive++;
  let ready = false;
  let markReady!: () => void;
  const whenReady = new Promise<void>((resolve) => (markReady = resolve));
  const onReady = (message: FromParserThread): void => {
    if (message.type !== 'ready') return;
    ready = true;
    markReady();
    worker.off('message', onReady);
  };
  worker.on('message', onReady);
  const exited = new Promise<void>((resolve) => {
    worker.once('exit', () => {
      threadsLive--;
      resolve();
    });
  });
  return { worker, ready: () => ready, whenReady, exited };
}

// Threads started ahead of the parse and not yet taken by it. They do not keep the process alive
// (unref), so a command that fails before parsing still exits.
const waiting: ParserThread[] = [];
// How many threads the last prestart decided on, until a parse takes the decision.
let decided: number | undefined;

/**
 * Starts the parser threads a parse of `contentDir` will want (see defaultThreads), when it holds
 * enough Markdown files to be worth them, so that they load while this thread does other work.
 * Returns the threads started.
 */
export function prestartParserThreads(contentDir: string): ParserThread[] {
  let markdown = 0;
  try {
    for (const entry of readdirSync(contentDir, { recursive: true, encoding: 'utf8' }))
      if (entry.endsWith('.md')) markdown++;
  } catch {
    return []; // the parse reports a missing or unreadable folder
  }
  if (markdown < PARSER_THREAD_THRESHOLD) return [];
  const count = defaultThreads();
  decided = count;
  const started: ParserThread[] = [];
  for (let i = 0; i < count; i++) {
    const thread = startParserThread();
    thread.worker.unref();
    started.push(thread);
  }
  waiting.push(...started);
  return started;
}

/**
 * The number of parser threads a prestart decided on (those it started), once: the parse that
 * follows keeps to it rather than asking the load average again, which the threads themselves
 * have raised since.
 */
export function takePrestartDecision(): number | undefined {
  const count = decided;
  decided = undefined;
  return count;
}

/** A thread started ahead, now owned by the caller (it keeps the process alive again). */
export function takePrestartedThread(): ParserThread | undefined {
  const thread = waiting.shift();
  thread?.worker.ref();
  return thread;
}

/** Stops the threads started ahead that no parse took. */
export async function stopPrestartedThreads(): Promise<void> {
  const left = waiting.splice(0);
  await Promise.all(
    left.map(async (t) => {
      await t.worker.terminate();
      await t.exited;
    }),
  );
}
