// The bench runner: installs the baselines, runs the benchmark scripts (bench/*.bench.ts) asked
// for (all by default) and rewrites their sections of BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeMachine, loadAverage } from './harness/machine.ts';
import { updateReport, type SectionInput } from './harness/report.ts';
import type { Benchmark, BenchOptions } from './harness/types.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const benchDir = path.join(root, 'bench');

async function discover(): Promise<Benchmark[]> {
  const files = readdirSync(benchDir).filter((f) => f.endsWith('.bench.ts'));
  const found: Benchmark[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(benchDir, file)).href)) as { default?: Benchmark };
    if (!mod.default?.name) throw new Error(`bench/${file} has no default export of a Benchmark`);
    found.push(mod.default);
  }
  return found.sort((a, b) => a.order - b.order);
}

const USAGE = `usage: node bin/bench.js [NAME…] [--OPTION VALUE…]
Runs the named benchmarks (all when none is named) and rewrites their sections of BENCHMARKS.md.
  --skip-install   do not run scripts/install-bench-deps.sh first
  --no-report      print the sections instead of writing BENCHMARKS.md
Other options go to the benchmarks (see each bench/*.bench.ts), e.g. --runs 5.`;

// Flags without a value; every other `--name` takes the next word (or `--name=value`).
const FLAGS = new Set(['help', 'skip-install', 'no-report']);

/** Splits the command line into benchmark names and options. */
export function parseCommandLine(argv: readonly string[]): {
  positionals: string[];
  values: Record<string, string | boolean>;
} {
  const positionals: string[] = [];
  const values: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('--')) {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    if (eq !== -1) values[word.slice(2, eq)] = word.slice(eq + 1);
    else if (FLAGS.has(word.slice(2)) || i + 1 >= argv.length || argv[i + 1]!.startsWith('--'))
      values[word.slice(2)] = true;
    else values[word.slice(2)] = argv[++i]!;
  }
  return { positionals, values };
}

/** Runs the CLI; resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const all = await discover();
  const unknown = positionals.filter((p) => !all.some((b) => b.name === p));
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: no benchmark named ${unknown.join(', ')} (have: ${all.map((b) => b.name).join(', ')})\n`,
    );
    return 2;
  }
  const chosen = positionals.length ? all.filter((b) => positionals.includes(b.name)) : all;

  if (!values['skip-install']) {
    process.stderr.write('bench: installing baselines (scripts/install-bench-deps.sh)\n');
    const install = spawnSync('bash', [path.join(root, 'scripts/install-bench-deps.sh')], { stdio: 'inherit' });
    if (install.status !== 0) {
      process.stderr.write('bench: installing the baselines failed\n');
      return 1;
    }
  }

  // gazette runs from the bundle `npm install` compiles (see scripts/compile.mjs); sources edited
  // since would send bin/gazette.js to the slower tsx path, so it is brought up to date first.
  const compile = spawnSync(process.execPath, [path.join(root, 'scripts/compile.mjs')], { stdio: 'inherit' });
  if (compile.status !== 0) {
    process.stderr.write('bench: compiling the sources failed\n');
    return 1;
  }

  const workDir = path.join(root, 'var', 'bench');
  const resultsDir = path.join(benchDir, 'results');
  mkdirSync(workDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });
  const command = `node bin/bench.js${argv.length ? ` ${argv.join(' ')}` : ''}`;
  const machine = describeMachine();
  let failed = 0;
  for (const bench of chosen) {
    process.stderr.write(`bench: ${bench.name}: ${bench.title}\n`);
    const startedAt = new Date();
    const loadAtStart = loadAverage();
    try {
      const result = await bench.run({
        root,
        workDir,
        options: values as BenchOptions,
        log: (message) => process.stderr.write(`bench: ${bench.name}: ${message}\n`),
      });
      const section: SectionInput = {
        name: bench.name,
        order: bench.order,
        title: bench.title,
        command,
        startedAt,
        finishedAt: new Date(),
        machine,
        loadAtStart,
        loadAtEnd: loadAverage(),
        result,
      };
      const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
      writeFileSync(
        path.join(resultsDir, `${bench.name}-${stamp}.json`),
        `${JSON.stringify({ ...section, result: { ...result, body: undefined } }, null, 2)}\n`,
      );
      if (values['no-report']) {
        const { renderSection } = await import('./harness/report.ts');
        process.stdout.write(`${renderSection(section)}\n`);
      } else {
        // Written after each benchmark so a later failure does not lose the earlier results.
        updateReport(path.join(root, 'BENCHMARKS.md'), [section]);
        process.stderr.write(`bench: ${bench.name}: BENCHMARKS.md updated\n`);
      }
    } catch (err) {
      failed++;
      process.stderr.write(`bench: ${bench.name} failed: ${(err as Error).stack ?? err}\n`);
    }
  }
  return failed ? 1 : 0;
}
