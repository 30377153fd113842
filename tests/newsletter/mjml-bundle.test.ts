// mjml loaded from its bundle (dist/vendor/mjml.cjs, made by scripts/compile.mjs on npm install)
// with a V8 code cache: the same HTML and the same validation errors as the package itself.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mjml2html from 'mjml';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMjml, loadMjmlBundle, MjmlError, mjmlBundle } from '../../src/adapters/mjml.ts';

const DOC = `<mjml>
  <mj-head>
    <mj-style inline="inline">.lead { color: #123456; font-weight: bold; }</mj-style>
    <mj-attributes><mj-text font-family="Georgia, serif" /></mj-attributes>
  </mj-head>
  <mj-body>
    <mj-section><mj-column>
      <mj-image src="https://caricc.org/logo.png" alt="CARICC" width="120px" />
      <mj-text><p class="lead">Weekly digest</p><p>Кыргызстан &amp; Казахстан: <a href="https://caricc.org/news/1">news</a></p></mj-text>
      <mj-button href="https://caricc.org/">Read more</mj-button>
      <mj-divider />
    </mj-column></mj-section>
  </mj-body>
</mjml>`;
// mj-text may not hold mj-section, and mj-column has no `colour`.
const INVALID =
  '<mjml><mj-body><mj-section><mj-column colour="red"><mj-text><mj-section /></mj-text></mj-column>' +
  '</mj-section></mj-body></mjml>';
const OPTIONS = {
  validationLevel: 'soft',
  keepComments: false,
  fonts: {},
  ignoreIncludes: true,
  beautify: false,
  minify: false,
} as const;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the bundle in a folder of its own, so the test's cache files go there. */
function bundleCopy(): string {
  const bundle = mjmlBundle();
  // npm install / npm ci compile it (the "prepare" script), and so does `node scripts/compile.mjs`
  expect(bundle, 'dist/vendor/mjml.cjs of the installed mjml').toBeDefined();
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-mjml-'));
  dirs.push(dir);
  const file = path.join(dir, 'mjml.cjs');
  copyFileSync(bundle!, file);
  return file;
}

const cacheFiles = (file: string): string[] => readdirSync(path.dirname(file)).filter((f) => f.endsWith('.cache'));

const ROOT = path.resolve(import.meta.dirname, '../..');
// What the next process does: loads the bundle, compiles DOC, saves the cache. A process of its
// own, since V8 keeps what one process compiled and would not read a cache for it again.
const CHILD = `
import { loadMjmlBundle, warmMjmlCache } from ${JSON.stringify(path.join(ROOT, 'src/adapters/mjml.ts'))};
if (process.argv[3] === 'warm') {
  process.stdout.write(JSON.stringify({ written: await warmMjmlCache(process.argv[2]) }));
  process.exit(0);
}
const loaded = loadMjmlBundle(process.argv[2]);
const result = await loaded.mjml2html(${JSON.stringify(DOC)}, ${JSON.stringify(OPTIONS)});
loaded.saveCache();
process.stdout.write(JSON.stringify({ fromCache: loaded.fromCache, html: result.html, errors: result.errors.length }));
`;

function child(file: string, mode: 'load' | 'warm'): unknown {
  const dir = mkdtempSync(path.join(tmpdir(), 'gazette-mjml-child-'));
  dirs.push(dir);
  const script = path.join(dir, 'child.mts');
  writeFileSync(script, CHILD);
  return JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', script, file, mode], { cwd: ROOT, encoding: 'utf8' }),
  );
}
const nextProcess = (file: string) => child(file, 'load') as { fromCache: boolean; html: string; errors: number };

describe('the mjml bundle', () => {
  it('writes the same HTML as the mjml package, CSS inlined through juice included', async () => {
    const loaded = loadMjmlBundle(bundleCopy());
    const ours = await loaded.mjml2html(DOC, OPTIONS);
    const theirs = await mjml2html(DOC, OPTIONS);
    expect(ours.errors).toEqual([]);
    expect(ours.html).toBe(theirs.html);
    expect(ours.html).toMatch(/<p class="lead" style="[^"]*color: #123456/);
  });

  it('finds the same validation errors as the mjml package', async () => {
    const loaded = loadMjmlBundle(bundleCopy());
    const ours = (await loaded.mjml2html(INVALID, OPTIONS)).errors.map((e) => e.formattedMessage);
    const theirs = (await mjml2html(INVALID, OPTIONS)).errors.map((e) => e.formattedMessage);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours).toEqual(theirs);
  });

  it('keeps a code cache beside the bundle that the next process takes, and ignores a damaged one', async () => {
    const file = bundleCopy();
    const html = (await mjml2html(DOC, OPTIONS)).html;
    const first = nextProcess(file);
    expect(first).toEqual({ fromCache: false, html, errors: 0 });
    const written = cacheFiles(file);
    expect(written).toHaveLength(1);

    expect(nextProcess(file)).toEqual({ fromCache: true, html, errors: 0 });

    writeFileSync(path.join(path.dirname(file), written[0]!), 'not a code cache');
    expect(nextProcess(file)).toEqual({ fromCache: false, html, errors: 0 });
    // which wrote a good one again
    expect(nextProcess(file)).toEqual({ fromCache: true, html, errors: 0 });
  }, 60_000);

  it('works where the cache cannot be written, and leaves nothing behind there', async () => {
    const file = bundleCopy();
    const html = (await mjml2html(DOC, OPTIONS)).html;
    // a folder where the cache file goes (its name learnt from another copy): neither read nor
    // replaced, where root could write anything else
    const other = bundleCopy();
    nextProcess(other);
    const name = cacheFiles(other)[0]!;
    mkdirSync(path.join(path.dirname(file), name, 'taken'), { recursive: true });
    expect(nextProcess(file)).toEqual({ fromCache: false, html, errors: 0 });
    expect(readdirSync(path.dirname(file)).sort()).toEqual(['mjml.cjs', name].sort());
  }, 60_000);

  it('is warmed by npm install: a process started with the same options loads mjml from the cache', () => {
    const file = bundleCopy();
    expect(child(file, 'warm')).toEqual({ written: true });
    expect(cacheFiles(file)).toHaveLength(1);
    expect(nextProcess(file).fromCache).toBe(true);
    // and warming again finds it there
    expect(child(file, 'warm')).toEqual({ written: true });
    expect(cacheFiles(file)).toHaveLength(1);
  }, 60_000);

  it("compiles digests in a thread of its own, so mjml takes none of the main thread's memory once done", () => {
    // In a process of its own, with the garbage collector at hand: the main thread's heap after a
    // compile, against its heap after mjml loaded in that thread (what a compile used to leave).
    const dir = mkdtempSync(path.join(tmpdir(), 'gazette-mjml-thread-'));
    dirs.push(dir);
    const script = path.join(dir, 'thread.mts');
    const strict = JSON.stringify({ ...OPTIONS, validationLevel: 'strict' });
    writeFileSync(
      script,
      `import { compileMjml, loadMjmlBundle, mjmlBundle } from ${JSON.stringify(
        path.join(ROOT, 'src/adapters/mjml.ts'),
      )};
const heap = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
const before = heap();
const html = await compileMjml(${JSON.stringify(DOC)});
await new Promise((r) => setTimeout(r, 100));
const afterThread = heap();
// the bundle in this thread (the first test shows it writes the package's HTML)
const loaded = loadMjmlBundle(mjmlBundle());
const theirs = (await loaded.mjml2html(${JSON.stringify(DOC)}, ${strict})).html;
const afterHere = heap();
process.stdout.write(JSON.stringify({ same: html === theirs, thread: afterThread - before, ` +
        `here: afterHere - afterThread }));
`,
    );
    const out = JSON.parse(
      execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8' }),
    ) as { same: boolean; thread: number; here: number };
    expect(out.same).toBe(true);
    const MiB = 1024 * 1024;
    // mjml loaded here keeps more than 8 MiB of heap for good; compiled in its thread, it keeps none of it
    expect(out.here).toBeGreaterThan(8 * MiB);
    expect(out.thread).toBeLessThan(2 * MiB);
  }, 60_000);

  it('reports what the validator finds, line by line, from its thread', async () => {
    const theirs = (await mjml2html(INVALID, { ...OPTIONS, validationLevel: 'soft' })).errors.map((e) => ({
      line: e.line,
      tagName: e.tagName,
      message: e.message,
    }));
    expect(theirs.length).toBeGreaterThan(0);
    const err = await compileMjml(INVALID).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MjmlError);
    expect((err as MjmlError).issues).toEqual(theirs);
    expect((err as MjmlError).message).toContain(
      `line ${theirs[0]!.line} <${theirs[0]!.tagName}>: ${theirs[0]!.message}`,
    );
  });
});
