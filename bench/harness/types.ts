// The contract between the bench runner and each benchmark script (bench/*.bench.ts).

/** Options from the command line after the benchmark names, e.g. `--runs 5` → { runs: '5' }. */
export type BenchOptions = Readonly<Record<string, string | boolean | undefined>>;

export interface BenchContext {
  /** The repository root. */
  root: string;
  /** A git-ignored folder for generated inputs and outputs (var/bench/), kept between runs. */
  workDir: string;
  options: BenchOptions;
  /** Progress for the operator, on stderr; never part of the results. */
  log(message: string): void;
}

/** One target from the issue and whether this run met it. */
export interface TargetResult {
  target: string;
  /** What was measured against it, e.g. `0.61× Hugo (median)`. */
  measured: string;
  /** undefined when this run could not tell (e.g. a baseline failed). */
  met: boolean | undefined;
}

export interface BenchResult {
  /** Markdown: how it was measured and the figures (tables of min / median / max and ratios). */
  body: string;
  targets: TargetResult[];
  /** Raw figures, saved as JSON under bench/results/ for later comparison. */
  raw?: unknown;
}

/** A benchmark script's default export. */
export interface Benchmark {
  /** Name on the command line and in BENCHMARKS.md's section markers, e.g. `build`. */
  name: string;
  /** Issue number of the benchmark (1 feed build … 4 serving); orders the sections. */
  order: number;
  title: string;
  run(ctx: BenchContext): Promise<BenchResult>;
}
