// A real pino logger whose JSON lines are kept in memory, to check what the worker logs.
import { Writable } from 'node:stream';
import { createLogger } from '../../src/adapters/pino.ts';
import type { Logger } from '../../src/logger.ts';

export interface CapturedLog {
  logger: Logger;
  /** Every line so far, parsed. */
  records(): Record<string, unknown>[];
  /** Every line so far, as written. */
  text(): string;
  /** Resolves once a record satisfies `test` (polls every 20 ms; rejects after `timeoutMs`). */
  waitFor(test: (record: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function captureLog(level = 'debug'): CapturedLog {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString('utf8');
      callback();
    },
  });
  const records = () =>
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    logger: createLogger({ destination, pretty: false, level }),
    records,
    text: () => text,
    async waitFor(test, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = records().find(test);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such log line after ${timeoutMs} ms; got:\n${text}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
