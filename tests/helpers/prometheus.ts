// Reading a /metrics answer with an independent parser of Prometheus's text format (parse-prometheus-text-format,
// which follows the Prometheus Python client's parser), so the tests check what a real scraper would read.
import { createRequire } from 'node:module';

export interface ParsedFamily {
  name: string;
  help: string;
  /** COUNTER, GAUGE, HISTOGRAM, SUMMARY or UNTYPED. */
  type: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

export interface Scrape {
  families: ParsedFamily[];
  family(name: string): ParsedFamily | undefined;
  /** The value of `name`'s sample whose labels include `labels`; undefined when there is none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** `name`'s samples as { label value: number } by one label, for samples matching `labels`. */
  by(name: string, label: string, labels?: Record<string, string>): Record<string, number>;
}

export function parseScrape(text: string): Scrape {
  const families = parse(text);
  const family = (name: string) => families.find((f) => f.name === name);
  const matching = (name: string, labels: Record<string, string> = {}) =>
    (family(name)?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return {
    families,
    family,
    value(name, labels) {
      const sample = matching(name, labels)[0];
      return sample?.value === undefined ? undefined : Number(sample.value);
    },
    by(name, label, labels) {
      const out: Record<string, number> = {};
      for (const m of matching(name, labels))
        if (m.labels?.[label] !== undefined) out[m.labels[label]] = Number(m.value);
      return out;
    },
  };
}
