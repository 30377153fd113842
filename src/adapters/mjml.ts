// Adapter for mjml 5: compiles responsive-email markup to HTML. The one module that loads mjml.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';
import { Worker } from 'node:worker_threads';
import type mjml2htmlType from 'mjml';
import { GazetteError } from '../errors.ts';
import { packageRoot } from '../paths.ts';

type Mjml2Html = typeof mjml2htmlType;

/** mjml, loaded, and how it was. */
export interface LoadedMjml {
  mjml2html: Mjml2Html;
  /** Loaded from the bundle with a code cache V8 took. */
  fromCache: boolean;
  /**
   * Writes the code cache for the next process, once mjml has compiled something (once: later
   * calls only answer). True when a cache that fits is beside the bundle, the one loaded or the
   * one written; false on a read-only install.
   */
  saveCache(): boolean;
}

/**
 * The bundle of the installed mjml that scripts/compile.mjs writes (dist/vendor/mjml.cjs), when
 * it is there and of the installed version; undefined otherwise (run from the sources only).
 */
export function mjmlBundle(): string | undefined {
  const dist = path.join(packageRoot, 'dist');
  try {
    // the compile's record of what it made, mjml's version included
    const bundled = (JSON.parse(readFileSync(path.join(dist, 'stamp.json'), 'utf8')) as { mjml?: string }).mjml;
    const installed = (
      JSON.parse(readFileSync(createRequire(import.meta.url).resolve('mjml/package.json'), 'utf8')) as {
        version?: string;
      }
    ).version;
    return bundled !== undefined && bundled === installed ? path.join(dist, 'vendor', 'mjml.cjs') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the mjml bundle `file` as a CommonJS module, with the V8 code cache kept beside it for
 * this Node version and these options when there is one: loading mjml's few hundred modules costs
 * about 0.6 s, mostly compiling them, and about 0.17 s with the cache. V8 checks that a cache fits
 * (and ignores one that does not); `saveCache` writes a fresh one, best effort, once mjml has run
 * (so it holds the functions a compile needed too).
 */
export function loadMjmlBundle(file: string): LoadedMjml {
  const source = readFileSync(file, 'utf8');
  const key = createHash('sha256')
    .update(`${process.version}\0${process.execArgv.join('\0')}\0${source.length}`)
    .digest('hex')
    .slice(0, 16);
  const cacheFile = `${file}.${key}.cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const fromCache = cachedData !== undefined && script.cachedDataRejected === false;
  const module = { exports: {} as { default?: Mjml2Html } };
  (script.runInThisContext() as (...args: unknown[]) => void).call(
    module.exports,
    module.exports,
    createRequire(file),
    module,
    file,
    path.dirname(file),
  );
  const mjml2html = module.exports.default ?? (module.exports as unknown as Mjml2Html);
  let cached: boolean | undefined = fromCache || undefined;
  return {
    mjml2html,
    fromCache,
    saveCache() {
      if (cached !== undefined) return cached;
      const temp = `${cacheFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        writeFileSync(temp, script.createCachedData());
        renameSync(temp, cacheFile);
        cached = true;
      } catch {
        // a read-only install: every process compiles mjml, as without the bundle
        rmSync(temp, { force: true });
        cached = false;
      }
      return cached;
    },
  };
}

/**
 * Makes sure the bundle (default: mjmlBundle()) has a code cache for this process's Node and
 * options beside it, writing one after compiling a small digest-like document when it has none
 * that fits. `npm install` does it for the options of bin/gazette.js, so that no send pays for
 * writing it (V8 needs about 20 MiB more while it does). False when there is no bundle or the
 * cache could not be written.
 */
export async function warmMjmlCache(bundle = mjmlBundle()): Promise<boolean> {
  if (bundle === undefined) return false;
  const loaded = loadMjmlBundle(bundle);
  if (loaded.fromCache) return true;
  // compiled as a digest is, which writes the cache when it compiles cleanly
  const outcome = await compileWith(loaded, WARM_UP);
  return !('failure' in outcome) && outcome.issues.length === 0 && loaded.saveCache();
}

const WARM_UP =
  `<mjml><mj-head><mj-title>Digest</mj-title><mj-preview>This week</mj-preview>` +
  `<mj-style>.x { color: #333; }</mj-style></mj-head>
<mj-body><mj-section><mj-column><mj-image src="https://example.org/logo.png" alt="" /><mj-text><h1>Title</h1><p><a href="https://example.org/">Item</a></p></mj-text>
<mj-button href="https://example.org/">More</mj-button><mj-divider /><mj-spacer /></mj-column></mj-section></mj-body></mjml>`;

// mjml takes a while to load; every command imports this module (through the digest commands) but
// only the ones that render mail need it, so it loads on first use: from its bundle when there is
// one, else from node_modules.
let loaded: Promise<LoadedMjml> | undefined;
function loadMjml(): Promise<LoadedMjml> {
  loaded ??= (async () => {
    const bundle = mjmlBundle();
    if (bundle !== undefined) {
      try {
        return loadMjmlBundle(bundle);
      } catch {
        // a damaged bundle: the package itself still works
      }
    }
    return { mjml2html: (await import('mjml')).default, fromCache: false, saveCache: () => false };
  })();
  return loaded;
}

/** One problem the MJML validator found; `line` is 1-based in the compiled source. */
export interface MjmlIssue {
  line: number;
  tagName: string;
  message: string;
}

/** The template does not follow MJML's rules; `issues` lists every problem found. */
export class MjmlError extends GazetteError {
  readonly issues: readonly MjmlIssue[];
  /** The template file and its own line of the first issue, when the caller could tell them. */
  readonly file: string | undefined;
  readonly line: number | undefined;
  constructor(
    message: string,
    issues: readonly MjmlIssue[],
    options?: { cause?: unknown; file?: string; line?: number },
  ) {
    super('MJML_INVALID', message, options);
    this.issues = issues;
    this.file = options?.file;
    this.line = options?.line;
  }
}

/** The options every digest is compiled with. */
const COMPILE_OPTIONS = {
  validationLevel: 'strict',
  keepComments: false,
  // No web fonts: mail clients block them and they leak the reader's IP on open.
  fonts: {},
  ignoreIncludes: true,
  beautify: false,
  minify: false,
} as const;

/** What compiling one document gave: the HTML and the validator's issues, or mjml's failure. */
export type CompileOutcome = { html: string; issues: MjmlIssue[] } | { failure: string; issues: MjmlIssue[] };

/** Compiles `source` with `mjml`; what it finds wrong is in the outcome, nothing is thrown. */
export async function compileWith(mjml: LoadedMjml, source: string): Promise<CompileOutcome> {
  try {
    const result = await mjml.mjml2html(source, COMPILE_OPTIONS);
    if (result.errors.length === 0) mjml.saveCache();
    return { html: result.html, issues: result.errors.map(toIssue) };
  } catch (err) {
    const raw = (err as { errors?: unknown }).errors;
    return {
      failure: err instanceof Error ? err.message : String(err),
      issues: Array.isArray(raw) ? raw.map(toIssue) : [],
    };
  }
}

// With its bundle, mjml runs in a thread of its own (dist/vendor/mjml-worker.js) that ends once it
// has no document left to compile: mjml's code and data (about 45 MiB) are then given back, where
// in the main thread they would stay for good, through a send of any size. A digest is compiled
// once per edition, so a thread costs a compile about what loading mjml costs anyway (0.2 s).
// Without the bundle (run from the sources only) mjml runs in the calling thread.

interface MjmlThread {
  worker: Worker;
  pending: Map<number, { resolve: (outcome: CompileOutcome) => void; reject: (err: Error) => void }>;
}

let thread: MjmlThread | undefined;
let lastId = 0;

/** The thread there is, or a new one on the bundle when it and the thread's entry beside it are there. */
function threadFor(): MjmlThread | undefined {
  if (thread !== undefined) return thread;
  const bundle = mjmlBundle();
  if (bundle === undefined) return undefined;
  const entry = path.join(path.dirname(bundle), 'mjml-worker.js');
  if (!existsSync(entry)) return undefined;
  thread = startThread(bundle, entry);
  return thread;
}

function startThread(bundle: string, entry: string): MjmlThread {
  const worker = new Worker(entry, { workerData: { bundle } });
  const t: MjmlThread = { worker, pending: new Map() };
  const end = (err: Error): void => {
    if (thread === t) thread = undefined;
    for (const p of t.pending.values()) p.reject(err);
    t.pending.clear();
  };
  worker.on('message', (reply: { id: number } & CompileOutcome) => {
    const p = t.pending.get(reply.id);
    if (!p) return;
    t.pending.delete(reply.id);
    const { id: _id, ...outcome } = reply;
    if (t.pending.size === 0) {
      if (thread === t) thread = undefined;
      void worker.terminate();
    }
    p.resolve(outcome);
  });
  worker.on('error', end);
  worker.on('exit', (code) => end(new Error(`mjml's thread stopped (exit code ${code})`)));
  return t;
}

/**
 * Starts mjml's thread ahead of the first compile, so that it loads mjml on another core while
 * the caller starts up: for a command that compiles a digest soon. Until then the thread keeps
 * nothing alive (a command that finds nothing to compile still ends), and it ends after the
 * compile as any other. Nothing happens without the bundle, or with a thread already there.
 */
export function prestartMjml(): void {
  if (thread === undefined) threadFor()?.worker.unref();
}

function compileInThread(t: MjmlThread, source: string): Promise<CompileOutcome> {
  // a compile in progress keeps the process alive, as any other work
  t.worker.ref();
  const id = ++lastId;
  return new Promise((resolve, reject) => {
    t.pending.set(id, { resolve, reject });
    t.worker.postMessage({ id, source });
  });
}

let compilations = 0;

/** How many documents compileMjml was asked to compile in this process (a digest is compiled once per group). */
export function mjmlCompilations(): number {
  return compilations;
}

/**
 * Compiles a complete MJML document (no mj-include: partials are resolved before this call)
 * with strict validation, so a broken template fails instead of sending broken mail.
 */
export async function compileMjml(source: string): Promise<string> {
  compilations++;
  const t = threadFor();
  let outcome: CompileOutcome | undefined;
  if (t !== undefined) {
    try {
      outcome = await compileInThread(t, source);
    } catch {
      // the thread could not load the bundle (damaged): the package itself still works, here
      outcome = undefined;
    }
  }
  outcome ??= await compileWith(await loadMjml(), source);
  if ('html' in outcome && outcome.issues.length === 0) return outcome.html;
  // the validator's issues, line by line; mjml's own message when it failed without any
  const detail =
    outcome.issues.map((i) => `line ${i.line} <${i.tagName}>: ${i.message}`).join('; ') ||
    ('failure' in outcome ? outcome.failure : '');
  throw new MjmlError(`digest template is not valid MJML: ${detail}`, outcome.issues);
}

function toIssue(e: unknown): MjmlIssue {
  const o = (e ?? {}) as { line?: unknown; tagName?: unknown; message?: unknown };
  return { line: Number(o.line ?? 0), tagName: String(o.tagName ?? ''), message: String(o.message ?? e) };
}
