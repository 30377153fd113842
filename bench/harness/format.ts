// Formatting of figures for BENCHMARKS.md: min / median / max with units, and ratios of medians.
import type { Summary } from './measure.ts';

/** `1.23 / 1.30 / 1.41 s` (or ms below a second). */
export function formatTimes(s: Summary): string {
  const inSeconds = s.median >= 1000;
  const f = (ms: number): string => (inSeconds ? (ms / 1000).toFixed(2) : ms.toFixed(0));
  return `${f(s.min)} / ${f(s.median)} / ${f(s.max)} ${inSeconds ? 's' : 'ms'}`;
}

/** The median alone, `1.30 s` or `373 ms`. */
export function formatMedianTime(s: Summary): string {
  return s.median >= 1000 ? `${(s.median / 1000).toFixed(2)} s` : `${s.median.toFixed(0)} ms`;
}

/** The median alone, `215 MiB`, from KiB. */
export function formatMedianMemory(s: Summary): string {
  return `${(s.median / 1024).toFixed(0)} MiB`;
}

/** `212 / 215 / 230 MiB` from KiB figures. */
export function formatMemory(s: Summary): string {
  const f = (kib: number): string => (kib / 1024).toFixed(0);
  return `${f(s.min)} / ${f(s.median)} / ${f(s.max)} MiB`;
}

/** `12,345 / 12,900 / 13,002` */
export function formatCounts(s: Summary, digits = 0): string {
  const f = (n: number): string =>
    n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return `${f(s.min)} / ${f(s.median)} / ${f(s.max)}`;
}

/** Ratio of medians, `0.42×`. */
export function ratio(a: Summary, b: Summary): number {
  return a.median / b.median;
}

export function formatRatio(r: number): string {
  return `${r < 0.1 ? r.toFixed(3) : r.toFixed(2)}×`;
}

/** A Markdown table; cells are used as given. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
