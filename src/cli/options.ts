// Option values and paths as the commands read and print them.
import path from 'node:path';
import { UsageError } from '../errors.ts';

/** `--now ISO`: the moment a command acts as if it were; the clock when not given. */
export function parseNow(value: unknown): Date {
  if (value === undefined) return new Date();
  const date = new Date(String(value));
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(String(value))) {
    throw new UsageError(`--now must be an ISO 8601 date-time like 2021-10-04T09:00:00+06:00, got "${String(value)}"`);
  }
  return date;
}

/** A path relative to the working folder when it lies inside it, absolute otherwise. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel;
}
