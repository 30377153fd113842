// Adapter for node-cron: parses and matches cron expressions in a time zone, and wakes a callback at each match.
import { createTask, parse, validateDetailed, type ScheduledTask } from 'node-cron';

/** A cron expression read by node-cron: which local times of day can match, and whether an instant does. */
export interface CronMatcher {
  /** Seconds, minutes and hours the expression allows, ascending. */
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** Whether `date` (read in the matcher's zone) matches every field, days of month and week included. */
  match(date: Date): boolean;
}

/** Why `expression` is not a cron expression, or undefined when it is one. */
export function cronProblem(expression: string): string | undefined {
  try {
    const result = validateDetailed(expression);
    if (result.valid) return undefined;
    return result.errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'not a cron expression';
  } catch (err) {
    return (err as Error).message;
  }
}

const matchers = new Map<string, CronMatcher>();

/** A matcher for `expression` in `zone` (cached: node-cron keeps every task it creates in a registry). */
export function cronMatcher(expression: string, zone: string): CronMatcher {
  const key = `${zone}\u0000${expression}`;
  const cached = matchers.get(key);
  if (cached) return cached;
  const fields = parse(expression);
  // A task that is never started: node-cron's own matcher, with its reading of L, W and # days.
  const task = createTask(expression, () => undefined, { timezone: zone });
  const asc = (values: readonly (number | string)[]): number[] => values.map(Number).sort((a, b) => a - b);
  const matcher: CronMatcher = {
    seconds: asc(fields.second),
    minutes: asc(fields.minute),
    hours: asc(fields.hour),
    match: (date) => task.match(date),
  };
  matchers.set(key, matcher);
  return matcher;
}

/** A running cron job; stop() ends it for good. */
export interface CronJob {
  stop(): Promise<void>;
}

export interface CronJobOptions {
  expression: string;
  zone: string;
  name: string;
  /** Called at each match with the instant matched; its errors are the caller's to handle. */
  onTick(at: Date): void;
}

/** Starts a cron job that calls `onTick` at every matching instant in `zone`. It does not keep the process alive. */
export function startCronJob(options: CronJobOptions): CronJob {
  const task: ScheduledTask = createTask(options.expression, (context) => options.onTick(context.date), {
    timezone: options.zone,
    name: options.name,
    noOverlap: true,
    unref: true,
    // The worker catches missed slots up itself; node-cron's warning would only repeat that.
    suppressMissedWarning: true,
  });
  void task.start();
  return {
    async stop() {
      await task.stop();
      await task.destroy();
    },
  };
}
