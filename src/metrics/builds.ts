// Builds as the worker's site service reports them. The service tells the outcome of every build it runs in one log
// record ("site built" or "site unchanged" with its duration, "build failed: …" once per failed attempt), so the
// metrics read that record as it is logged rather than asking the service for a hook of its own.
import type { Logger } from '../logger.ts';

export interface BuildObserver {
  succeeded(durationMs: number | undefined): void;
  failed(): void;
}

const SUCCEEDED = new Set(['site built', 'site unchanged']);
const FAILED = new Set(['build failed: the last good build is still served', 'build failed: nothing built yet']);

/** Calls `log` with the arguments it was given: no `undefined` message where there was none. */
function pass(log: (obj: object | string, msg?: string) => void, obj: object | string, msg: string | undefined): void {
  if (msg === undefined) log(obj);
  else log(obj, msg);
}

/** `logger`, passing every record on, and telling `observer` of each build's outcome it sees go by. */
export function observeBuildLog(logger: Logger, observer: BuildObserver): Logger {
  const durationOf = (obj: object | string): number | undefined => {
    const value = typeof obj === 'object' ? (obj as { durationMs?: unknown }).durationMs : undefined;
    return typeof value === 'number' ? value : undefined;
  };
  return {
    debug: (obj, msg) => pass(logger.debug.bind(logger), obj, msg),
    info(obj, msg) {
      pass(logger.info.bind(logger), obj, msg);
      if (msg !== undefined && SUCCEEDED.has(msg)) observer.succeeded(durationOf(obj));
    },
    warn(obj, msg) {
      pass(logger.warn.bind(logger), obj, msg);
      if (msg !== undefined && FAILED.has(msg)) observer.failed();
    },
    error: (obj, msg) => pass(logger.error.bind(logger), obj, msg),
    child: (bindings) => observeBuildLog(logger.child(bindings), observer),
  };
}
