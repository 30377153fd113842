// BENCHMARKS.md: one marked section per benchmark, replaced only when that benchmark runs, so
// results of benchmarks not run in this invocation (and any text outside the markers) are kept.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Machine } from './machine.ts';
import type { BenchResult } from './types.ts';

export interface SectionInput {
  name: string;
  order: number;
  title: string;
  command: string;
  startedAt: Date;
  finishedAt: Date;
  machine: Machine;
  loadAtStart: string;
  loadAtEnd: string;
  result: BenchResult;
}

const HEADER = `# Benchmarks

Written by \`npm run bench\` (all benchmarks) or \`node bin/bench.js NAME…\` (some of them); the
scripts are under bench/. Each benchmark measures gazette and its baseline in the same invocation,
on the same machine, several times, and reports min / median / max; ratios are of medians. A
section is replaced only when its benchmark runs again, so sections may come from different
invocations: each names its own command, date, machine and load. The machine is shared, so the
load average at the start and end of each run is recorded; prefer medians. Raw figures of each
run are saved as JSON under bench/results/ (not committed).
`;

const begin = (name: string): string => `<!-- bench:${name} -->`;
const end = (name: string): string => `<!-- /bench:${name} -->`;

/** The Markdown of one section, markers included. */
export function renderSection(s: SectionInput): string {
  const m = s.machine;
  const minutes = ((s.finishedAt.getTime() - s.startedAt.getTime()) / 60_000).toFixed(1);
  const targets = s.result.targets.length
    ? [
        '**Targets**',
        '',
        '| target | measured | met |',
        '| --- | --- | --- |',
        ...s.result.targets.map(
          (t) => `| ${t.target} | ${t.measured} | ${t.met === undefined ? 'not measured' : t.met ? 'yes' : '**no**'} |`,
        ),
      ].join('\n')
    : '';
  return [
    begin(s.name),
    `## ${s.order}. ${s.title}`,
    '',
    `- Command: \`${s.command}\``,
    `- Date: ${s.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')} (${minutes} min)`,
    `- Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory, ${m.os}, Node ${m.node}`,
    `- Load average (1 / 5 / 15 min): ${s.loadAtStart} at the start, ${s.loadAtEnd} at the end`,
    '',
    s.result.body.trim(),
    '',
    targets,
    end(s.name),
  ]
    .filter((part, i, all) => !(part === '' && all[i - 1] === ''))
    .join('\n');
}

/**
 * Puts `section` (of benchmark `name`, ordered by `order`) into the document `doc`: in place of
 * that benchmark's previous section, else before the first section of a higher order, else at the end.
 */
export function replaceSection(doc: string, name: string, order: number, section: string): string {
  const start = doc.indexOf(begin(name));
  const stop = doc.indexOf(end(name));
  if (start !== -1 && stop > start) return doc.slice(0, start) + section + doc.slice(stop + end(name).length);
  const sections = [...doc.matchAll(/^## (\d+)\. .*$/gm)];
  for (const heading of sections) {
    if (Number(heading[1]) > order) {
      // Insert before the marker line that precedes this heading.
      const at = doc.lastIndexOf('<!-- bench:', heading.index);
      const cut = at === -1 ? heading.index! : at;
      return `${doc.slice(0, cut)}${section}\n\n${doc.slice(cut)}`;
    }
  }
  return `${doc.replace(/\s*$/, '')}\n\n${section}\n`;
}

/** Reads BENCHMARKS.md (or starts it), replaces the sections given and writes it back. */
export function updateReport(file: string, sections: readonly SectionInput[]): void {
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : HEADER;
  for (const s of sections) doc = replaceSection(doc, s.name, s.order, renderSection(s));
  writeFileSync(file, doc.endsWith('\n') ? doc : `${doc}\n`);
}
