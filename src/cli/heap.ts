// Keeps a long send's memory flat: a full garbage collection every few seconds while it runs.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

/** V8's full collection, made callable without --expose-gc; null where the runtime refuses. */
function fullCollection(): (() => void) | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  } catch {
    collect = null;
  }
  return collect;
}

/**
 * Runs a full collection every `intervalMs` until the returned function is called. A send makes
 * short-lived objects fast enough that some outlive two young-generation collections and reach
 * the old generation, which V8 lets grow for a long time before collecting it: left alone, a send
 * of 100,000 messages ends with tens of MB more resident than one of 10,000. A collection of the
 * send's small live heap takes a few milliseconds.
 */
export function collectPeriodically(intervalMs = 3000): () => void {
  const gc = fullCollection();
  if (!gc) return () => undefined;
  const timer = setInterval(gc, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
